"""Stored values moved to another place are refused, over real HTTP through the middleware.

Someone who can write to Inngest's storage moves a value (`StandIn.move_memo` and
friends); the run ends with `MisplacedValueError` naming both places.
"""

from __future__ import annotations

from pathlib import Path

import inngest
import pytest

from inngest_codecs.testing import StandIn, stored_step_id
from inngest_codecs.testing.standin import INVOKED_EVENT

from .app import SECRET, Bank, plain, refused, serving

pytestmark = pytest.mark.slow


def test_a_memo_moved_to_another_step_is_refused(bank: tuple[Bank, inngest.Inngest]) -> None:
    app, client = bank
    event = app.send("bank/transfer", {"encrypted": {"account": SECRET}}, client)
    run = app.run("ledger", event, max_calls=2)
    assert run.running and len(run.steps) == 2

    app.stand_in.move_memo(run, "check_limit", run, "approved_amount")
    app.stand_in.resume(app.url, run)

    refused(run, stored_step_id("check_limit"), stored_step_id("approved_amount"), "bank-ledger")


def test_a_memo_moved_to_the_same_step_of_another_function_is_refused(
    bank: tuple[Bank, inngest.Inngest],
) -> None:
    app, client = bank
    event = app.send("bank/transfer", {"encrypted": {"account": SECRET}}, client)
    ledger = app.run("ledger", event, max_calls=2)
    audit = app.run("audit", event, max_calls=1)

    app.stand_in.move_memo(ledger, "check_limit", audit, "check_limit")
    app.stand_in.resume(app.url, audit)

    refused(audit, "bank-ledger", "bank-audit")


def test_a_function_output_moved_into_an_event_is_refused(
    bank: tuple[Bank, inngest.Inngest],
) -> None:
    app, client = bank
    transfer = app.send("bank/transfer", {"encrypted": {"account": SECRET}}, client)
    ledger = app.run("ledger", transfer)
    assert ledger.completed, ledger.error
    notice = app.send("bank/notice", {"encrypted": "a notice"}, client)

    app.stand_in.move_output_to_event(ledger, notice, "encrypted")

    refused(app.run("notify", notice), "bank-ledger", "bank/notice")


def test_an_event_field_moved_to_another_event_or_field_is_refused(
    bank: tuple[Bank, inngest.Inngest],
) -> None:
    app, client = bank
    transfer = app.send("bank/transfer", {"encrypted": SECRET}, client)
    notice = app.send("bank/notice", {"encrypted": "a notice"}, client)
    other = app.send("bank/notice", {"encrypted": "another notice"}, client)

    app.stand_in.move_event_field(transfer, "encrypted", notice)
    refused(app.run("notify", notice), "bank/transfer", "bank/notice")

    app.stand_in.move_event_field(other, "encrypted", other, "copy")
    refused(app.run("notify", other), "'encrypted'", "'copy'")


def test_an_invoke_payload_moved_to_another_function_is_refused(
    bank: tuple[Bank, inngest.Inngest],
) -> None:
    app, client = bank
    parent = app.run("parent", app.send("bank/parent", {}, client))
    assert parent.completed, parent.error
    assert plain(parent.output)["a"] == {"a": SECRET}
    invoked = next(e for e in app.stand_in.events if e["name"] == INVOKED_EVENT)

    replayed = app.stand_in.run(app.url, app.ids["child-a"], invoked)
    moved = app.stand_in.run(app.url, app.ids["child-b"], invoked)

    assert replayed.completed and plain(replayed.output) == {"a": SECRET}
    refused(moved, "bank-child-a", "bank-child-b")


@pytest.mark.parametrize("target", ["after", "call_b"])
def test_an_invoke_result_moved_to_another_step_is_refused(
    bank: tuple[Bank, inngest.Inngest], target: str
) -> None:
    app, client = bank
    run = app.run("parent", app.send("bank/parent", {}, client), max_calls=3)
    assert len(run.steps) == 3, run.steps

    app.stand_in.move_memo(run, "call_a", run, target)
    app.stand_in.resume(app.url, run)

    refused(run, "bank-child-a", stored_step_id(target))


def test_a_waited_for_event_moved_to_another_step_or_wait_is_refused(
    bank: tuple[Bank, inngest.Inngest],
) -> None:
    app, client = bank
    app.send("bank/transfer", {"encrypted": {"account": SECRET}}, client)
    notice = app.send("bank/notice", {"encrypted": "a notice"}, client)
    moved = app.run("waiter", app.send("bank/hold", {}, client), max_calls=2)
    swapped = app.run("waiter", app.send("bank/hold", {}, client), max_calls=1)

    app.stand_in.move_memo(moved, "release", moved, "check")
    app.stand_in.move_event_to_memo(notice, swapped, "release")
    app.stand_in.resume(app.url, moved)
    app.stand_in.resume(app.url, swapped)

    refused(moved, "event 'bank/transfer'", stored_step_id("check"))
    refused(swapped, "event 'bank/notice'", stored_step_id("release"))


def test_a_step_error_moved_to_another_step_is_refused(stand_in: StandIn) -> None:
    with serving(stand_in, encrypt_errors=True) as (app, client):
        # Each step fails three times (the stand-in's attempts) before its error is stored.
        run = app.run("fragile", app.send("bank/fragile", {}, client), max_calls=6)
        assert len(run.steps) == 2, run.steps
        stored = run.steps[stored_step_id("first")]
        assert "error" in stored and SECRET not in str(stored)

        app.stand_in.move_memo(run, "first", run, "second")
        app.stand_in.resume(app.url, run)

    refused(run, stored_step_id("first"), stored_step_id("second"))


def test_an_event_field_moved_to_another_tenant_is_refused_where_tenants_share_a_key(
    stand_in: StandIn,
) -> None:
    shared = {"acme": "tenant-key", "globex": "tenant-key"}
    with serving(stand_in, tenant_keys=shared, tenant_from="data.tenant") as (app, client):
        acme = app.send(
            "bank/transfer", {"tenant": "acme", "encrypted": {"account": SECRET}}, client
        )
        globex = app.send(
            "bank/transfer", {"tenant": "globex", "encrypted": {"account": "g"}}, client
        )
        assert app.run("ledger", globex).completed

        app.stand_in.move_event_field(acme, "encrypted", globex)
        moved = app.run("ledger", globex)

    refused(moved, "tenant 'acme'", "tenant 'globex'")


def test_a_claim_check_moved_to_another_step_is_refused(stand_in: StandIn, tmp_path: Path) -> None:
    with serving(stand_in, offload_over=200, offload_store=tmp_path.as_uri()) as (app, client):
        big = {"account": SECRET + "x" * 400}
        run = app.run("ledger", app.send("bank/transfer", {"encrypted": big}, client), max_calls=2)
        memo = run.steps[stored_step_id("check_limit")]["data"]
        assert memo["__STRATEGY__"].endswith("+offload")

        app.stand_in.move_memo(run, "check_limit", run, "approved_amount")
        app.stand_in.resume(app.url, run)

    refused(run, stored_step_id("approved_amount"))
