"""Every behaviour of the middleware, run through ``inngest.experimental.mocked``."""

from __future__ import annotations

import asyncio
from typing import Any

import inngest
import pydantic
import pytest
from inngest.experimental import mocked

from inngest_codecs import EncryptionMiddleware, Encryptor, KeyConfigError
from inngest_codecs.envelope import is_envelope
from inngest_codecs.for_inngest import events

from ..conftest import needs_example_plugin
from .conftest import KEY, MakeClient, event


def run(
    client: mocked.Inngest, fn: inngest.Function[Any], *events: inngest.Event, **kw: Any
) -> Any:
    result = mocked.trigger(fn, list(events), client, **kw)
    assert result.error is None, result.error
    assert result.status is mocked.Status.COMPLETED
    return result.output


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
def test_steps_and_output_are_encrypted_and_seen_plain(
    make_client: MakeClient, encryptor: Encryptor, is_async: bool
) -> None:
    client = make_client()
    seen: list[object] = []

    if is_async:

        @client.create_function(fn_id="f", trigger=inngest.TriggerEvent(event="app/test"))
        async def fn(ctx: inngest.Context) -> object:
            seen.append(ctx.event.data)

            async def first() -> dict[str, str]:
                return {"ssn": "123-45-6789"}

            a = await ctx.step.run("first", first)
            seen.append(a)
            return {"done": a["ssn"]}

    else:

        @client.create_function(fn_id="f", trigger=inngest.TriggerEvent(event="app/test"))
        def fn(ctx: inngest.ContextSync) -> object:
            seen.append(ctx.event.data)
            a = ctx.step.run("first", lambda: {"ssn": "123-45-6789"})
            seen.append(a)
            return {"done": a["ssn"]}

    sealed = events.seal_fields(encryptor, {"encrypted": {"name": "Ada"}, "plain": 1})
    output = run(client, fn, event(sealed))
    assert is_envelope(output)
    assert encryptor.decrypt(output) == {"done": "123-45-6789"}
    assert {"encrypted": {"name": "Ada"}, "plain": 1} in seen
    assert {"ssn": "123-45-6789"} in seen


def test_memoized_step_data_is_stored_encrypted(
    make_client: MakeClient, encryptor: Encryptor
) -> None:
    client = make_client()
    stored: list[object] = []

    @client.create_function(fn_id="f", trigger=inngest.TriggerEvent(event="app/test"))
    def fn(ctx: inngest.ContextSync) -> object:
        a = ctx.step.run("a", lambda: "alpha")
        b = ctx.step.run("b", lambda: ["beta", a])
        return b

    original = mocked.trigger.__globals__["step_lib"].StepMemos.from_raw

    def spy(raw: dict[str, object]) -> Any:
        stored.extend(raw.values())
        return original(raw)

    mocked.trigger.__globals__["step_lib"].StepMemos.from_raw = spy
    try:
        output = run(client, fn, event({}))
    finally:
        mocked.trigger.__globals__["step_lib"].StepMemos.from_raw = original
    assert encryptor.decrypt(output) == ["beta", "alpha"]
    assert stored and all(is_envelope(value) for value in stored)


def test_parallel_steps_are_decrypted(make_client: MakeClient, encryptor: Encryptor) -> None:
    client = make_client()

    @client.create_function(fn_id="f", trigger=inngest.TriggerEvent(event="app/test"))
    def fn(ctx: inngest.ContextSync) -> object:
        results = ctx.group.parallel(
            (
                lambda: ctx.step.run("x", lambda: {"x": 1}),
                lambda: ctx.step.run("y", lambda: {"y": 2}),
            )
        )
        return list(results)

    assert encryptor.decrypt(run(client, fn, event({}))) == [{"x": 1}, {"y": 2}]


def test_batches_and_any_field_and_whole_data_are_decrypted(
    make_client: MakeClient, encryptor: Encryptor
) -> None:
    client = make_client()
    seen: list[object] = []

    @client.create_function(
        fn_id="f",
        trigger=inngest.TriggerEvent(event="app/test"),
        batch_events=inngest.Batch(max_size=10, timeout=1000),
    )
    def fn(ctx: inngest.ContextSync) -> None:
        seen.extend(e.data for e in ctx.events)

    run(
        client,
        fn,
        event({"encrypted": encryptor.encrypt("one")}),
        event({"custom_field": encryptor.encrypt({"two": 2}), "plain": True}),
        event({**encryptor.encrypt({"three": 3}), "_inngest": {"x": 1}}),
    )
    assert seen == [
        {"encrypted": "one"},
        {"custom_field": {"two": 2}, "plain": True},
        {"three": 3, "_inngest": {"x": 1}},
    ]


def test_function_output_none_stays_plain(make_client: MakeClient) -> None:
    client = make_client()

    @client.create_function(fn_id="f", trigger=inngest.TriggerEvent(event="app/test"))
    def fn(ctx: inngest.ContextSync) -> None:
        return None

    assert run(client, fn, event({})) is None


def test_wait_for_event_result_is_decrypted(make_client: MakeClient, encryptor: Encryptor) -> None:
    client = make_client()
    seen: list[object] = []

    @client.create_function(fn_id="f", trigger=inngest.TriggerEvent(event="app/test"))
    def fn(ctx: inngest.ContextSync) -> None:
        waited = ctx.step.wait_for_event("approval", event="app/approved", timeout=60_000)
        assert waited is not None
        seen.append(waited.data)

    approval = {
        "name": "app/approved",
        "id": "e1",
        "ts": 1,
        "data": {"encrypted": encryptor.encrypt({"by": "Grace"}), "ok": True},
    }
    run(client, fn, event({}), step_stubs={"approval": approval})
    assert seen == [{"encrypted": {"by": "Grace"}, "ok": True}]


def test_invoke_output_is_decrypted(make_client: MakeClient, encryptor: Encryptor) -> None:
    client = make_client()
    child = client.create_function(fn_id="child", trigger=inngest.TriggerEvent(event="app/child"))(
        lambda ctx: None
    )
    seen: list[object] = []

    @client.create_function(fn_id="parent", trigger=inngest.TriggerEvent(event="app/test"))
    def parent(ctx: inngest.ContextSync) -> None:
        seen.append(ctx.step.invoke("call-child", function=child, data={"encrypted": "x"}))

    run(client, parent, event({}), step_stubs={"call-child": encryptor.encrypt({"child": "out"})})
    assert seen == [{"child": "out"}]


def test_decrypt_only_encrypts_nothing(make_client: MakeClient, encryptor: Encryptor) -> None:
    client = make_client(decrypt_only=True)
    seen: list[object] = []

    @client.create_function(fn_id="f", trigger=inngest.TriggerEvent(event="app/test"))
    def fn(ctx: inngest.ContextSync) -> object:
        seen.append(ctx.event.data)
        return ctx.step.run("s", lambda: {"plain": "output"})

    output = run(client, fn, event({"encrypted": encryptor.encrypt("secret")}))
    assert output == {"plain": "output"}
    assert seen and all(data == {"encrypted": "secret"} for data in seen)


def test_rotation_fallback_keys_open_old_data(make_client: MakeClient) -> None:
    client = make_client(secret_key="new key", fallback_decryption_keys=["old key"])
    seen: list[object] = []

    @client.create_function(fn_id="f", trigger=inngest.TriggerEvent(event="app/test"))
    def fn(ctx: inngest.ContextSync) -> object:
        seen.append(ctx.event.data)
        return "new output"

    old = events.seal_fields(Encryptor("old key"), {"encrypted": "old data"})
    output = run(client, fn, event(old))
    assert seen == [{"encrypted": "old data"}]
    assert Encryptor("new key").decrypt(output) == "new output"
    with pytest.raises(Exception, match="no configured key"):
        Encryptor("old key").decrypt(output)


@needs_example_plugin
def test_codec_migration_opens_data_of_any_installed_codec(make_client: MakeClient) -> None:
    client = make_client(codec="aes-gcm")
    seen: list[object] = []

    @client.create_function(fn_id="f", trigger=inngest.TriggerEvent(event="app/test"))
    def fn(ctx: inngest.ContextSync) -> object:
        seen.append(ctx.event.data)
        return "out"

    data = {
        "a": Encryptor(KEY, codec="secretbox").encrypt(1),
        "b": Encryptor(KEY, codec="chacha20-poly1305").encrypt(2),
    }
    output = run(client, fn, event(data))
    assert seen == [{"a": 1, "b": 2}]
    assert output["__STRATEGY__"] == "inngest-codecs/aes-256-gcm"


def test_before_send_events_encrypts_the_field(
    make_client: MakeClient, encryptor: Encryptor
) -> None:
    middleware = EncryptionMiddleware.factory(KEY, event_encryption_field="pii")(
        make_client(), None
    )
    already = encryptor.encrypt("sealed before")
    look_alike = {"__ENCRYPTED__": True, "data": "c2VjcmV0", "ssn": "123-45-6789"}
    foreign = Encryptor("another key").encrypt("not ours")
    events = [
        event({"pii": {"email": "a@b.c"}, "user": "u1"}),
        event({"pii": already}),
        event({"pii": look_alike}),
        event({"pii": foreign}),
    ]
    middleware.before_send_events(events)
    assert events[0].data["user"] == "u1"
    assert encryptor.decrypt(events[0].data["pii"]) == {"email": "a@b.c"}
    # Left alone only when it is exactly an envelope these keys open.
    assert events[1].data["pii"] == already
    assert encryptor.decrypt(events[2].data["pii"]) == look_alike
    assert encryptor.decrypt(events[3].data["pii"]) == foreign


def test_step_send_event_goes_through_before_send_events(make_client: MakeClient) -> None:
    sent: list[inngest.Event] = []

    class Recording(mocked.Inngest):
        def send_sync(self, events: Any, *, skip_middleware: bool = False) -> list[str]:
            events = events if isinstance(events, list) else [events]
            manager = mocked.trigger.__globals__["middleware_lib"].MiddlewareManager.from_client(
                self, None, None
            )
            manager.before_send_events_sync(events)
            sent.extend(events)
            return ["id"] * len(events)

    client = Recording(
        app_id="rec", is_production=False, middleware=[EncryptionMiddleware.factory(KEY)]
    )

    @client.create_function(fn_id="f", trigger=inngest.TriggerEvent(event="app/test"))
    def fn(ctx: inngest.ContextSync) -> None:
        ctx.step.send_event("emit", [event({"encrypted": "child secret"}, name="app/next")])

    run(client, fn, event({}))
    assert sent and is_envelope(sent[0].data["encrypted"])


def test_invoke_payload_field_is_encrypted(make_client: MakeClient, encryptor: Encryptor) -> None:
    middleware = EncryptionMiddleware.factory(KEY)(make_client(), None)
    opts: dict[str, object] = {
        "function_id": "app-child",
        "payload": {"data": {"encrypted": {"card": "4111"}, "routing": "r1"}},
    }
    result = inngest.TransformOutputResult(
        error=None,
        output=inngest._internal.types.empty_sentinel,  # type: ignore[attr-defined]
        step=inngest._internal.middleware_lib.TransformOutputStepInfo(  # type: ignore[attr-defined]
            id="call-child", op=inngest._internal.server_lib.Opcode.INVOKE, opts=opts
        ),
    )
    middleware.transform_output(result)
    data = opts["payload"]["data"]  # type: ignore[index]
    assert data["routing"] == "r1"
    assert encryptor.decrypt(data["encrypted"]) == {"card": "4111"}


def test_pydantic_output_type_round_trips(make_client: MakeClient, encryptor: Encryptor) -> None:
    class Order(pydantic.BaseModel):
        id: str
        total: float

    client = mocked.Inngest(
        app_id="pyd",
        is_production=False,
        serializer=inngest.PydanticSerializer(),
        middleware=[EncryptionMiddleware.factory(KEY)],
    )
    seen: list[object] = []

    @client.create_function(
        fn_id="f", trigger=inngest.TriggerEvent(event="app/test"), output_type=Order
    )
    def fn(ctx: inngest.ContextSync) -> Order:
        order = ctx.step.run("load", lambda: Order(id="o1", total=9.5), output_type=Order)
        seen.append(order)
        return order

    output = run(client, fn, event({}))
    assert seen == [Order(id="o1", total=9.5)]
    assert encryptor.decrypt(output) == {"id": "o1", "total": 9.5}


def test_function_level_middleware(encryptor: Encryptor) -> None:
    client = mocked.Inngest(app_id="fl", is_production=False)

    @client.create_function(
        fn_id="f",
        trigger=inngest.TriggerEvent(event="app/test"),
        middleware=[EncryptionMiddleware.factory(KEY)],
    )
    def fn(ctx: inngest.ContextSync) -> object:
        return {"seen": ctx.event.data["encrypted"]}

    output = run(client, fn, event({"encrypted": encryptor.encrypt("fn-level")}))
    assert encryptor.decrypt(output) == {"seen": "fn-level"}


def test_configuration_errors_surface_at_start_up(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("INNGEST_ENCRYPTION_KEY", raising=False)
    with pytest.raises(KeyConfigError):
        EncryptionMiddleware.factory("")
    with pytest.raises(KeyConfigError, match="INNGEST_ENCRYPTION_KEY"):
        EncryptionMiddleware.from_env()
    with pytest.raises(KeyConfigError):
        EncryptionMiddleware.factory()
    with pytest.raises(KeyConfigError):
        EncryptionMiddleware.from_config({"codec": "aes-gcm"})


def test_from_env_and_from_config(monkeypatch: pytest.MonkeyPatch, encryptor: Encryptor) -> None:
    monkeypatch.setenv("INNGEST_ENCRYPTION_KEY", "env key")
    monkeypatch.setenv("INNGEST_ENCRYPTION_FALLBACK_KEYS", f"x,{KEY}")
    monkeypatch.setenv("INNGEST_ENCRYPTION_CODEC", "aes-gcm")
    monkeypatch.setenv("INNGEST_ENCRYPTION_EVENT_FIELD", "pii")
    for factory in (
        EncryptionMiddleware.from_env(),
        EncryptionMiddleware.from_config(
            {
                "key": "env key",
                "fallback_keys": ["x", KEY],
                "codec": "aes-gcm",
                "event_encryption_field": "pii",
            }
        ),
    ):
        client = mocked.Inngest(app_id="env", is_production=False, middleware=[factory])
        middleware = factory(client, None)
        events = [event({"pii": "p"})]
        middleware.before_send_events(events)
        assert events[0].data["pii"]["__STRATEGY__"] == "inngest-codecs/aes-256-gcm"
        assert Encryptor("env key", codec="aes-gcm").decrypt(events[0].data["pii"]) == "p"

        @client.create_function(fn_id="f", trigger=inngest.TriggerEvent(event="app/test"))
        def fn(ctx: inngest.ContextSync) -> object:
            return ctx.event.data["old"]

        output = run(client, fn, event({"old": encryptor.encrypt("fallback opened")}))
        assert Encryptor("env key", codec="aes-gcm").decrypt(output) == "fallback opened"


def test_async_client_send_encrypts(encryptor: Encryptor) -> None:
    middleware = EncryptionMiddleware.factory(KEY)(
        mocked.Inngest(app_id="a", is_production=False), None
    )
    events = [event({"encrypted": [1, 2, 3]})]

    async def send() -> None:
        manager = mocked.trigger.__globals__["middleware_lib"].MiddlewareManager(
            middleware.client, None, mocked.trigger.__globals__["net"].ServerTimings()
        )
        manager._middleware = [middleware]
        assert await manager.before_send_events(events) is None

    asyncio.run(send())
    assert encryptor.decrypt(events[0].data["encrypted"]) == [1, 2, 3]
