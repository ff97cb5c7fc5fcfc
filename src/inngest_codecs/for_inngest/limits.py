"""The size guard: payloads over Inngest's limits are refused here, by name, before they leave.

Encryption makes a value about a third larger (base64) plus a small envelope,
so an output that fitted in plain JSON can stop fitting once encrypted, and
Inngest's own refusal does not say why. [`SizeGuard`][] measures what is
about to be sent and raises [`PayloadTooLargeError`][]
over a limit, naming the step, function or event, both sizes, the limit and
the remedies; over `WARN_AT` of a limit it logs a warning, once per name.
"""

from __future__ import annotations

import logging
import threading
from typing import NamedTuple

import orjson

from .. import envelope, strictjson
from ..errors import ConfigError, PayloadTooLargeError

logger = logging.getLogger("inngest_codecs")

KiB = 1024
MiB = 1024 * KiB
DEFAULT_MAX_STEP_OUTPUT_BYTES = 4 * MiB
"""Inngest's limit on the data a step (or a function) returns."""
DEFAULT_MAX_EVENT_BYTES = 256 * KiB
"""Inngest's event size limit on its free plan (paid plans: up to 3 MiB)."""
DEFAULT_MAX_RUN_STATE_BYTES = 32 * MiB
"""Inngest's limit on a run's state: its events and everything its steps and function returned."""
WARN_AT = 0.8
"""The fraction of a limit over which a warning is logged."""
_REMEMBERED_WARNINGS = 10_000
_UNMEASURED = object()


def envelope_size(strategy: str, blob_length: int) -> int:
    """Bytes of the compact JSON of an envelope holding ``blob_length`` codec bytes."""
    return envelope.size(strategy, envelope.base64_length(blob_length))


def encoded_size(value: object) -> int:
    """Bytes of ``value`` as compact UTF-8 JSON; an envelope is measured without encoding it."""
    if (
        type(value) is dict
        and value.get(envelope.MARKER) is True
        and type(strategy := value.get(envelope.STRATEGY)) is str
        and type(data := value.get(envelope.DATA)) is str
    ):
        if len(value) == 3:
            return envelope.size(strategy, len(data))
        if len(value) == 4 and type(key_id := value.get(envelope.KEY_ID)) is str:
            return (
                envelope.size(strategy, len(data))
                + len(f',"{envelope.KEY_ID}":')
                + len(orjson.dumps(key_id))
            )
    try:
        return len(orjson.dumps(value))
    except TypeError:  # what orjson does not take (big integers, odd keys): the strict encoder
        return len(strictjson.dumps(value))


def _limit(value: int | None, setting: str) -> int | None:
    if value is not None and (type(value) is not int or value <= 0):
        raise ConfigError(f"{setting} must be a positive number of bytes, or None for no limit")
    return value


class SizeLimits(NamedTuple):
    """Inngest's limits, in bytes of JSON as sent; ``None`` turns a check off.

    Checked when a [`SizeGuard`][] is built from them.
    """

    max_step_output_bytes: int | None = DEFAULT_MAX_STEP_OUTPUT_BYTES
    max_event_bytes: int | None = DEFAULT_MAX_EVENT_BYTES
    max_run_state_bytes: int | None = DEFAULT_MAX_RUN_STATE_BYTES


_REMEDIES = {
    "step output": "return less from the step (keep large data elsewhere and return a pointer)",
    "function output": "return less from the function",
    "event": "send less in the event (keep large data elsewhere and send a pointer); "
    "raise max_event_bytes if your Inngest plan allows larger events",
    "run state": "return less from steps, or split the work across functions",
}


class SizeGuard:
    """Checks payloads against [`SizeLimits`][] before they are sent.

    One guard serves a whole process (the warnings it has given are remembered
    across requests). ``sent`` is a payload as it will leave, after encryption;
    ``plaintext`` the same before encryption, measured only when a warning or
    an error reports it. Every check returns the encoded size of ``sent``.
    """

    def __init__(self, limits: SizeLimits | None = None) -> None:
        self.limits = limits or SizeLimits()
        for setting, value in self.limits._asdict().items():
            _limit(value, setting)
        self._warned: set[tuple[str, str]] = set()
        self._lock = threading.Lock()

    def check_step_output(self, step_id: str, sent: object, plaintext: object) -> int:
        """A step's output (its envelope, or a claim check)."""
        limit = self.limits.max_step_output_bytes
        return self._check("step output", step_id, encoded_size(sent), plaintext, limit)

    def check_function_output(self, function_id: str, sent: object, plaintext: object) -> int:
        """A function's return value, which Inngest limits like a step's output."""
        limit = self.limits.max_step_output_bytes
        return self._check("function output", function_id, encoded_size(sent), plaintext, limit)

    def check_event(self, name: str, sent: object, plaintext: object) -> int:
        """A whole event (name, data with its envelope, id, ...)."""
        limit = self.limits.max_event_bytes
        return self._check("event", name, encoded_size(sent), plaintext, limit)

    def check_run_state(self, function_id: str, state_bytes: int) -> int:
        """``state_bytes``: the run's events and outputs so far, and what is about to be sent."""
        limit = self.limits.max_run_state_bytes
        return self._check("run state", function_id, state_bytes, _UNMEASURED, limit)

    def _check(self, kind: str, name: str, size: int, plaintext: object, limit: int | None) -> int:
        if limit is None or size <= limit * WARN_AT:
            return size
        plain = None if plaintext is _UNMEASURED else encoded_size(plaintext)
        setting = _SETTINGS[kind]
        sizes = f"{size:,} bytes as sent" + (
            f" ({plain:,} bytes of JSON before encryption)" if plain is not None else ""
        )
        if size > limit:
            raise PayloadTooLargeError(
                f"{kind} {name!r} is {sizes}, over the limit of {limit:,} bytes ({setting}); "
                f"nothing was sent. Remedies: turn on compression (compression='zstd'); "
                f"{_REMEDIES[kind]}; offload large values to an object store "
                f"(offload_over=BYTES with offload_store=URL)",
                kind=kind,
                name=name,
                plaintext_bytes=plain,
                encoded_bytes=size,
                limit=limit,
                setting=setting,
            )
        if self._first_warning(kind, name):
            logger.warning(
                "%s %r is %s, %.0f%% of the limit of %s bytes (%s); Inngest refuses more",
                kind,
                name,
                sizes,
                100 * size / limit,
                f"{limit:,}",
                setting,
            )
        return size

    def _first_warning(self, kind: str, name: str) -> bool:
        with self._lock:
            if (kind, name) in self._warned:
                return False
            if len(self._warned) >= _REMEMBERED_WARNINGS:
                self._warned.clear()
            self._warned.add((kind, name))
            return True


_SETTINGS = {
    "step output": "max_step_output_bytes",
    "function output": "max_step_output_bytes",
    "event": "max_event_bytes",
    "run state": "max_run_state_bytes",
}
