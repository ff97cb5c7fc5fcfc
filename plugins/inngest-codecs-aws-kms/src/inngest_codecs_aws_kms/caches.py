"""The two data-key caches: one data key in use for encryption, unwrapped keys for decryption.

Both hold keys only inside ``AESGCM`` objects, and neither has a repr that
shows them. A data key stops encrypting once it is ``max_age`` seconds old or
has sealed ``max_values`` values or ``max_bytes`` bytes; an unwrapped key is
forgotten after ``max_age`` seconds too, so disabling a KMS key stops this
process from opening values within that time.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import NamedTuple

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

Clock = Callable[[], float]


class DataKey(NamedTuple):
    """A data key ready to seal values: its cipher, and the header and associated data."""

    aead: AESGCM
    header: bytes
    aad: bytes

    def __repr__(self) -> str:
        return "DataKey(...)"


class _InUse:
    __slots__ = ("born", "bytes", "key", "values")

    def __init__(self, key: DataKey, born: float) -> None:
        self.key, self.born, self.values, self.bytes = key, born, 0, 0


class EncryptionKeyCache:
    """The data key that encrypts now, replaced when any of its limits is reached.

    A new key is made under the lock, so concurrent callers wait for one
    ``GenerateDataKey`` instead of each making their own.
    """

    def __init__(
        self, max_age: float, max_values: int, max_bytes: int, clock: Clock = time.monotonic
    ) -> None:
        self.max_age, self.max_values, self.max_bytes = max_age, max_values, max_bytes
        self._clock = clock
        self._lock = threading.Lock()
        self._current: _InUse | None = None

    def reserve(self, size: int, make: Callable[[], DataKey]) -> DataKey:
        """The data key to seal ``size`` more bytes with, counted against its limits."""
        with self._lock:
            now = self._clock()
            current = self._current
            if (
                current is None
                or now - current.born >= self.max_age
                or current.values >= self.max_values
                or current.bytes + size > self.max_bytes
            ):
                current = self._current = _InUse(make(), now)
            current.values += 1
            current.bytes += size
            return current.key

    def __repr__(self) -> str:
        return f"<EncryptionKeyCache max_age={self.max_age} max_values={self.max_values}>"


class DecryptionKeyCache:
    """Opened data keys by value header, least recently used first out, each for ``max_age``.

    The header holds the key ARN and the wrapped key, so one header is one data key.
    """

    def __init__(self, capacity: int, max_age: float, clock: Clock = time.monotonic) -> None:
        self.capacity, self.max_age = capacity, max_age
        self._clock = clock
        self._lock = threading.Lock()
        self._items: OrderedDict[bytes, tuple[DataKey, float]] = OrderedDict()

    def get(self, header: bytes) -> DataKey | None:
        with self._lock:
            found = self._items.get(header)
            if found is None:
                return None
            if self._clock() - found[1] >= self.max_age:
                del self._items[header]
                return None
            self._items.move_to_end(header)
            return found[0]

    def put(self, key: DataKey) -> None:
        with self._lock:
            self._items[key.header] = (key, self._clock())
            self._items.move_to_end(key.header)
            while len(self._items) > self.capacity:
                self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f"<DecryptionKeyCache {len(self._items)}/{self.capacity} keys>"
