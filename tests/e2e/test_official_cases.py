"""Counterparts of inngest_encryption's own scenarios.

They mirror inngest-py's tests/test_inngest_encryption/cases one by one.

Each test names the case it mirrors. They run over real HTTP against the stand-in
server, as sync functions under Flask and async functions under FastAPI.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import inngest
import pytest
from inngest_encryption.main import EncryptionMiddleware as Official

from inngest_codecs import EncryptionMiddleware
from inngest_codecs.envelope import is_envelope
from inngest_codecs.testing import Run, StandIn, serve_fastapi, serve_flask

pytestmark = pytest.mark.slow

KEY = "my-secret-key"
VARIANTS = [("flask", False), ("fastapi", True)]


def official_decrypt(value: Any, key: str = KEY) -> Any:
    client = inngest.Inngest(app_id="reader", is_production=False)
    return Official(client, None, key)._decrypt(value)


class Harness:
    """One stand-in server plus a way to build, serve and run functions."""

    def __init__(self, server: StandIn, framework: str, is_async: bool) -> None:
        self.server = server
        self.serve = serve_fastapi if framework == "fastapi" else serve_flask
        self.is_async = is_async

    def client(self, app_id: str = "app", **factory: Any) -> inngest.Inngest:
        encrypt = factory.pop("encrypt", True)
        key = factory.pop("key", KEY)
        middleware = [EncryptionMiddleware.factory(key, **factory)] if encrypt else []
        return inngest.Inngest(app_id=app_id, middleware=middleware, **self.server.client_options())

    def function(
        self, client: inngest.Inngest, fn_id: str, event: str, body: Callable[..., Any], **opts: Any
    ) -> inngest.Function[Any]:
        """``body(ctx, step)`` as a sync or async function; ``step(method, *args)`` calls a step."""
        trigger = inngest.TriggerEvent(event=event)
        if self.is_async:

            async def handler(ctx: inngest.Context) -> Any:
                async def step(method: str, *args: Any, **kwargs: Any) -> Any:
                    return await getattr(ctx.step, method)(*args, **kwargs)

                return await body(ctx, step)

            return client.create_function(fn_id=fn_id, trigger=trigger, **opts)(handler)

        def sync_handler(ctx: inngest.ContextSync) -> Any:
            def step(method: str, *args: Any, **kwargs: Any) -> Any:
                return getattr(ctx.step, method)(*args, **kwargs)

            result = body(ctx, step)
            assert not hasattr(result, "__await__")
            return result

        return client.create_function(fn_id=fn_id, trigger=trigger, **opts)(sync_handler)

    def run(
        self, client: inngest.Inngest, functions: list[inngest.Function[Any]], event: inngest.Event
    ) -> Run:
        with self.serve(client, functions) as app:
            client.send_sync(event)
            stored = self.server.latest_event(event.name)
            assert stored is not None
            run = self.server.run(app.url, functions[0].id, stored)
        assert run.completed, run.error
        return run


def maybe_async(is_async: bool, value: Any) -> Any:
    if not is_async:
        return value

    async def wrapped() -> Any:
        return value

    return wrapped()


@pytest.fixture(params=VARIANTS, ids=["flask-sync", "fastapi-async"])
def harness(request: pytest.FixtureRequest) -> Iterator[Harness]:
    framework, is_async = request.param
    with StandIn() as server:
        yield Harness(server, framework, is_async)


def test_decrypt_event(harness: Harness) -> None:
    """decrypt_event: an encrypted event reaches ctx.event and ctx.events decrypted."""
    seen: list[Any] = []
    client = harness.client()

    def body(ctx: Any, step: Any) -> Any:
        seen.append((ctx.event.data, [e.data for e in ctx.events]))
        return maybe_async(harness.is_async, None)

    fn = harness.function(client, "fn", "app/decrypt-event", body)
    harness.run(client, [fn], inngest.Event(name="app/decrypt-event", data={"encrypted": {"a": 1}}))
    assert seen[0] == ({"encrypted": {"a": 1}}, [{"encrypted": {"a": 1}}])
    stored = harness.server.latest_event("app/decrypt-event")
    assert stored is not None and official_decrypt(stored["data"]["encrypted"]) == {"a": 1}


def test_decrypt_only(harness: Harness) -> None:
    """decrypt_only: data is decrypted, and step and function output stay plain."""
    producer = harness.client()
    consumer = harness.client(decrypt_only=True)
    seen: list[Any] = []

    def body(ctx: Any, step: Any) -> Any:
        seen.append(ctx.event.data)
        if harness.is_async:

            async def go() -> Any:
                return await step("run", "a", lambda: maybe_async(True, "step output"))

            return go()
        return step("run", "a", lambda: "step output")

    fn = harness.function(consumer, "fn", "app/decrypt-only", body)
    with harness.serve(consumer, [fn]) as app:
        producer.send_sync(inngest.Event(name="app/decrypt-only", data={"encrypted": {"b": 2}}))
        run = harness.server.run(app.url, fn.id, harness.server.latest_event("app/decrypt-only"))
    assert run.completed, run.error
    assert seen[0] == {"encrypted": {"b": 2}}
    assert run.output == "step output"
    assert [v for v in run.steps.values()] == [{"data": "step output"}]


def test_decrypt_unexpected_encryption_field(harness: Harness) -> None:
    """decrypt_unexpected_encryption_field: a producer's other field name still decrypts."""
    producer = harness.client(event_encryption_field="foo")
    consumer = harness.client()
    seen: list[Any] = []

    def body(ctx: Any, step: Any) -> Any:
        seen.append(ctx.event.data)
        return maybe_async(harness.is_async, None)

    fn = harness.function(consumer, "fn", "app/unexpected", body)
    with harness.serve(consumer, [fn]) as app:
        producer.send_sync(inngest.Event(name="app/unexpected", data={"foo": {"c": 3}, "plain": 1}))
        run = harness.server.run(app.url, fn.id, harness.server.latest_event("app/unexpected"))
    assert run.completed
    assert seen[0] == {"foo": {"c": 3}, "plain": 1}


def test_encrypt_overridden_encryption_field(harness: Harness) -> None:
    """encrypt_overridden_encryption_field: only the configured field is encrypted."""
    producer = harness.client(event_encryption_field="overridden")
    consumer = harness.client(encrypt=False)
    seen: list[Any] = []

    def body(ctx: Any, step: Any) -> Any:
        seen.append((ctx.event.data, ctx.events[0].data))
        return maybe_async(harness.is_async, None)

    fn = harness.function(consumer, "fn", "app/overridden", body)
    with harness.serve(consumer, [fn]) as app:
        producer.send_sync(
            inngest.Event(name="app/overridden", data={"a": 1, "overridden": {"b": 2}})
        )
        harness.server.run(app.url, fn.id, harness.server.latest_event("app/overridden"))
    for data in seen[0]:
        assert data["a"] == 1
        assert is_envelope(data["overridden"])
        assert official_decrypt(data["overridden"]) == {"b": 2}


def test_fallback_decryption_key(harness: Harness) -> None:
    """fallback_decryption_key: data under an old key opens through the fallback."""
    producer = harness.client(key="old-key")
    consumer = harness.client(key="new-key", fallback_decryption_keys=["old-key"])
    seen: list[Any] = []

    def body(ctx: Any, step: Any) -> Any:
        seen.append(ctx.event.data)
        return maybe_async(harness.is_async, None)

    fn = harness.function(consumer, "fn", "app/fallback", body)
    with harness.serve(consumer, [fn]) as app:
        producer.send_sync(inngest.Event(name="app/fallback", data={"encrypted": {"d": 4}}))
        run = harness.server.run(app.url, fn.id, harness.server.latest_event("app/fallback"))
    assert run.completed
    assert seen[0] == {"encrypted": {"d": 4}}


@pytest.mark.parametrize(
    "field", ["encrypted", "foo"], ids=["invoke", "invoke_custom_encryption_field"]
)
def test_invoke(harness: Harness, field: str) -> None:
    """invoke / invoke_custom_encryption_field: payload field encrypted, child sees it plain."""
    client = harness.client(event_encryption_field=field)
    child_seen: list[Any] = []
    results: list[Any] = []

    def child_body(ctx: Any, step: Any) -> Any:
        child_seen.append(ctx.event.data)
        return maybe_async(harness.is_async, {"msg": f"Number is {ctx.event.data[field]['phone']}"})

    child = harness.function(client, "child", "never", child_body)

    def parent_body(ctx: Any, step: Any) -> Any:
        data = {field: {"phone": "867-5309"}, "user_id": "abc123"}
        if harness.is_async:

            async def go() -> None:
                results.append(await step("invoke", "invoke", function=child, data=data))

            return go()
        results.append(step("invoke", "invoke", function=child, data=data))
        return None

    parent = harness.function(client, "parent", "app/invoke", parent_body)
    harness.run(client, [parent, child], inngest.Event(name="app/invoke"))
    assert results[-1] == {"msg": "Number is 867-5309"}
    assert child_seen[0][field] == {"phone": "867-5309"}
    assert child_seen[0]["user_id"] == "abc123"
    stored = harness.server.latest_event("inngest/function.invoked")
    assert stored is not None
    assert stored["data"]["user_id"] == "abc123"
    assert stored["data"][field]["__STRATEGY__"] == "inngest/libsodium"
    assert official_decrypt(stored["data"][field]) == {"phone": "867-5309"}


@pytest.mark.parametrize(
    "field", ["encrypted", "foo"], ids=["send_event", "send_event_custom_encryption_field"]
)
def test_send_event(harness: Harness, field: str) -> None:
    """send_event / send_event_custom_encryption_field: step.send_event encrypts the field."""
    client = harness.client(event_encryption_field=field)

    def body(ctx: Any, step: Any) -> Any:
        event = inngest.Event(name="app/sent", data={field: {"e": 5}, "plain": "p"})
        return step("send_event", "send", event)

    fn = harness.function(client, "fn", "app/send", body)
    harness.run(client, [fn], inngest.Event(name="app/send"))
    sent = harness.server.latest_event("app/sent")
    assert sent is not None and sent["data"]["plain"] == "p"
    assert official_decrypt(sent["data"][field]) == {"e": 5}


def test_step_and_fn_output(harness: Harness) -> None:
    """step_and_fn_output: step and function output are stored encrypted and seen plain."""
    client = harness.client()
    seen: list[Any] = []

    def body(ctx: Any, step: Any) -> Any:
        if harness.is_async:

            async def go() -> Any:
                value = await step("run", "a", lambda: maybe_async(True, {"step": "secret"}))
                seen.append(value)
                return {"fn": value["step"]}

            return go()
        value = step("run", "a", lambda: {"step": "secret"})
        seen.append(value)
        return {"fn": value["step"]}

    fn = harness.function(client, "fn", "app/outputs", body)
    run = harness.run(client, [fn], inngest.Event(name="app/outputs"))
    assert {"step": "secret"} in seen
    assert official_decrypt(run.output) == {"fn": "secret"}
    (step_value,) = run.steps.values()
    assert official_decrypt(step_value["data"]) == {"step": "secret"}
