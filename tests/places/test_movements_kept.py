"""Every movement Inngest itself makes still opens, and values from before binding too.

One event reaches many functions, is waited for, batched and replayed; a re-run
from a step copies memos into a new run; a value sent on is bound again to its
new place.
"""

from __future__ import annotations

from typing import Any

import inngest
import pytest

from inngest_codecs import EncryptionMiddleware, Encryptor
from inngest_codecs.middleware import places
from inngest_codecs.testing import StandIn, serve_flask, stored_step_id

from .app import APP, KEY, SECRET, Bank, format_version, plain, serving

pytestmark = pytest.mark.slow


def test_one_event_reaches_many_functions_waits_and_replays(
    bank: tuple[Bank, inngest.Inngest],
) -> None:
    app, client = bank
    transfer = app.send("bank/transfer", {"encrypted": {"account": SECRET}}, client)

    ledger, audit = app.run("ledger", transfer), app.run("audit", transfer)
    replay = app.run("ledger", transfer)
    waiter = app.run("waiter", app.send("bank/hold", {}, client))

    assert ledger.completed and audit.completed and replay.completed, (ledger, audit, replay)
    assert plain(ledger.output)["limit"]["account"] == SECRET
    assert plain(audit.output)["audited"] == SECRET
    assert plain(replay.output) == plain(ledger.output)
    assert waiter.completed, waiter.error
    assert plain(waiter.output) == {"found": {"account": SECRET}, "checked": "checked"}


def test_parallel_steps_of_one_name_open_at_their_own_places(
    bank: tuple[Bank, inngest.Inngest],
) -> None:
    app, client = bank
    run = app.run("fanout", app.send("bank/fanout", {}, client))

    assert run.completed, run.error
    assert plain(run.output) == [f"part {n}: {SECRET}" for n in range(3)]
    assert set(run.steps) == {stored_step_id("part", n) for n in range(3)}


def test_an_on_failure_handler_opens_the_error_of_the_function_that_failed(
    stand_in: StandIn,
) -> None:
    with serving(stand_in, encrypt_errors=True) as (app, client):
        failed = app.run("doomed", app.send("bank/doomed", {}, client))
        assert failed.status == "failed" and SECRET not in str(failed.error)
        handler = app.functions["doomed"].on_failure_fn_id or ""
        handled = stand_in.run_on_failure(app.url, handler, failed)

    assert handled.completed, handled.error
    assert plain(handled.output) == f"doomed: {SECRET}"


def test_a_rerun_from_a_step_opens_the_memos_copied_into_it(
    bank: tuple[Bank, inngest.Inngest],
) -> None:
    app, client = bank
    run = app.run("ledger", app.send("bank/transfer", {"encrypted": {"account": SECRET}}, client))

    rerun = app.stand_in.rerun_from(app.url, run, "approved_amount")

    assert rerun.run_id != run.run_id and stored_step_id("check_limit") in rerun.steps
    assert rerun.completed and plain(rerun.output) == plain(run.output)


def test_forwarded_values_are_bound_again_to_their_new_place_and_batches_open(
    bank: tuple[Bank, inngest.Inngest],
) -> None:
    app, client = bank
    for note in ("first", "second"):
        notice = app.send("bank/notice", {"encrypted": {"note": note, "secret": SECRET}}, client)
        assert app.run("notify", notice).completed
    forwarded = [e for e in app.stand_in.events if e["name"] == "bank/forwarded"]
    assert all(SECRET not in str(event) for event in forwarded)

    batch = app.stand_in.run(app.url, app.ids["receiver"], forwarded)

    assert batch.completed, batch.error
    assert [note["note"] for note in plain(batch.output)] == ["first", "second"]


def test_a_function_level_middleware_binds_what_its_runs_send(stand_in: StandIn) -> None:
    client = inngest.Inngest(app_id=APP, **stand_in.client_options())  # no client middleware
    factory = EncryptionMiddleware.factory(KEY, codec="aes-gcm")
    notice = inngest.TriggerEvent(event="bank/notice")

    @client.create_function(fn_id="relay", trigger=notice, middleware=[factory], retries=0)
    def relay(ctx: inngest.ContextSync) -> str:
        note = ctx.event.data["encrypted"]
        client.send_sync(inngest.Event(name="bank/forwarded", data={"note": note}))
        return "sent"

    forwarded = inngest.TriggerEvent(event="bank/forwarded")

    @client.create_function(fn_id="sink", trigger=forwarded, middleware=[factory], retries=0)
    def sink(ctx: inngest.ContextSync) -> Any:
        return ctx.event.data["note"]

    sealed = Encryptor(KEY, codec="aes-gcm").encrypt(
        {"secret": SECRET}, place=places.event_field("bank/notice", "encrypted")
    )
    with serve_flask(client, [relay, sink]) as app:
        (event_id,) = client.send_sync(
            inngest.Event(name="bank/notice", data={"encrypted": sealed})
        )
        relayed = stand_in.run(app.url, relay.id, stand_in.stored_event(event_id))
        sent = stand_in.latest_event("bank/forwarded")
        assert relayed.completed and sent is not None, relayed.error
        received = stand_in.run(app.url, sink.id, sent)

    assert SECRET not in str(sent) and format_version(sent["data"]["note"]) == 2
    assert received.completed and plain(received.output) == {"secret": SECRET}


# Rollout: old values, and binding turned off ----------------------------------------


def test_unbound_values_written_before_binding_still_open(stand_in: StandIn) -> None:
    with serving(stand_in, bind_to_place=False) as (before, old):
        transfer = before.send("bank/transfer", {"encrypted": {"account": SECRET}}, old)
        run = before.run("ledger", transfer, max_calls=1)
    assert format_version(stand_in.stored_event(transfer)["data"]["encrypted"]) == 1
    assert format_version(run.steps[stored_step_id("check_limit")]["data"]) == 1

    with serving(stand_in) as (after, _):
        stand_in.resume(after.url, run)
    assert run.completed, run.error
    assert plain(run.output)["limit"]["account"] == SECRET
    assert format_version(run.steps[stored_step_id("approved_amount")]["data"]) == 2
    assert format_version(run.output) == 2


def test_without_binding_a_moved_memo_opens(stand_in: StandIn) -> None:
    """What binding prevents: unbound, the swapped memo reaches the code as authentic."""
    with serving(stand_in, bind_to_place=False) as (app, client):
        event = app.send("bank/transfer", {"encrypted": {"account": SECRET}}, client)
        run = app.run("ledger", event, max_calls=2)
        app.stand_in.move_memo(run, "check_limit", run, "approved_amount")
        app.stand_in.resume(app.url, run)

    assert run.completed
    assert plain(run.output)["amount"] == {"limit": 100, "account": SECRET}


def test_an_operator_opens_bound_values_anywhere(bank: tuple[Bank, inngest.Inngest]) -> None:
    app, client = bank
    run = app.run("ledger", app.send("bank/transfer", {"encrypted": {"account": SECRET}}, client))

    assert format_version(run.output) == 2
    assert plain(run.output)["limit"]["account"] == SECRET
