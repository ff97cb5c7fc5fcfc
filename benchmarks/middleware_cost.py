"""Per-run cost of the middleware on a 10-step function with 1 KB step outputs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import inngest
from inngest.experimental import mocked
from inngest_encryption import EncryptionMiddleware as Official

from inngest_codecs import EncryptionMiddleware, Encryptor
from inngest_codecs.testing import StandIn, serve_flask

from .cases import KEY

STEP_OUTPUT = {"blob": "x" * 990}
REFERENCES = ("no-op middleware", "Encryptor only")
"""Columns that are not candidates: what any middleware costs, and what the codec alone costs."""


class _NoOp(inngest.MiddlewareSync):
    """A middleware that does nothing: what the SDK costs for having one."""


_ENCRYPTOR = Encryptor(KEY, cache_size=512)


class EncryptorOnly(inngest.MiddlewareSync):
    """Opens memoized outputs and seals outputs with a secretbox `Encryptor` (its plaintext
    cache as the middleware's), and nothing else: no places, guards, forwarding rules,
    event fields, size checks, tenants or telemetry. The codec's share of a run."""

    def transform_input(self, ctx: Any, function: Any, steps: Any) -> None:
        for memo in steps._memos.values():
            memo.data = _ENCRYPTOR.decrypt(memo.data)

    def transform_output(self, result: inngest.TransformOutputResult) -> None:
        if result.has_output() and result.output is not None:
            result.output = _ENCRYPTOR.encrypt(result.output)


def _middlewares() -> dict[str, list[Any]]:
    return {
        "no middleware": [],
        REFERENCES[0]: [_NoOp],
        REFERENCES[1]: [EncryptorOnly],
        "inngest_encryption": [Official.factory(KEY)],
        "secretbox": [EncryptionMiddleware.factory(KEY)],
        "aes-gcm": [EncryptionMiddleware.factory(KEY, codec="aes-gcm")],
    }


def _ten_steps(client: inngest.Inngest) -> inngest.Function[Any]:
    @client.create_function(fn_id="ten-steps", trigger=inngest.TriggerEvent(event="bench/run"))
    def ten_steps(ctx: inngest.ContextSync) -> str:
        for index in range(10):
            ctx.step.run(f"step-{index}", lambda: STEP_OUTPUT)
        return "done"

    return ten_steps


def mocked_run(middleware: list[Any]) -> Callable[[], None]:
    """One whole 10-step run on the SDK's mocked runner, with ``middleware`` on the client."""
    client = mocked.Inngest(app_id="bench", is_production=False, middleware=middleware)
    function = _ten_steps(client)
    event = inngest.Event(name="bench/run", data={"encrypted": {"user": "u"}})

    def run() -> None:
        result = mocked.trigger(function, event, client)
        assert result.error is None

    return run


def mocked_runs() -> dict[str, Callable[[], Any]]:
    return {name: mocked_run(middleware) for name, middleware in _middlewares().items()}


def http_runs(server: StandIn, stack: Any) -> dict[str, Callable[[], Any]]:
    """Whole runs over HTTP against the stand-in; ``stack`` keeps the apps served."""
    runs = {}
    for name, middleware in _middlewares().items():
        client = inngest.Inngest(app_id="bench", middleware=middleware, **server.client_options())
        function = _ten_steps(client)
        app = stack.enter_context(serve_flask(client, [function]))
        event = {"name": "bench/run", "data": {"user": "u"}}

        def run(app: Any = app, function: Any = function, event: Any = event) -> None:
            assert server.run(app.url, function.id, event).completed

        runs[name] = run
    return runs
