"""A record of every byte the SDK sent to the stand-in server."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class Exchange:
    """One message from the SDK: what it was (``kind``), where it went, its body."""

    kind: str
    target: str
    body: bytes


class Recorder:
    """Thread-safe list of [`Exchange`][] objects, in arrival order."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._exchanges: list[Exchange] = []

    def record(self, kind: str, target: str, body: bytes) -> None:
        with self._lock:
            self._exchanges.append(Exchange(kind, target, body))

    @property
    def exchanges(self) -> list[Exchange]:
        with self._lock:
            return list(self._exchanges)

    def __iter__(self) -> Iterator[Exchange]:
        return iter(self.exchanges)

    def __len__(self) -> int:
        with self._lock:
            return len(self._exchanges)

    def clear(self) -> None:
        with self._lock:
            self._exchanges.clear()


def assert_no_plaintext(recorder: Recorder, *secrets: str | bytes) -> None:
    """Fail if any secret appears in any recorded byte the SDK sent.

    Each secret is searched as UTF-8 and as it would appear JSON-escaped, so a
    value cannot slip through because the SDK wrote it as ``\\u00e9``.
    """
    import json

    needles: list[tuple[bytes, int]] = []
    for index, secret in enumerate(secrets):
        text = secret.decode("utf-8") if isinstance(secret, bytes) else secret
        if not text:
            raise ValueError("an empty secret matches everything")
        for form in {text, json.dumps(text)[1:-1], json.dumps(text, ensure_ascii=False)[1:-1]}:
            needles.append((form.encode("utf-8"), index))
    leaks = [
        f"secret #{index} found in {exchange.kind} to {exchange.target}"
        for exchange in recorder
        for needle, index in needles
        if needle in exchange.body
    ]
    if leaks:
        raise AssertionError("plaintext reached the server: " + "; ".join(sorted(set(leaks))))
