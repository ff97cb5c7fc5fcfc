"""Flows written once and run as sync or async Inngest functions, over real HTTP.

A flow is a generator: it yields step calls and receives their results (or has
their exceptions thrown into it), so one body serves both kinds of function::

    def flow(ctx):
        card = yield step("run", "charge", lambda: ctx.event.data["encrypted"]["card"])
        return {"charged": card}
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Generator
from contextlib import AbstractContextManager
from typing import Any

import inngest
from inngest.experimental import realtime

from inngest_codecs import EncryptionMiddleware
from inngest_codecs.middleware import realtime as encrypted_realtime
from inngest_codecs.testing import (
    Run,
    ServedApp,
    StandIn,
    assert_no_plaintext,
    serve_django,
    serve_fastapi,
    serve_flask,
)

KEY = "leak-matrix-key"
Flow = Generator["Call", Any, Any]
SERVERS: dict[str, Callable[..., AbstractContextManager[ServedApp]]] = {
    "flask": serve_flask,
    "fastapi": serve_fastapi,
    "django": serve_django,
}


class Call:
    """One step method call (``"run"``, ``"invoke"``, ``"ai.infer"``, ...)."""

    def __init__(self, method: str, *args: Any, **kwargs: Any) -> None:
        self.method, self.args, self.kwargs = method, args, kwargs

    def _target(self, ctx: Any) -> Any:
        target = ctx.step
        for part in self.method.split("."):
            target = getattr(target, part)
        return target

    def _arguments(self, ctx: Any, is_async: bool) -> tuple[Any, ...]:
        return tuple(a.handler(ctx, is_async) if isinstance(a, Action) else a for a in self.args)

    def sync(self, ctx: Any) -> Any:
        return self._target(ctx)(*self._arguments(ctx, False), **self.kwargs)

    async def run_async(self, ctx: Any) -> Any:
        return await self._target(ctx)(*self._arguments(ctx, True), **self.kwargs)


class Parallel(Call):
    def __init__(self, *calls: Call) -> None:
        super().__init__("parallel")
        self.calls = calls

    def sync(self, ctx: Any) -> Any:
        return ctx.group.parallel(tuple(lambda c=c: c.sync(ctx) for c in self.calls))

    async def run_async(self, ctx: Any) -> Any:
        return await ctx.group.parallel(tuple(lambda c=c: c.run_async(ctx) for c in self.calls))


class Action(Call):
    """Code outside the step API that differs between sync and async (``client.send``)."""

    def __init__(self, sync: Callable[[], Any], run_async: Callable[[], Any]) -> None:
        super().__init__("action")
        self._sync, self._async = sync, run_async

    def sync(self, ctx: Any) -> Any:
        return self._sync()

    async def run_async(self, ctx: Any) -> Any:
        return await self._async()

    def handler(self, ctx: Any, is_async: bool) -> Callable[[], Any]:
        """As a ``step.run`` handler."""
        return (lambda: self.run_async(ctx)) if is_async else (lambda: self.sync(ctx))


def step(method: str, *args: Any, **kwargs: Any) -> Call:
    return Call(method, *args, **kwargs)


def send(client: inngest.Inngest, events: Any) -> Action:
    """``client.send_sync(events)`` or ``await client.send(events)``."""
    return Action(lambda: client.send_sync(events), lambda: client.send(events))


def publish(client: inngest.Inngest, data: dict[str, Any], *, encrypted: bool) -> Action:
    """A realtime message, through the SDK's ``publish`` or this package's encrypted one."""
    module: Any = encrypted_realtime if encrypted else realtime
    return Action(
        lambda: module.publish_sync(client, "orders", "progress", data),
        lambda: module.publish(client, "orders", "progress", data),
    )


def drive_sync(flow: Flow, ctx: Any) -> Any:
    value: Any = None
    error: Exception | None = None
    while True:
        try:
            call = flow.throw(error) if error is not None else flow.send(value)
        except StopIteration as stop:
            return stop.value
        try:
            value, error = call.sync(ctx), None
        except Exception as exc:  # thrown into the flow, as the step would raise it there
            value, error = None, exc


async def drive_async(flow: Flow, ctx: Any) -> Any:
    value: Any = None
    error: Exception | None = None
    while True:
        try:
            call = flow.throw(error) if error is not None else flow.send(value)
        except StopIteration as stop:
            return stop.value
        try:
            value, error = await call.run_async(ctx), None
        except Exception as exc:
            value, error = None, exc


class Harness:
    """A stand-in server, one framework, sync or async functions, and the case's secrets."""

    def __init__(self, server: StandIn, framework: str, is_async: bool) -> None:
        self.server = server
        self.framework = framework
        self.serve = SERVERS[framework]
        self.is_async = is_async
        self.secrets: list[str] = []
        self.seen: list[Any] = []
        self._triggers: dict[int, str] = {}

    def secret(self, label: str) -> str:
        """A sentinel that must never reach the server in plaintext."""
        value = f"SENTINEL-{label}-{uuid.uuid4().hex[:12]}"
        self.secrets.append(value)
        return value

    def keyed_secret(self, label: str, value: Any) -> str:
        """A field name under which ``value`` (any JSON value) must never reach the server
        in plaintext: ``true`` or ``"Q"`` alone could be anything, beside this name they
        are the secret."""
        name = f"SENTINEL-{label}-{uuid.uuid4().hex[:12]}"
        for text in {json.dumps(value), json.dumps(value, separators=(",", ":"))}:
            self.secrets += [f'"{name}":{text}', f'"{name}": {text}']
        return name

    def number_secret(self) -> int:
        """A number that must never reach the server in plaintext (its digits are unique)."""
        value = 10**14 + uuid.uuid4().int % 10**14
        self.secrets.append(str(value))
        return value

    def client(self, *, app_id: str = "leaks", encrypt: bool = True, **options: Any) -> Any:
        middleware = [EncryptionMiddleware.factory(KEY, **options)] if encrypt else []
        return inngest.Inngest(app_id=app_id, middleware=middleware, **self.server.client_options())

    def function(
        self,
        client: inngest.Inngest,
        fn_id: str,
        flow: Callable[[Any], Flow],
        *,
        event: str | None = None,
        on_failure: Callable[[Any], Flow] | None = None,
        **options: Any,
    ) -> inngest.Function[Any]:
        trigger = inngest.TriggerEvent(event=event or f"leaks/{fn_id}")
        if on_failure is not None:
            options["on_failure"] = self._handler(on_failure)
        function = client.create_function(fn_id=fn_id, trigger=trigger, **options)(
            self._handler(flow)
        )
        self._triggers[id(function)] = trigger.event
        return function

    def _handler(self, flow: Callable[[Any], Flow]) -> Any:
        if self.is_async:

            async def handler(ctx: inngest.Context) -> Any:
                return await drive_async(flow(ctx), ctx)

            return handler

        def sync_handler(ctx: inngest.ContextSync) -> Any:
            return drive_sync(flow(ctx), ctx)

        return sync_handler

    def trigger(
        self,
        client: inngest.Inngest,
        functions: list[inngest.Function[Any]],
        data: dict[str, Any] | list[dict[str, Any]],
        *,
        sender: inngest.Inngest | None = None,
    ) -> Run:
        """Send the triggering event(s) through a client, then run the first function."""
        name = self._triggers[id(functions[0])]
        batch = data if isinstance(data, list) else [data]
        with self.serve(client, functions) as app:
            (sender or client).send_sync([inngest.Event(name=name, data=d) for d in batch])
            stored = [e for e in self.server.events if e["name"] == name][-len(batch) :]
            return self.server.run(app.url, functions[0].id, stored)

    def opcodes(self) -> set[str]:
        """Every opcode the app sent back to the server."""
        found = set()
        for exchange in self.server.recorder:
            if exchange.kind != "response":
                continue
            try:
                body = json.loads(exchange.body)
            except ValueError:
                continue
            if isinstance(body, list):
                found.update(op["op"] for op in body if isinstance(op, dict) and "op" in op)
        return found

    def assert_no_leaks(self) -> None:
        assert self.secrets, "a case must plant at least one secret"
        assert_no_plaintext(self.server.recorder, *self.secrets)
