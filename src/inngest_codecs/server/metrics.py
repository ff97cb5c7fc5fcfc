"""The codec server's own metrics (`inngest_codecs.telemetry`) as Prometheus text, for ``/metrics``.

The server reads them from the OpenTelemetry SDK's in-memory reader, made once
per process when the SDK is installed (the ``serve`` extra installs it), and
renders the text format itself: counters as ``<name>_total``, histograms as
``<name>_seconds_bucket``, ``_sum`` and ``_count``.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from typing import Any

from .. import telemetry

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


@functools.cache
def _collector() -> tuple[Any, Any] | None:
    try:
        from opentelemetry.sdk.metrics import MeterProvider
        from opentelemetry.sdk.metrics.export import InMemoryMetricReader
    except ImportError:
        return None
    reader = InMemoryMetricReader()
    return reader, MeterProvider(metric_readers=[reader])


def _reader() -> Any:
    collector = _collector()
    if collector is None:
        return None
    reader, provider = collector
    if telemetry.meter_provider() is not provider:
        telemetry.configure(meter_provider=provider)
    return reader


def start() -> bool:
    """Begin collecting (once per process); whether the OpenTelemetry SDK is there to do it."""
    return _reader() is not None


def prometheus_text() -> str:
    """Every metric collected so far, in the Prometheus text exposition format."""
    reader = _reader()
    data = reader.get_metrics_data() if reader is not None else None
    lines: list[str] = []
    for resource in data.resource_metrics if data else ():
        for scope in resource.scope_metrics:
            for metric in scope.metrics:
                lines.extend(_metric(metric))
    return "\n".join(lines) + "\n"


def _metric(metric: Any) -> Iterator[str]:
    name = metric.name.replace(".", "_")
    points = metric.data.data_points
    if hasattr(points[0] if points else None, "bucket_counts"):
        name += "_seconds" if metric.unit == "s" else ""
        yield f"# HELP {name} {metric.description}"
        yield f"# TYPE {name} histogram"
        for point in points:
            labels = dict(point.attributes or {})
            cumulative = 0
            bounds = (*point.explicit_bounds, "+Inf")
            for bound, count in zip(bounds, point.bucket_counts, strict=True):
                cumulative += count
                yield f"{name}_bucket{_labels({**labels, 'le': str(bound)})} {cumulative}"
            yield f"{name}_sum{_labels(labels)} {point.sum}"
            yield f"{name}_count{_labels(labels)} {point.count}"
    else:
        yield f"# HELP {name}_total {metric.description}"
        yield f"# TYPE {name}_total counter"
        for point in points:
            yield f"{name}_total{_labels(dict(point.attributes or {}))} {point.value}"


def _labels(labels: Mapping[str, Any]) -> str:
    if not labels:
        return ""
    pairs = (f'{key}="{_escape(str(value))}"' for key, value in sorted(labels.items()))
    return "{" + ",".join(pairs) + "}"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
