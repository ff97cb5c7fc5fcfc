"""An async app keeps answering while one run waits on a hanging store read or key service.

The store is a `GatedStore`: the real local-directory store, whose reads wait
until the test releases them. It says when a read has started waiting, so the
test knows the run is stuck without timing anything.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import fastapi
import httpx
import inngest
import inngest.fast_api
import pytest

from inngest_codecs import EncryptionMiddleware, Encryptor
from inngest_codecs.testing import (
    GatedStore,
    Run,
    StandIn,
    assert_no_plaintext,
    serve_asgi,
    serve_fastapi,
    serve_flask,
)

pytestmark = pytest.mark.slow

KEY = "async-store-key"
GUARD = 60.0  # seconds: only ever reached when the event loop is blocked


def test_other_requests_complete_while_a_store_read_hangs(tmp_path: Path) -> None:
    store = GatedStore(tmp_path, timeout=2 * GUARD)
    big = {"rows": ["x" * 64] * 256}
    with StandIn() as server:
        client = inngest.Inngest(
            app_id="async-app",
            middleware=[
                EncryptionMiddleware.factory(
                    KEY, offload_over=2048, offload_store=store, cache_size=0
                )
            ],
            **server.client_options(),
        )

        @client.create_function(fn_id="report", trigger=inngest.TriggerEvent(event="r/run"))
        async def report(ctx: inngest.Context) -> int:
            async def fetch() -> dict[str, Any]:
                return big

            rows = await ctx.step.run("fetch", fetch)
            return len(rows["rows"])

        @client.create_function(fn_id="other", trigger=inngest.TriggerEvent(event="o/run"))
        async def other(ctx: inngest.Context) -> str:
            async def greet() -> str:
                return "hello " + ctx.event.data["who"]

            return await ctx.step.run("greet", greet)

        app = fastapi.FastAPI()
        inngest.fast_api.serve(app, client, [report, other])

        @app.get("/ping")
        async def ping() -> dict[str, str]:
            return {"pong": "yes"}

        with serve_asgi(app) as base:
            url = base + "/api/inngest"
            run = server.run(url, report.id, {"name": "r/run"}, max_calls=1)
            assert run.running
            store.close_gate()
            resumed: list[Run] = []
            worker = threading.Thread(target=lambda: resumed.append(server.resume(url, run)))
            worker.start()
            try:
                assert store.reading.wait(GUARD), "the run reads its memoized output"
                pong = httpx.get(base + "/ping", timeout=GUARD)
                other_run = server.run(url, other.id, {"name": "o/run", "data": {"who": "ada"}})
                assert worker.is_alive(), "the report run waits on the store all along"
            finally:
                store.release()
                worker.join(GUARD)

    assert pong.json() == {"pong": "yes"}
    assert other_run.completed, other_run.error
    assert Encryptor(KEY).decrypt(other_run.output) == "hello ada"
    [finished] = resumed
    assert finished.completed, finished.error
    assert Encryptor(KEY).decrypt(finished.output) == 256


def test_async_sends_and_outputs_taken_off_the_loop_are_sealed(tmp_path: Path) -> None:
    """With a store, what async code sends (``step.send_event``, ``await client.send``) and
    returns is sealed in a worker thread; the SDK awaits it before anything leaves."""
    secret = "Maria Garcia " * 300  # large enough to go to the store
    with StandIn() as server:
        client = inngest.Inngest(
            app_id="async-sends",
            middleware=[
                EncryptionMiddleware.factory(
                    KEY, offload_over=1024, offload_store=f"file://{tmp_path}"
                )
            ],
            **server.client_options(),
        )

        @client.create_function(fn_id="sender", trigger=inngest.TriggerEvent(event="s/run"))
        async def sender(ctx: inngest.Context) -> str:
            await ctx.step.send_event(
                "notify", inngest.Event(name="s/step", data={"encrypted": secret})
            )
            await client.send(inngest.Event(name="s/client", data={"encrypted": secret}))
            return secret

        with serve_fastapi(client, [sender]) as app:
            run = server.run(app.url, sender.id, {"name": "s/run"})
        client.send_sync(inngest.Event(name="s/outside", data={"encrypted": secret}))

    assert run.completed, run.error
    reader = Encryptor(KEY, offload_store=f"file://{tmp_path}")
    assert reader.decrypt(run.output) == secret
    for name in ("s/step", "s/client", "s/outside"):
        sent = server.latest_event(name)
        assert sent is not None, name
        assert sent["data"]["encrypted"]["__STRATEGY__"] == "inngest/libsodium+offload"
        assert reader.decrypt(sent["data"]["encrypted"]) == secret
    assert_no_plaintext(server.recorder, "Maria Garcia")


@pytest.mark.parametrize("serve", [serve_fastapi, serve_flask], ids=["fastapi", "flask"])
def test_async_functions_with_a_store_on_each_async_serve_adapter(
    serve: Any, tmp_path: Path
) -> None:
    """Flask runs async functions on an event loop of its own per request; FastAPI on
    uvicorn's: the hooks' coroutines are awaited on either."""
    big = {"rows": ["y" * 64] * 256}
    with StandIn() as server:
        client = inngest.Inngest(
            app_id=f"async-{serve.__name__}",
            middleware=[
                EncryptionMiddleware.factory(
                    KEY, offload_over=2048, offload_store=f"file://{tmp_path}", cache_size=0
                )
            ],
            **server.client_options(),
        )

        @client.create_function(fn_id="fetch", trigger=inngest.TriggerEvent(event="f/run"))
        async def fetch(ctx: inngest.Context) -> int:
            async def rows() -> dict[str, Any]:
                return big

            return len((await ctx.step.run("rows", rows))["rows"])

        with serve(client, [fetch]) as app:
            run = server.run(app.url, fetch.id, {"name": "f/run"})
    assert run.completed, run.error
    [stored] = [step["data"] for step in run.steps.values()]
    assert stored["__STRATEGY__"] == "inngest/libsodium+offload"
    assert Encryptor(KEY).decrypt(run.output) == 256


def test_a_send_from_an_async_run_with_middleware_per_function_is_sealed(tmp_path: Path) -> None:
    secret = "Maria Garcia " * 300
    store = f"file://{tmp_path}"
    with StandIn() as server:
        client = inngest.Inngest(app_id="per-function", **server.client_options())

        @client.create_function(
            fn_id="sender",
            trigger=inngest.TriggerEvent(event="p/run"),
            middleware=[EncryptionMiddleware.factory(KEY, offload_over=1024, offload_store=store)],
        )
        async def sender(ctx: inngest.Context) -> None:
            await client.send(inngest.Event(name="p/sent", data={"encrypted": secret}))

        with serve_fastapi(client, [sender]) as app:
            run = server.run(app.url, sender.id, {"name": "p/run"})
    assert run.completed, run.error
    sent = server.latest_event("p/sent")
    assert sent is not None
    assert Encryptor(KEY, offload_store=store).decrypt(sent["data"]["encrypted"]) == secret
    assert_no_plaintext(server.recorder, "Maria Garcia")
