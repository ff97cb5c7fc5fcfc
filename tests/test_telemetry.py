"""Every metric and span, read back through the OpenTelemetry SDK's in-memory readers."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import inngest
import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from inngest_codecs import EncryptionMiddleware, Encryptor, telemetry
from inngest_codecs.errors import CodecError
from inngest_codecs.testing import StandIn, serve_fastapi

KEY = "telemetry-key"
SECRET = "secret-customer-name"


class Readings:
    def __init__(self, *, tenant_labels: bool = False) -> None:
        self.metrics = InMemoryMetricReader()
        self.spans = InMemorySpanExporter()
        tracer_provider = TracerProvider()
        tracer_provider.add_span_processor(SimpleSpanProcessor(self.spans))
        telemetry.configure(
            meter_provider=MeterProvider(metric_readers=[self.metrics]),
            tracer_provider=tracer_provider,
            tenant_labels=tenant_labels,
        )

    def points(self, name: str) -> list[tuple[dict[str, Any], Any]]:
        data = self.metrics.get_metrics_data()
        found = []
        for resource in data.resource_metrics if data else ():
            for scope in resource.scope_metrics:
                for metric in scope.metrics:
                    if metric.name == f"inngest_codecs.{name}":
                        found += [(dict(p.attributes or {}), p) for p in metric.data.data_points]
        return found

    def total(self, name: str, **labels: str) -> float:
        return sum(
            point.value
            for attributes, point in self.points(name)
            if labels.items() <= attributes.items()
        )


@pytest.fixture
def readings() -> Iterator[Readings]:
    yield Readings()
    telemetry.configure()  # back to the global providers


def test_sealed_opened_bytes_and_cache(readings: Readings) -> None:
    encryptor = Encryptor(KEY, codec="aes-gcm", cache_size=8, compression="zstd")
    key_id = encryptor.codec.key_ids[0]
    small = encryptor.encrypt({"name": SECRET})
    large = encryptor.encrypt({"rows": [SECRET] * 200})
    assert encryptor.decrypt(small) == {"name": SECRET}  # from the cache: just made
    assert Encryptor(KEY, codec="aes-gcm").decrypt(large) == {"rows": [SECRET] * 200}

    labels = {"codec": "aes-gcm", "key_id": key_id}
    assert readings.total("values.sealed", strategy="inngest-codecs/aes-256-gcm", **labels) == 1
    assert (
        readings.total("values.sealed", strategy="inngest-codecs/aes-256-gcm+zstd", **labels) == 1
    )
    assert readings.total("values.opened", **labels) == 2
    assert readings.total("cache.lookups", result="hit") == 1
    plaintext = readings.total("bytes.plaintext")
    assert plaintext == len(f'{{"name":"{SECRET}"}}') + len(
        '{"rows":[' + ",".join([f'"{SECRET}"'] * 200) + "]}"
    )
    assert readings.total("compression.in") == plaintext - len(f'{{"name":"{SECRET}"}}')
    assert 0 < readings.total("compression.out") < readings.total("compression.in") / 10
    assert readings.total("bytes.ciphertext") < plaintext
    _assert_nothing_secret(readings)


def test_failures_by_kind(readings: Readings, tmp_path: Path) -> None:
    encryptor = Encryptor(KEY, codec="aes-gcm")
    sealed = encryptor.encrypt("value")
    attempts: list[tuple[Any, Any]] = [
        (Encryptor("another key", codec="aes-gcm").decrypt, sealed),  # unknown_key
        (encryptor.decrypt, {**sealed, "data": sealed["data"][:-8] + "AAAAAAA="}),  # tampered
        (encryptor.encrypt, math.nan),  # permanent
    ]
    shredded = Encryptor("old key").encrypt("v")
    revoking = Encryptor(
        "new key",
        fallback_keys=["old key"],
        revoked_key_ids=[Encryptor("old key").codec.key_ids[0]],
    )
    attempts.append((revoking.decrypt, shredded))  # revoked
    bomb = Encryptor(KEY, compression="zstd").encrypt("0" * 100_000)
    attempts.append((Encryptor(KEY, max_decompressed_bytes=1000).decrypt, bomb))  # too_large
    offloaded = Encryptor(KEY, offload_over=100, offload_store=f"file://{tmp_path}").encrypt(
        "y" * 400
    )
    empty = tmp_path / "elsewhere"
    attempts.append((Encryptor(KEY, offload_store=f"file://{empty}").decrypt, offloaded))
    for attempt, value in attempts:
        with pytest.raises(CodecError):
            attempt(value)
    kinds = {a["kind"]: p.value for a, p in readings.points("failures")}
    assert kinds == dict.fromkeys(telemetry.FAILURE_KINDS, 1)
    assert {a["operation"] for a, _ in readings.points("failures")} == {"seal", "open"}
    _assert_nothing_secret(readings)


def test_store_calls_are_timed(readings: Readings, tmp_path: Path) -> None:
    encryptor = Encryptor(KEY, offload_over=100, offload_store=f"file://{tmp_path}")
    assert encryptor.decrypt(encryptor.encrypt("z" * 400)) == "z" * 400
    calls = {
        (a["operation"], a["store"], a["outcome"]): p for a, p in readings.points("store.duration")
    }
    assert set(calls) == {("put", "file", "ok"), ("get", "file", "ok")}
    assert all(p.count == 1 and p.sum > 0 for p in calls.values())


def _spans_of_a_run(readings: Readings) -> list[Any]:
    with StandIn() as server:
        client = inngest.Inngest(
            app_id="spans",
            middleware=[
                EncryptionMiddleware.factory(
                    KEY, tenant_from="data.tenant", tenant_keys={"acme": "acme's own key"}
                )
            ],
            **server.client_options(),
        )

        @client.create_function(fn_id="greet", trigger=inngest.TriggerEvent(event="g/run"))
        async def greet(ctx: inngest.Context) -> str:
            async def hello() -> str:
                return "hello " + SECRET

            return await ctx.step.run("say-hello", hello)

        with serve_fastapi(client, [greet]) as app:
            run = server.run(app.url, greet.id, {"name": "g/run", "data": {"tenant": "acme"}})
    assert run.completed, run.error
    return list(readings.spans.get_finished_spans())


@pytest.mark.slow
def test_a_span_per_hook_with_function_and_step_ids(readings: Readings) -> None:
    spans = _spans_of_a_run(readings)
    hooks = {span.name for span in spans}
    assert hooks == {"inngest_codecs.transform_input", "inngest_codecs.transform_output"}
    assert {span.attributes["inngest.function.id"] for span in spans} == {"spans-greet"}
    steps = {span.attributes.get("inngest.step.id") for span in spans}
    assert "say-hello" in steps
    assert not any("inngest_codecs.tenant" in (span.attributes or {}) for span in spans)
    _assert_nothing_secret(readings)


def test_tenant_labels_only_when_configured() -> None:
    readings = Readings(tenant_labels=True)
    try:
        spans = _spans_of_a_run(readings)
    finally:
        telemetry.configure()
    assert {span.attributes.get("inngest_codecs.tenant") for span in spans} == {"acme"}


def _assert_nothing_secret(readings: Readings) -> None:
    data = readings.metrics.get_metrics_data()
    text = (data.to_json() if data else "") + "".join(
        s.to_json() for s in readings.spans.get_finished_spans()
    )
    for secret in (SECRET, KEY, "acme"):
        assert secret not in text


@pytest.mark.slow
def test_the_middleware_counts_what_it_refuses(readings: Readings) -> None:
    with StandIn() as server:
        client = inngest.Inngest(
            app_id="refusals",
            middleware=[
                EncryptionMiddleware.factory(
                    KEY,
                    max_step_output_bytes=1000,
                    tenant_from="data.tenant",
                    tenant_keys={"acme": "acme's own key"},
                )
            ],
            **server.client_options(),
        )

        @client.create_function(fn_id="big", trigger=inngest.TriggerEvent(event="b/run"))
        async def big(ctx: inngest.Context) -> str:
            async def large() -> str:
                return SECRET * 100

            return await ctx.step.run("large", large)

        with serve_fastapi(client, [big]) as app:
            too_large = server.run(app.url, big.id, {"name": "b/run"})
            stranger = server.run(app.url, big.id, {"name": "b/run", "data": {"tenant": "initech"}})
    assert too_large.status == stranger.status == "failed"
    kinds = {(a["kind"], a["operation"]): p.value for a, p in readings.points("failures")}
    # A tenant without a key is retriable (a deploy can add its key): one count per attempt.
    assert kinds == {("too_large", "seal"): 1, ("unknown_key", "open"): stranger.requests}
    assert stranger.requests > 1
    _assert_nothing_secret(readings)


def test_a_v0_envelope_written_while_recording_is_counted(readings: Readings) -> None:
    # The TypeScript package's v0 format has no __STRATEGY__: counting it must not fail.
    pytest.importorskip("inngest_codecs_legacy")
    writer = Encryptor("legacy key", codec="legacy-aes", codec_options={"v0": True})
    sealed = writer.encrypt({"n": 1})
    assert "__STRATEGY__" not in sealed and writer.decrypt(sealed) == {"n": 1}
    assert readings.total("values.sealed", codec="legacy-aes") == 1


def test_configuring_the_same_provider_again_keeps_counting() -> None:
    # A provider keeps the first counters registered under a name: counts made after a
    # second configure with it must still reach what it reads.
    reader = InMemoryMetricReader()
    provider = MeterProvider(metric_readers=[reader])
    try:
        for _ in range(2):
            telemetry.configure(meter_provider=provider)
            Encryptor(KEY).decrypt(Encryptor(KEY).encrypt(1))
            telemetry.configure()
    finally:
        telemetry.configure()
    data = reader.get_metrics_data()
    opened = [
        point.value
        for resource in data.resource_metrics
        for scope in resource.scope_metrics
        for metric in scope.metrics
        if metric.name == "inngest_codecs.values.opened"
        for point in metric.data.data_points
    ]
    assert sum(opened) == 2
