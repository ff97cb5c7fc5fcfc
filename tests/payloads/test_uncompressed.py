"""Per-field and per-step opt-out of compression in the middleware."""

from __future__ import annotations

import inngest
from inngest.experimental import mocked

from inngest_codecs import EncryptionMiddleware, Encryptor
from inngest_codecs.for_inngest.events import open_fields

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
