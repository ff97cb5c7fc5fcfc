"""A store whose reads can be made to hang: for testing what an app does while one does."""

from __future__ import annotations

import os
import threading

from ..errors import StoreError
from ..offload import LocalDirectoryStore, Store


class GatedStore(Store):
    """A local-directory store whose reads, once `close_gate` is called, wait for `release`.

    ``reading`` is set when a read starts waiting, so a test knows a run is stuck
    without timing anything; a read still waiting after ``timeout`` seconds fails.
    """

    name = "gated"

    def __init__(self, root: str | os.PathLike[str], *, timeout: float = 60.0) -> None:
        self._inner = LocalDirectoryStore(root)
        self._timeout = timeout
        self._gated = False
        self.reading = threading.Event()
        self._released = threading.Event()

    @classmethod
    def from_url(cls, url: str) -> GatedStore:
        raise StoreError("a GatedStore is made in code, not from a URL")

    def close_gate(self) -> None:
        """Make every read from now on wait for `release`."""
        self._gated = True

    def release(self) -> None:
        """Let the waiting reads, and every later one, through."""
        self._released.set()

    def put(self, name: str, data: bytes) -> None:
        self._inner.put(name, data)

    def get(self, name: str, size: int) -> bytes:
        if self._gated:
            self.reading.set()
            if not self._released.wait(self._timeout):
                raise StoreError(f"read of object {name} was never released")
        return self._inner.get(name, size)
