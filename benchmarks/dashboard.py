"""docs/images/observability.png: the metrics of a real run, drawn as a dashboard would.

A FastAPI app under uvicorn, with the middleware (aes-gcm, zstd, a plaintext cache,
large values offloaded to a local-directory store), serves 60 runs of a function
with four steps through the stand-in; a few values no key opens are decrypted too.
The OpenTelemetry SDK's in-memory reader collects what `inngest_codecs.telemetry`
reports, and each panel draws one metric. Run ``python -m benchmarks.dashboard``.
"""

from __future__ import annotations

import contextlib
import secrets
import tempfile
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import inngest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader

from inngest_codecs import CodecError, EncryptionMiddleware, Encryptor, telemetry
from inngest_codecs.testing import StandIn, serve_fastapi

OUT = Path(__file__).resolve().parent.parent / "docs" / "images" / "observability.png"
KEY = "dashboard-key"
RUNS = 60


def collect() -> dict[str, list[tuple[dict[str, Any], Any]]]:
    stranger = Encryptor("another key", codec="aes-gcm").encrypt({"v": 1})
    reader = InMemoryMetricReader()
    telemetry.configure(meter_provider=MeterProvider(metric_readers=[reader]))
    with tempfile.TemporaryDirectory() as root, StandIn() as server:
        client = inngest.Inngest(
            app_id="dashboard",
            middleware=[
                EncryptionMiddleware.factory(
                    KEY,
                    codec="aes-gcm",
                    compression="zstd",
                    offload_over=32 * 1024,
                    offload_store=f"file://{root}",
                    cache_size=8,
                )
            ],
            **server.client_options(),
        )

        @client.create_function(fn_id="report", trigger=inngest.TriggerEvent(event="r/run"))
        async def report(ctx: inngest.Context) -> int:
            size = ctx.event.data["rows"]

            async def rows() -> list[dict[str, Any]]:
                return [{"row": n, "id": secrets.token_hex(12)} for n in range(size)]

            async def small() -> dict[str, int]:
                return {"rows": size}

            fetched = await ctx.step.run("fetch", rows)
            await ctx.step.run("count", small)
            await ctx.step.run("check", small)
            await ctx.step.run("total", small)
            return len(fetched)

        with serve_fastapi(client, [report]) as app, ThreadPoolExecutor(8) as pool:
            events = [{"name": "r/run", "data": {"rows": 10 + 60 * (n % 50)}} for n in range(RUNS)]
            runs = list(pool.map(lambda e: server.run(app.url, report.id, e), events))
    assert all(run.completed for run in runs)
    for _ in range(3):
        with contextlib.suppress(CodecError):
            Encryptor(KEY, codec="aes-gcm").decrypt(stranger)
    data = reader.get_metrics_data()
    telemetry.configure()
    found: dict[str, list[tuple[dict[str, Any], Any]]] = {}
    for resource in data.resource_metrics if data else ():
        for scope in resource.scope_metrics:
            for metric in scope.metrics:
                found[metric.name.removeprefix("inngest_codecs.")] = [
                    (dict(p.attributes or {}), p) for p in metric.data.data_points
                ]
    return found


def _sum_by(points: list[tuple[dict[str, Any], Any]], label: str) -> Counter[str]:
    totals: Counter[str] = Counter()
    for attributes, point in points:
        totals[str(attributes.get(label, ""))] += point.value
    return totals


def draw(metrics: dict[str, list[tuple[dict[str, Any], Any]]]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(2, 3, figsize=(13, 6.5))
    sealed = _sum_by(metrics["values.sealed"], "strategy")
    opened = _sum_by(metrics["values.opened"], "strategy")
    names = sorted(set(sealed) | set(opened))
    panel = axes[0][0]
    panel.barh([f"{n} sealed" for n in names], [sealed[n] for n in names])
    panel.barh([f"{n} opened" for n in names], [opened[n] for n in names])
    panel.set_title("values sealed and opened, by strategy")
    failures = _sum_by(metrics.get("failures", []), "kind")
    panel = axes[0][1]
    panel.bar(list(failures) or ["none"], list(failures.values()) or [0], color="tab:red")
    panel.set_title("failures, by kind")
    cache = _sum_by(metrics["cache.lookups"], "result")
    panel = axes[0][2]
    panel.pie([cache["hit"], cache["miss"]], labels=["hit", "miss"], autopct="%1.0f%%")
    panel.set_title("plaintext cache lookups")
    panel = axes[1][0]
    for attributes, point in metrics["store.duration"]:
        bounds = [f"<={b * 1e3:g}" for b in point.explicit_bounds] + ["more"]
        panel.plot(bounds, list(point.bucket_counts), marker="o", label=attributes["operation"])
    panel.set_xlabel("ms")
    panel.tick_params(axis="x", rotation=60, labelsize=7)
    panel.legend()
    panel.set_title("store call latency (histogram)")
    panel = axes[1][1]
    pairs = {
        "compression in": metrics["compression.in"],
        "compression out": metrics["compression.out"],
    }
    sizes = {name: sum(p.value for _, p in points) / 1e6 for name, points in pairs.items()}
    sizes["JSON sealed"] = sum(p.value for _, p in metrics["bytes.plaintext"]) / 1e6
    sizes["in envelopes"] = sum(p.value for _, p in metrics["bytes.ciphertext"]) / 1e6
    panel.bar(list(sizes), list(sizes.values()), color="tab:green")
    panel.set_ylabel("MB")
    panel.tick_params(axis="x", rotation=15)
    panel.set_title("bytes in and out")
    panel = axes[1][2]
    by_key = _sum_by(metrics["values.sealed"], "key_id")
    panel.bar([f"key {k}" for k in by_key], list(by_key.values()), color="tab:purple")
    panel.set_title("values sealed, by key id")
    figure.suptitle(f"inngest_codecs metrics: {RUNS} runs of 4 steps over HTTP (FastAPI)")
    figure.tight_layout()
    figure.savefig(OUT, dpi=100)


if __name__ == "__main__":
    draw(collect())
    print(f"wrote {OUT}")
