"""Metrics and spans through OpenTelemetry; without ``opentelemetry-api`` nothing happens.

Install the ``otel`` extra (``pip install "inngest-codecs[otel]"``) and configure an
OpenTelemetry SDK as usual: the instruments below report to the global meter and tracer
providers, or to those given to [`configure`][inngest_codecs.telemetry.configure].
The API is imported on first use, not with this package, so a service that never
encrypts pays nothing for it.

What is reported never holds a value, a key or a tenant name (unless
``configure(tenant_labels=True)``): key ids are the one-way identifiers codecs
already print in messages, and sizes are sums over many values, never the size of
one value (compression hides that size from Inngest; a histogram would not).
"""

from __future__ import annotations

import sys
import threading
import time
import weakref
from collections.abc import Mapping
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from pybase64 import b64decode

from .. import envelope, registry
from ..errors import (
    CodecError,
    DecompressionError,
    DecryptionError,
    EncryptionError,
    KeyRevokedError,
    OffloadError,
    PayloadTooLargeError,
    StoredObjectAlteredError,
    TenantRevokedError,
    UnknownCodecError,
    UnknownTenantError,
)
from .instruments import LATENCY_BUCKETS, NAMESPACE, Instruments, Timed

__all__ = [
    "FAILURE_KINDS",
    "LATENCY_BUCKETS",
    "cached",
    "call",
    "compressed",
    "configure",
    "failed",
    "failure_kind",
    "meter_provider",
    "opened",
    "recording",
    "sealed",
    "span",
]

FAILURE_KINDS = ("retriable", "permanent", "tampered", "unknown_key", "revoked", "too_large")
"""The ``kind`` of ``inngest_codecs.failures``: see `failure_kind`."""
_NO_LABELS: Mapping[str, str] = {}
_CACHE_LABELS = {True: {"result": "hit"}, False: {"result": "miss"}}
_FAILURE_LABELS: dict[tuple[str, str], Mapping[str, str]] = {}
_making_labels = threading.Lock()
_made: dict[tuple[int, int], tuple[Any, Any, Instruments]] = {}
"""Instruments by the providers they report to (the providers are kept, so ids stay theirs)."""


_instruments: Instruments | None = None
recording = True
"""False while nothing records: the Encryptor then skips its calls (failures and the
middleware's spans keep looking for an SDK, at most once a second; `configure` looks
at once)."""
_available: bool | None = None  # whether opentelemetry-api is installed (None: not asked yet)
_next_look = 0.0
_countdown = 0
_tenant_labels = False
_meter_provider: Any = None
_labels: weakref.WeakKeyDictionary[Any, dict[tuple[str, str], Mapping[str, str]]] = (
    weakref.WeakKeyDictionary()
)
LOOK_EVERY = 1.0
"""Seconds (and at least 64 values) between looks for an SDK while the global providers
are the API's placeholders."""


def configure(
    *, meter_provider: Any = None, tracer_provider: Any = None, tenant_labels: bool = False
) -> None:
    """Report to these providers instead of the global ones (``None``: the global ones);
    ``tenant_labels=True`` adds the tenant id to the middleware's spans (off by default:
    tenant ids may be customer names).
    """
    global _instruments, _available, _tenant_labels, _meter_provider, _next_look, _countdown
    global recording
    _tenant_labels = tenant_labels
    _meter_provider = meter_provider
    _available, _next_look = None, 0.0
    _countdown = 0
    given = meter_provider is not None or tracer_provider is not None
    _instruments = _make(meter_provider, tracer_provider, explicit=given)
    recording = True  # until a look finds nothing to record to


def meter_provider() -> Any:
    """The meter provider given to `configure`; ``None`` for the global one."""
    return _meter_provider


def _make(
    meter_provider: Any = None, tracer_provider: Any = None, *, explicit: bool = False
) -> Instruments | None:
    """Instruments of the given providers, else of the global ones once an SDK set them.

    Until then the global providers are the API's placeholders, and recording to
    them would cost every value a few calls for nothing; so `_get` looks again
    every `LOOK_EVERY` seconds instead.
    """
    global _available
    if not explicit and "opentelemetry" not in sys.modules:
        return None  # nothing has set a global provider without importing it; look again later
    try:
        from opentelemetry import metrics, trace
    except ImportError:
        _available = False
        return None
    _available = True
    meter_provider = meter_provider or metrics.get_meter_provider()
    tracer_provider = tracer_provider or trace.get_tracer_provider()
    placeholders = isinstance(tracer_provider, trace.ProxyTracerProvider) and type(
        meter_provider
    ).__name__.startswith("_Proxy")
    if placeholders and not explicit:
        return None
    # One Instruments per pair of providers: a provider keeps the first observable
    # counters registered under a name, so new ones on the same provider (a second
    # `configure` with it) would count into totals it never reads.
    key = (id(meter_provider), id(tracer_provider))
    with _making_labels:
        found = _made.get(key)
        if found is None or found[0] is not meter_provider or found[1] is not tracer_provider:
            meter, tracer = (
                meter_provider.get_meter(NAMESPACE),
                tracer_provider.get_tracer(NAMESPACE),
            )
            found = _made[key] = (meter_provider, tracer_provider, Instruments(meter, tracer))
    return found[2]


def _get() -> Instruments | None:
    global _instruments, _next_look, _countdown, recording
    if _instruments is not None or _available is False:
        recording = _instruments is not None
        return _instruments
    _countdown -= 1
    if _countdown <= 0:  # reading the clock costs more than counting, on some machines
        _countdown = 64
        now = time.monotonic()
        if now >= _next_look:
            _next_look = now + LOOK_EVERY
            _instruments = _make()
    recording = _instruments is not None
    return _instruments


def _codec_labels(codec: Any, strategy: str, key_id: str | None) -> Mapping[str, str]:
    """The labels of a (codec, strategy, key id): one mapping, made once (`Sums` keys by it)."""
    by_codec = _labels.get(codec)
    found = by_codec.get((strategy, key_id or "")) if by_codec is not None else None
    if found is not None:
        return found
    with _making_labels:
        by_codec = _labels.setdefault(codec, {})
        found = by_codec.get((strategy, key_id or ""))
        if found is None:
            name = _codec_name(codec, strategy.split("+", 1)[0])
            found = {"codec": name, "strategy": strategy, "key_id": key_id or "unnamed"}
            by_codec[(strategy, key_id or "")] = found
        return found


def _codec_name(codec: Any, strategy: str) -> str:
    """The name of the codec that writes ``strategy``: ``codec``'s own, or another installed."""
    if strategy == codec.strategy or strategy in codec.opens:
        return str(codec.name)
    try:
        return str(registry.codec_for_strategy(strategy).name)
    except CodecError:
        return "unknown"


def sealed(codec: Any, sealed: Mapping[str, Any], plaintext_bytes: int) -> None:
    """``codec`` made the envelope ``sealed`` of ``plaintext_bytes`` bytes of JSON."""
    meters = _get()
    if meters is None:
        return
    strategy = sealed.get(envelope.STRATEGY, envelope.NO_STRATEGY)  # v0 writes none
    labels = _codec_labels(codec, strategy, codec.key_ids[0])
    meters.sealed.add(labels, 1, plaintext_bytes, len(sealed[envelope.DATA]) * 3 // 4)


def opened(codec: Any, value: Mapping[str, Any]) -> None:
    """The envelope ``value`` was opened (by ``codec`` or another installed one)."""
    meters = _get()
    if meters is None:
        return
    strategy = value.get(envelope.STRATEGY, envelope.NO_STRATEGY)
    key_id = value.get(envelope.KEY_ID)
    if key_id is None and strategy.split("+", 1)[0] == codec.strategy:
        key_id = _written_under(codec, value.get(envelope.DATA))
    meters.opened.add(_codec_labels(codec, str(strategy), key_id), 1)


def _written_under(codec: Any, data: object) -> str | None:
    if not isinstance(data, str):
        return None
    try:
        return type(codec).key_id_of(b64decode(data[:32]))  # type: ignore[no-any-return]
    except ValueError:
        return None


def failure_kind(error: CodecError) -> str:
    """One of `FAILURE_KINDS` for ``error``."""
    if isinstance(error, (KeyRevokedError, TenantRevokedError)):
        return "revoked"
    if isinstance(error, UnknownTenantError):
        return "unknown_key"  # no key for the tenant the event names
    if isinstance(error, PayloadTooLargeError):
        return "too_large"
    if isinstance(error, DecompressionError) and not error.permanent:
        return "too_large"  # over max_decompressed_bytes
    if isinstance(error, StoredObjectAlteredError):
        return "tampered"
    if isinstance(error, DecryptionError) and not isinstance(error, OffloadError):
        return "tampered" if error.permanent else "unknown_key"
    if isinstance(error, (EncryptionError, UnknownCodecError, OffloadError)) or (
        getattr(error, "permanent", True) is False
    ):
        return "retriable"
    return "permanent"


def failed(error: CodecError, operation: str) -> None:
    """Sealing or opening (``operation``) a value failed with ``error``."""
    meters = _get()
    if meters is not None:
        kind = failure_kind(error)
        labels = _FAILURE_LABELS.get((kind, operation))
        if labels is None:
            labels = _FAILURE_LABELS.setdefault(
                (kind, operation), {"kind": kind, "operation": operation}
            )
        meters.failures.add(labels, 1)


def cached(hit: bool) -> None:
    """A plaintext-cache lookup hit or missed."""
    meters = _get()
    if meters is not None:
        meters.cache.add(_CACHE_LABELS[hit], 1)


def compressed(before: int, after: int) -> None:
    """Compression made ``after`` bytes of ``before``."""
    meters = _get()
    if meters is not None:
        meters.compression.add(_NO_LABELS, before, after)


_NOTHING: AbstractContextManager[Any] = nullcontext()
"""What `call` and `span` return while nothing is recorded: no generator, no allocation."""


def call(service: str, operation: str, name: str = "") -> AbstractContextManager[Any]:
    """Time one call to a key service (``"kms"``) or an object store (``"store"``)."""
    meters = _get()
    if meters is None:
        return _NOTHING
    if service == "store":
        return Timed(meters.store, {"operation": operation, "store": name})
    return Timed(meters.kms, {"operation": operation})


def span(
    hook: str, function_id: str | None, step_id: str | None = None, tenant: str | None = None
) -> AbstractContextManager[Any]:
    """A span around one middleware hook of one run."""
    meters = _get()
    if meters is None:
        return _NOTHING
    attributes = {}
    if function_id is not None:
        attributes["inngest.function.id"] = function_id
    if step_id is not None:
        attributes["inngest.step.id"] = step_id
    if tenant is not None and _tenant_labels:
        attributes["inngest_codecs.tenant"] = tenant
    return meters.tracer.start_as_current_span(  # type: ignore[no-any-return]
        f"{NAMESPACE}.{hook}", attributes=attributes, record_exception=False
    )
