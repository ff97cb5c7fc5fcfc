"""Per-field and per-step opt-out of compression in the middleware."""

from __future__ import annotations

import contextlib
import json

import inngest
from inngest.experimental import mocked

from inngest_codecs import EncryptionMiddleware, Encryptor
from inngest_codecs.for_inngest.events import open_fields
from inngest_codecs.for_inngest.sealed_errors import sealed_envelope
from inngest_codecs.testing import StandIn, serve_flask

KEY = "opt-out key"
BIG = {"rows": [{"name": "same name", "n": i % 3} for i in range(400)]}


def test_named_steps_and_fields_are_never_compressed() -> None:
    factory = EncryptionMiddleware.factory(
        KEY,
        compression="zstd",
        event_encryption_field=["encrypted", "secret"],
        uncompressed=["secret", "raw"],
    )
    client = mocked.Inngest(app_id="opt", is_production=False, middleware=[factory])
    stored: dict[str, object] = {}

    @client.create_function(fn_id="f", trigger=inngest.TriggerEvent(event="opt/run"))
    def fn(ctx: inngest.ContextSync) -> None:
        ctx.step.run("raw", lambda: BIG)
        ctx.step.run("packed", lambda: BIG)

    original = mocked.trigger.__globals__["step_lib"].StepMemos.from_raw

    def spy(raw: dict[str, object]) -> object:
        stored.update(raw)
        return original(raw)

    mocked.trigger.__globals__["step_lib"].StepMemos.from_raw = spy
    try:
        result = mocked.trigger(fn, inngest.Event(name="opt/run"), client)
    finally:
        mocked.trigger.__globals__["step_lib"].StepMemos.from_raw = original
    assert result.error is None
    strategies = sorted(value["__STRATEGY__"] for value in stored.values())  # type: ignore[index]
    assert strategies == ["inngest/libsodium", "inngest/libsodium+zstd"]

    events = [inngest.Event(name="opt/sent", data={"encrypted": BIG, "secret": BIG})]
    factory(client, None).before_send_events(events)
    assert events[0].data["encrypted"]["__STRATEGY__"] == "inngest/libsodium+zstd"
    assert events[0].data["secret"]["__STRATEGY__"] == "inngest/libsodium"
    assert open_fields(Encryptor(KEY), events[0].data) == {"encrypted": BIG, "secret": BIG}


def test_function_outputs_and_sealed_errors_follow_the_same_opt_out() -> None:
    factory = EncryptionMiddleware.factory(
        KEY, compression="zstd", encrypt_errors=True, uncompressed=["raw-fn", "raw-fn-fails"]
    )
    client = mocked.Inngest(app_id="opt", is_production=False, middleware=[factory])
    strategies: dict[str, str] = {}

    for fn_id in ("raw-fn", "packed-fn"):

        @client.create_function(fn_id=fn_id, trigger=inngest.TriggerEvent(event="opt/run"))
        def returns(ctx: inngest.ContextSync) -> object:
            return BIG

        @client.create_function(
            fn_id=f"{fn_id}-fails", trigger=inngest.TriggerEvent(event="opt/run"), retries=0
        )
        def fails(ctx: inngest.ContextSync) -> None:
            raise inngest.NonRetriableError(f"rejected {BIG}")

        output = mocked.trigger(returns, inngest.Event(name="opt/run"), client).output
        strategies[fn_id] = output["__STRATEGY__"]
        error = mocked.trigger(fails, inngest.Event(name="opt/run"), client).error
        strategies[f"{fn_id}-fails"] = sealed_envelope(str(error))["__STRATEGY__"]

    assert strategies == {
        "raw-fn": "inngest/libsodium",
        "raw-fn-fails": "inngest/libsodium",
        "packed-fn": "inngest/libsodium+zstd",
        "packed-fn-fails": "inngest/libsodium+zstd",
    }


def test_sealed_step_errors_follow_the_steps_opt_out() -> None:
    with StandIn() as server:
        factory = EncryptionMiddleware.factory(
            KEY, compression="zstd", encrypt_errors=True, uncompressed=["raw"]
        )
        client = inngest.Inngest(app_id="opt", middleware=[factory], **server.client_options())

        def boom() -> None:
            raise ValueError(f"rejected {BIG}")

        @client.create_function(fn_id="f", trigger=inngest.TriggerEvent(event="opt/run"), retries=0)
        def fn(ctx: inngest.ContextSync) -> str:
            for step_id in ("raw", "packed"):
                with contextlib.suppress(inngest.StepError):
                    ctx.step.run(step_id, boom)
            return "done"

        with serve_flask(client, [fn]) as app:
            run = server.run(app.url, fn.id, {"name": "opt/run", "data": {}})

    assert run.completed, run.error
    strategies = {}
    for exchange in server.recorder:
        body = json.loads(exchange.body) if exchange.kind == "response" else None
        for op in body if isinstance(body, list) else []:
            if op.get("error"):
                envelope = sealed_envelope(op["error"]["message"])
                strategies[op["displayName"]] = envelope["__STRATEGY__"]
    assert strategies == {"raw": "inngest/libsodium", "packed": "inngest/libsodium+zstd"}
