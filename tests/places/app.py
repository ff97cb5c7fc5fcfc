"""The app of the place tests: a bank whose functions cover every place a value can sit.

Served over real HTTP with the middleware, against the stand-in as its Inngest.
"""

from __future__ import annotations

import base64
import contextlib
import functools
from collections.abc import Iterator
from typing import Any

import inngest

from inngest_codecs import EncryptionMiddleware, Encryptor
from inngest_codecs.testing import StandIn, serve_flask

KEY = "places-key"
SECRET = "account-4242-secret"
APP = "bank"


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


def format_version(envelope: dict[str, Any]) -> int:
    """The format version byte of an aes-gcm envelope's data (2: bound to a place)."""
    return base64.b64decode(envelope["data"])[0]
