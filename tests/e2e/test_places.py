"""Values bound to their place, over real HTTP through the middleware.

Someone who can write to Inngest's storage moves stored values between places
(`StandIn.move_memo` and friends); every such move is refused, and every
movement Inngest itself makes (one event to many functions, waits, batches,
replays, re-runs from a step, forwarding) still works.
"""

from __future__ import annotations

import base64
import contextlib
import functools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import inngest
import pytest

from inngest_codecs import EncryptionMiddleware, Encryptor
from inngest_codecs.middleware import places
from inngest_codecs.testing import StandIn, serve_flask, stored_step_id
from inngest_codecs.testing.standin import INVOKED_EVENT

KEY = "places-key"
SECRET = "account-4242-secret"
APP = "bank"


@pytest.fixture
def stand_in() -> Iterator[StandIn]:
    with StandIn() as server:
        yield server


def build(client: inngest.Inngest) -> list[inngest.Function[Any]]:
    transfer = inngest.TriggerEvent(event="bank/transfer")

    @client.create_function(fn_id="ledger", trigger=transfer, retries=0)
    def ledger(ctx: inngest.ContextSync) -> dict[str, Any]:
        account = ctx.event.data["encrypted"]["account"]
        limit = ctx.step.run("check_limit", lambda: {"limit": 100, "account": account})
        amount = ctx.step.run("approved_amount", lambda: {"amount": 5})
        return {"limit": limit, "amount": amount}

    @client.create_function(fn_id="audit", trigger=transfer, retries=0)
    def audit(ctx: inngest.ContextSync) -> dict[str, Any]:
        limit = ctx.step.run("check_limit", lambda: {"limit": 1, "account": "audit"})
        return {"audited": ctx.event.data["encrypted"]["account"], "limit": limit}

    @client.create_function(
        fn_id="notify", trigger=inngest.TriggerEvent(event="bank/notice"), retries=0
    )
    def notify(ctx: inngest.ContextSync) -> dict[str, Any]:
        opened = ctx.event.data["encrypted"]
        ctx.step.send_event("forward", inngest.Event(name="bank/forwarded", data={"note": opened}))
        return {"notified": opened}

    @client.create_function(
        fn_id="receiver",
        trigger=inngest.TriggerEvent(event="bank/forwarded"),
        batch_events=inngest.Batch(max_size=10, timeout=1000),
        retries=0,
    )
    def receiver(ctx: inngest.ContextSync) -> list[Any]:
        return [event.data["note"] for event in ctx.events]

    @client.create_function(
        fn_id="waiter", trigger=inngest.TriggerEvent(event="bank/hold"), retries=0
    )
    def waiter(ctx: inngest.ContextSync) -> Any:
        found = ctx.step.wait_for_event("release", event="bank/transfer", timeout=60_000)
        checked = ctx.step.run("check", lambda: "checked")
        return {"found": found.data["encrypted"] if found else None, "checked": checked}

    @client.create_function(
        fn_id="fragile", trigger=inngest.TriggerEvent(event="bank/fragile"), retries=0
    )
    def fragile(ctx: inngest.ContextSync) -> list[str]:
        messages = []
        for name in ("first", "second"):
            try:
                ctx.step.run(name, _fail, f"{name} failed: {SECRET}")
            except inngest.StepError as error:
                messages.append(error.message)
        return messages

    @client.create_function(fn_id="child-a", trigger=inngest.TriggerEvent(event="bank/a"))
    def child_a(ctx: inngest.ContextSync) -> dict[str, Any]:
        return {"a": ctx.event.data["encrypted"]}

    @client.create_function(fn_id="child-b", trigger=inngest.TriggerEvent(event="bank/b"))
    def child_b(ctx: inngest.ContextSync) -> dict[str, Any]:
        return {"b": ctx.event.data["encrypted"]}

    @client.create_function(
        fn_id="parent", trigger=inngest.TriggerEvent(event="bank/parent"), retries=0
    )
    def parent(ctx: inngest.ContextSync) -> dict[str, Any]:
        a = ctx.step.invoke("call_a", function=child_a, data={"encrypted": SECRET})
        b = ctx.step.invoke("call_b", function=child_b, data={"encrypted": "for-b"})
        after = ctx.step.run("after", lambda: "plain step")
        return {"a": a, "b": b, "after": after}

    @client.create_function(
        fn_id="fanout", trigger=inngest.TriggerEvent(event="bank/fanout"), retries=0
    )
    def fanout(ctx: inngest.ContextSync) -> tuple[Any, ...]:
        return ctx.group.parallel(
            tuple(
                functools.partial(ctx.step.run, "part", functools.partial(_part, n))
                for n in range(3)
            )
        )

    def report(ctx: inngest.ContextSync) -> Any:
        return ctx.event.data["error"]["message"]

    @client.create_function(
        fn_id="doomed",
        trigger=inngest.TriggerEvent(event="bank/doomed"),
        on_failure=report,
        retries=0,
    )
    def doomed(ctx: inngest.ContextSync) -> None:
        raise inngest.NonRetriableError(f"doomed: {SECRET}")

    functions = [ledger, audit, notify, receiver, waiter, fragile, fanout, doomed]
    return [*functions, child_a, child_b, parent]


def _part(n: int) -> str:
    return f"part {n}: {SECRET}"


def _fail(message: str) -> None:
    raise ValueError(message)


class Bank:
    """The app served over HTTP, with the stand-in as its Inngest."""

    def __init__(self, stand_in: StandIn, url: str, functions: list[inngest.Function[Any]]):
        self.stand_in, self.url = stand_in, url
        self.functions = {fn.id.removeprefix(f"{APP}-"): fn for fn in functions}
        self.ids = {name: fn.id for name, fn in self.functions.items()}

    def send(self, name: str, data: dict[str, Any], client: inngest.Inngest) -> str:
        (event_id,) = client.send_sync(inngest.Event(name=name, data=data))
        return event_id

    def run(self, function: str, event_id: str, **options: Any) -> Any:
        event = self.stand_in.stored_event(event_id)
        return self.stand_in.run(self.url, self.ids[function], event, **options)


@contextlib.contextmanager
def serving(stand_in: StandIn, **settings: Any) -> Iterator[tuple[Bank, inngest.Inngest]]:
    """The bank app served with the middleware under ``settings`` (aes-gcm by default)."""
    settings.setdefault("codec", "aes-gcm")
    client = inngest.Inngest(
        app_id=APP,
        middleware=[EncryptionMiddleware.factory(KEY, **settings)],
        **stand_in.client_options(),
    )
    functions = build(client)
    with serve_flask(client, functions) as app:
        yield Bank(stand_in, app.url, functions), client


@pytest.fixture
def bank(stand_in: StandIn) -> Iterator[tuple[Bank, inngest.Inngest]]:
    with serving(stand_in) as served:
        yield served


def plain(value: Any) -> Any:
    """What the stand-in stored, opened by a reader that checks no place (an operator's)."""
    return Encryptor(KEY, codec="aes-gcm").decrypt(value)


def refused(run: Any, *identifiers: str) -> None:
    """The run failed because a value was opened in the wrong place, named by ``identifiers``."""
    assert run.status == "failed", run.output
    message = str(run.error)
    assert "MisplacedValueError" in message and "refused as moved" in message, message
    for identifier in identifiers:
        assert identifier in message, (identifier, message)
    assert SECRET not in message


# Moves that are refused ------------------------------------------------------------


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


# Movements that keep working -------------------------------------------------------


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

    assert SECRET not in str(sent) and _format_version(sent["data"]["note"]) == 2
    assert received.completed and plain(received.output) == {"secret": SECRET}


# Rollout: old values, and binding turned off ----------------------------------------


def _format_version(envelope: dict[str, Any]) -> int:
    return base64.b64decode(envelope["data"])[0]


def test_unbound_values_written_before_binding_still_open(stand_in: StandIn) -> None:
    with serving(stand_in, bind_to_place=False) as (before, old):
        transfer = before.send("bank/transfer", {"encrypted": {"account": SECRET}}, old)
        run = before.run("ledger", transfer, max_calls=1)
    assert _format_version(stand_in.stored_event(transfer)["data"]["encrypted"]) == 1
    assert _format_version(run.steps[stored_step_id("check_limit")]["data"]) == 1

    with serving(stand_in) as (after, _):
        stand_in.resume(after.url, run)
    assert run.completed, run.error
    assert plain(run.output)["limit"]["account"] == SECRET
    assert _format_version(run.steps[stored_step_id("approved_amount")]["data"]) == 2
    assert _format_version(run.output) == 2


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

    assert _format_version(run.output) == 2
    assert plain(run.output)["limit"]["account"] == SECRET
