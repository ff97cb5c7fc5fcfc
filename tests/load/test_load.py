"""Concurrent runs of 5 steps against FastAPI under uvicorn, with and without encryption.

Run with ``nox -s load`` (200 runs, 16 at a time) or ``nox -s load -- full``
(1,000 runs, 32 at a time; ``LOAD_RUNS`` and ``LOAD_CONCURRENCY`` set them);
not part of the default test session. Reports runs per second and the app's CPU
time per run: the CPU of the server thread, where async functions and the
middleware run (the stand-in and the callers run in other threads).
"""

from __future__ import annotations

import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import inngest

from inngest_codecs import EncryptionMiddleware, Encryptor
from inngest_codecs.envelope import is_envelope
from inngest_codecs.testing import StandIn, assert_no_plaintext, serve_fastapi

RUNS = int(os.environ.get("LOAD_RUNS", "200"))
WORKERS = int(os.environ.get("LOAD_CONCURRENCY", "16"))
STEPS = 5
KEY = "load-test-key"


def _cpu(threads: list[threading.Thread]) -> float:
    return sum(
        time.clock_gettime(time.pthread_getcpuclockid(thread.ident))
        for thread in threads
        if thread.ident is not None and thread.is_alive()
    )


def measure(encrypted: bool) -> tuple[float, float, list[Any], StandIn]:
    server = StandIn().start()
    middleware = [EncryptionMiddleware.factory(KEY, codec="aes-gcm")] if encrypted else []
    client = inngest.Inngest(app_id="load", middleware=middleware, **server.client_options())

    @client.create_function(fn_id="five", trigger=inngest.TriggerEvent(event="load/run"))
    async def five(ctx: inngest.Context) -> dict[str, Any]:
        who = ctx.event.data["encrypted"]["who"]
        total = 0
        for index in range(STEPS):

            async def step(index: int = index) -> dict[str, Any]:
                return {"who": who, "index": index}

            total += (await ctx.step.run(f"step-{index}", step))["index"]
        return {"who": who, "total": total}

    events = [
        {
            "name": "load/run",
            "data": {"encrypted": Encryptor(KEY).encrypt({"who": f"secret-user-{n}"})},
        }
        if encrypted
        else {"name": "load/run", "data": {"encrypted": {"who": f"secret-user-{n}"}}}
        for n in range(RUNS)
    ]
    before = set(threading.enumerate())
    with serve_fastapi(client, [five]) as app, ThreadPoolExecutor(WORKERS) as pool:
        served = [thread for thread in threading.enumerate() if thread not in before]
        cpu, start = _cpu(served), time.perf_counter()
        runs = list(pool.map(lambda event: server.run(app.url, five.id, event), events))
        elapsed, cpu = time.perf_counter() - start, _cpu(served) - cpu
    server.stop()
    return RUNS / elapsed, cpu / RUNS, runs, server


def test_concurrent_runs() -> None:
    plain_rate, plain_cpu, plain_runs, _ = measure(encrypted=False)
    rate, cpu, runs, server = measure(encrypted=True)
    assert all(run.completed for run in plain_runs)
    failed = [run for run in runs if not run.completed]
    assert not failed, failed[:3]
    opener = Encryptor(KEY, codec="aes-gcm")
    for n, run in enumerate(runs):
        assert opener.decrypt(run.output) == {"who": f"secret-user-{n}", "total": sum(range(STEPS))}
        stored = [value["data"] for value in run.steps.values()]
        assert len(stored) == STEPS and all(is_envelope(value) for value in stored)
        assert [opener.decrypt(value)["index"] for value in stored] == list(range(STEPS))
    assert_no_plaintext(server.recorder, *(f"secret-user-{n}" for n in range(RUNS)))
    print(
        f"\nload: {RUNS} runs x {STEPS} steps, {WORKERS} concurrent\n"
        f"  plain:     {plain_rate:6.0f} runs/s, app CPU {plain_cpu * 1e3:.2f} ms/run\n"
        f"  encrypted: {rate:6.0f} runs/s, app CPU {cpu * 1e3:.2f} ms/run\n"
        f"  encrypted/plain: {rate / plain_rate:.2f}x runs/s, {cpu / plain_cpu:.2f}x CPU; "
        f"0 failed, {RUNS * (STEPS + 1)} stored values opened"
    )
