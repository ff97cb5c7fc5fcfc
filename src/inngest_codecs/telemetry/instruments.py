"""The OpenTelemetry instruments behind `inngest_codecs.telemetry`: counters and timers."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

NAMESPACE = "inngest_codecs"
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
"""Bucket bounds (seconds) of the KMS and store latency histograms."""


class Sums:
    """Running totals per label set, in columns; OpenTelemetry reads them when it collects.

    Adding to an SDK counter costs microseconds per call (it cleans and hashes the
    labels each time); a value is sealed in a few. So the counters are asynchronous
    (observable) ones, and a value costs one lock and a few additions here.
    """

    def __init__(self, columns: int) -> None:
        self._lock = threading.Lock()
        self._columns = columns
        self._totals: dict[int, list[Any]] = {}  # id(labels) -> [labels, total, ...]

    def add(self, labels: Mapping[str, str], *amounts: int) -> None:
        """Add to the totals of ``labels``, a mapping made once per label set and kept."""
        with self._lock:
            entry = self._totals.get(id(labels))
            if entry is None:
                entry = self._totals[id(labels)] = [labels, *(0,) * self._columns]
            for column, amount in enumerate(amounts, 1):
                entry[column] += amount

    def reader(self, column: int) -> Callable[[Any], list[Any]]:
        from opentelemetry.metrics import Observation

        def observe(options: Any) -> list[Any]:
            with self._lock:
                rows = [(entry[0], entry[column + 1]) for entry in self._totals.values()]
            return [Observation(total, labels) for labels, total in rows]

        return observe


class Instruments:
    def __init__(self, meter: Any, tracer: Any) -> None:
        def counter(sums: Sums, column: int, name: str, unit: str, description: str) -> None:
            meter.create_observable_counter(
                f"{NAMESPACE}.{name}", [sums.reader(column)], unit=unit, description=description
            )

        def seconds(name: str, description: str) -> Any:
            return meter.create_histogram(
                f"{NAMESPACE}.{name}",
                unit="s",
                description=description,
                explicit_bucket_boundaries_advisory=LATENCY_BUCKETS,
            )

        self.tracer = tracer
        self.sealed = Sums(3)
        counter(self.sealed, 0, "values.sealed", "{value}", "values encrypted into envelopes")
        counter(self.sealed, 1, "bytes.plaintext", "By", "JSON bytes sealed, before compression")
        counter(self.sealed, 2, "bytes.ciphertext", "By", "codec bytes written into envelopes")
        self.opened = Sums(1)
        counter(self.opened, 0, "values.opened", "{value}", "envelopes opened")
        self.failures = Sums(1)
        counter(self.failures, 0, "failures", "{failure}", "values not sealed or opened")
        self.cache = Sums(1)
        counter(self.cache, 0, "cache.lookups", "{lookup}", "plaintext-cache lookups, by result")
        self.compression = Sums(2)
        counter(self.compression, 0, "compression.in", "By", "bytes given to compression")
        counter(self.compression, 1, "compression.out", "By", "bytes compression made of them")
        self.kms = seconds("kms.duration", "key-service calls, by operation and outcome")
        self.store = seconds("store.duration", "object-store calls, by store, operation, outcome")


class Timed:
    """Records how long its block took, and whether it raised, in a latency histogram."""

    __slots__ = ("_histogram", "_labels", "_start")

    def __init__(self, histogram: Any, labels: dict[str, str]) -> None:
        self._histogram, self._labels, self._start = histogram, labels, 0.0

    def __enter__(self) -> None:
        self._start = time.perf_counter()

    def __exit__(self, kind: object, *rest: object) -> None:
        outcome = "ok" if kind is None else "error"
        self._histogram.record(
            time.perf_counter() - self._start, {**self._labels, "outcome": outcome}
        )
