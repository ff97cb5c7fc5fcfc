"""200 concurrent runs of 5 steps against FastAPI under uvicorn, with and without encryption.

Run with ``nox -s load``; not part of the default test session.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import inngest

from inngest_codecs import EncryptionMiddleware, Encryptor
from inngest_codecs.envelope import is_envelope
from inngest_codecs.testing import StandIn, assert_no_plaintext, serve_fastapi

RUNS, STEPS, WORKERS = 200, 5, 16
KEY = "load-test-key"


def measure(encrypted: bool) -> tuple[float, list[Any], StandIn]:
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
    with serve_fastapi(client, [five]) as app, ThreadPoolExecutor(WORKERS) as pool:
        start = time.perf_counter()
        runs = list(pool.map(lambda event: server.run(app.url, five.id, event), events))
        elapsed = time.perf_counter() - start
    server.stop()
    return RUNS / elapsed, runs, server


def test_two_hundred_concurrent_runs() -> None:
    plain_rate, plain_runs, _ = measure(encrypted=False)
    rate, runs, server = measure(encrypted=True)
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
        f"\nload: {RUNS} runs x {STEPS} steps, {WORKERS} concurrent: "
        f"{rate:.0f} runs/s encrypted, {plain_rate:.0f} runs/s plain, "
        f"ratio {rate / plain_rate:.2f}; 0 failed, {RUNS * (STEPS + 1)} stored values opened"
    )
