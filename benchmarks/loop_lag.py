"""Latency of other requests to an async app while one run's store read or KMS call hangs.

A FastAPI app under uvicorn serves an encrypted async function. Two faults:

- store: the run's memoized step output waits in a `GatedStore` (a local
  directory whose reads wait until released), so the run's read blocks;
- KMS: the aws-kms codec's endpoint is a socket that accepts connections and
  never answers, so the run's GenerateDataKey call waits until it is closed.

Meanwhile plain requests to the same app are timed one after another; and the
same requests with nothing hanging, for comparison.
"""

from __future__ import annotations

import contextlib
import os
import socket
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import fastapi
import httpx
import inngest
import inngest.fast_api

from inngest_codecs import EncryptionMiddleware
from inngest_codecs.testing import GatedStore, StandIn, serve_asgi

REQUESTS = 300
KMS_KEY = "arn:aws:kms:us-east-1:111122223333:key/00000000-1111-2222-3333-444444444444"


def _p99(client: httpx.Client, url: str) -> float:
    times = []
    for _ in range(REQUESTS):
        start = time.perf_counter()
        client.get(url, timeout=60).raise_for_status()
        times.append(time.perf_counter() - start)
    times.sort()
    return times[int(len(times) * 0.99) - 1]


@contextlib.contextmanager
def _app(factory: Any, server: StandIn) -> Iterator[tuple[str, Any]]:
    client = inngest.Inngest(app_id="lag", middleware=[factory], **server.client_options())

    @client.create_function(fn_id="slow", trigger=inngest.TriggerEvent(event="s/run"))
    async def slow(ctx: inngest.Context) -> int:
        async def fetch() -> list[str]:
            return ["x" * 64] * 256

        return len(await ctx.step.run("fetch", fetch))

    app = fastapi.FastAPI()
    inngest.fast_api.serve(app, client, [slow])

    @app.get("/ping")
    async def ping() -> dict[str, Any]:
        return {}

    with serve_asgi(app) as base:
        yield base, slow


def _during(
    run: Callable[[], object], hung: Callable[[], object], release: Callable[[], None], base: str
) -> float:
    """p99 of pings while ``run`` hangs in a thread: from ``hung()`` to ``release()``.

    How the run ends after its release (a KMS error, a retry) is not measured here.
    """

    def quietly() -> None:
        with contextlib.suppress(Exception):
            run()

    worker = threading.Thread(target=quietly)
    worker.start()
    try:
        hung()
        with httpx.Client() as http:
            return _p99(http, base + "/ping")
    finally:
        release()
        worker.join(120)


def store_read() -> tuple[float, float]:
    """``(idle p99, p99 while a store read hangs)``, in seconds."""
    with tempfile.TemporaryDirectory() as root, StandIn() as server:
        store = GatedStore(root)
        factory = EncryptionMiddleware.factory(
            "lag-key", offload_over=2048, offload_store=store, cache_size=0
        )
        with _app(factory, server) as (base, slow), httpx.Client() as http:
            idle = _p99(http, base + "/ping")
            run = server.run(base + "/api/inngest", slow.id, {"name": "s/run"}, max_calls=1)
            store.close_gate()
            hanging = _during(
                lambda: server.resume(base + "/api/inngest", run),
                lambda: store.reading.wait(60),
                store.release,
                base,
            )
    return idle, hanging


def kms_call() -> float:
    """p99 (seconds) while a KMS call hangs."""
    listener = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []
    reached = threading.Event()

    def accept() -> None:
        with contextlib.suppress(OSError):
            while True:
                accepted.append(listener.accept()[0])
                reached.set()

    def release() -> None:
        listener.close()
        for connection in accepted:
            connection.close()

    threading.Thread(target=accept, daemon=True).start()
    environment = {
        "AWS_ENDPOINT_URL": f"http://127.0.0.1:{listener.getsockname()[1]}",
        "AWS_ACCESS_KEY_ID": "lag",
        "AWS_SECRET_ACCESS_KEY": "lag",
        "AWS_MAX_ATTEMPTS": "1",
    }
    saved = {name: os.environ.get(name) for name in environment}
    os.environ.update(environment)
    try:
        with StandIn() as server:
            factory = EncryptionMiddleware.factory(KMS_KEY, codec="aws-kms")
            with _app(factory, server) as (base, slow):
                return _during(
                    lambda: server.run(base + "/api/inngest", slow.id, {"name": "s/run"}),
                    lambda: reached.wait(60),
                    release,
                    base,
                )
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def measure() -> dict[str, float]:
    """p99 seconds of other requests: idle, while a store read hangs, while a KMS call hangs."""
    idle, store = store_read()
    return {"idle": idle, "store read hanging": store, "KMS call hanging": kms_call()}


def markdown(results: dict[str, float]) -> list[str]:
    return [
        "",
        "## Other requests while one run's store read or KMS call hangs (async app)",
        "",
        f"p99 latency of {REQUESTS} plain requests to the same FastAPI app, one after another:",
        "",
        "| while | p99 |",
        "|---|---|",
        *(f"| {name} | {seconds * 1e3:.1f} ms |" for name, seconds in results.items()),
    ]
