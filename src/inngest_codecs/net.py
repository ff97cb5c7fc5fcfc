"""Small rules shared by the package's HTTP clients (the REST lookups, ``--codec-endpoint``):
which hosts count as this machine, and reading an answer without trusting its size."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})


class Streamed(Protocol):
    def iter_bytes(self) -> Iterator[bytes]: ...


def read_capped(response: Streamed, limit: int) -> bytes | None:
    """The body of a streamed answer, or ``None`` once it exceeds ``limit`` bytes."""
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)
