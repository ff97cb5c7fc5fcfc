"""Latency of other requests to an async app while one run's store read hangs.

A FastAPI app under uvicorn serves an encrypted function whose memoized step
output waits in a local-directory store; that object is swapped for a named
pipe, so the run's read blocks until the pipe is written. Meanwhile plain
requests are timed, one after another; then the same requests with nothing
hanging, for comparison.
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import fastapi
import httpx
import inngest
import inngest.fast_api

from inngest_codecs import EncryptionMiddleware
from inngest_codecs.testing import StandIn, serve_asgi

REQUESTS = 300


def _p99(client: httpx.Client, url: str) -> float:
    times = []
    for _ in range(REQUESTS):
        start = time.perf_counter()
        client.get(url, timeout=60).raise_for_status()
        times.append(time.perf_counter() - start)
    times.sort()
    return times[int(len(times) * 0.99) - 1]


def measure() -> dict[str, float]:
    """``{"idle": p99 seconds, "store read hanging": p99 seconds}``."""
    with tempfile.TemporaryDirectory() as root, StandIn() as server:
        client = inngest.Inngest(
            app_id="lag",
            middleware=[
                EncryptionMiddleware.factory(
                    "lag-key", offload_over=2048, offload_store=f"file://{root}", cache_size=0
                )
            ],
            **server.client_options(),
        )

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

        with serve_asgi(app) as base, httpx.Client() as http:
            idle = _p99(http, base + "/ping")
            run = server.run(base + "/api/inngest", slow.id, {"name": "s/run"}, max_calls=1)
            [blob] = [path for path in Path(root).rglob("*") if path.is_file()]
            content = blob.read_bytes()
            blob.unlink()
            os.mkfifo(blob)
            worker = threading.Thread(target=server.resume, args=(base + "/api/inngest", run))
            worker.start()
            pipe = os.open(blob, os.O_WRONLY)  # the run is now blocked reading it
            try:
                hanging = _p99(http, base + "/ping")
            finally:
                os.write(pipe, content)
                os.close(pipe)
                worker.join(60)
    return {"idle": idle, "store read hanging": hanging}


def markdown(results: dict[str, float]) -> list[str]:
    return [
        "",
        "## Other requests while one run's store read hangs (async app)",
        "",
        f"p99 latency of {REQUESTS} plain requests to the same FastAPI app, one after another:",
        "",
        "| while | p99 |",
        "|---|---|",
        *(f"| {name} | {seconds * 1e3:.1f} ms |" for name, seconds in results.items()),
    ]
