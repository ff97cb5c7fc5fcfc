"""The two data-key caches: one data key in use for encryption, unwrapped keys for decryption.

Both hold keys only inside ``AESGCM`` objects, and neither has a repr that
shows them. A data key stops encrypting once it is ``max_age`` seconds old or
has sealed ``max_values`` values or ``max_bytes`` bytes; an unwrapped key is
forgotten after ``max_age`` seconds too, so disabling a KMS key stops this
process from opening values within that time.

No lock is held while KMS is asked: a miss starts one call per data key
(`Flights`), callers of that data key wait for it, and callers of any other
data key go on. A failed call is remembered for ``failure_max_age`` seconds,
so a burst of values naming one bad data key costs one KMS call, not a queue.
"""

from __future__ import annotations

import copy
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import NamedTuple, TypeVar

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

Clock = Callable[[], float]
T = TypeVar("T")


class DataKey(NamedTuple):
    """A data key ready to seal values: its cipher, and the header and associated data."""

    aead: AESGCM
    header: bytes
    aad: bytes

    def __repr__(self) -> str:
        return "DataKey(...)"


class _Flight:
    """A call in progress; callers of the same key wait for it instead of calling too."""

    __slots__ = ("done", "error")

    def __init__(self) -> None:
        self.done = threading.Event()
        self.error: BaseException | None = None

    def wait(self) -> None:
        """Return once the call is over; raise (a copy of) its failure, if it failed."""
        self.done.wait()
        if self.error is not None:
            raise _again(self.error)


def _again(error: BaseException) -> BaseException:
    """A copy of ``error`` to raise in one more thread (so threads share no traceback)."""
    return copy.copy(error).with_traceback(None)


class Flights:
    """At most one call per key at a time; a failed call remembered for ``failure_max_age``."""

    def __init__(self, failure_max_age: float, capacity: int, clock: Clock) -> None:
        self.failure_max_age, self.capacity = failure_max_age, capacity
        self._clock = clock
        self._lock = threading.Lock()
        self._flights: dict[Hashable, _Flight] = {}
        self._failed: OrderedDict[Hashable, tuple[Exception, float]] = OrderedDict()

    def run(self, key: Hashable, lookup: Callable[[], T | None], call: Callable[[], T]) -> T:
        """What ``lookup`` finds, else what ``call`` gives (``call`` stores it for ``lookup``).

        A caller that finds a call for ``key`` in progress waits for it, then
        looks up again; no lock is held while ``call`` runs.
        """
        while True:
            with self._lock:
                found = lookup()
                if found is not None:
                    return found
                failed = self._failed.get(key)
                if failed is not None and self._clock() - failed[1] < self.failure_max_age:
                    raise _again(failed[0])
                flight = self._flights.get(key)
                if flight is None:
                    flight = self._flights[key] = _Flight()
                    break
            flight.wait()
        try:
            value = call()
        except BaseException as error:
            with self._lock:
                del self._flights[key]
                if isinstance(error, Exception):
                    self._failed[key] = (error, self._clock())
                    self._failed.move_to_end(key)
                    while len(self._failed) > self.capacity:
                        self._failed.popitem(last=False)
            # Callers waiting on an interrupted call (not a failed one) try again themselves.
            flight.error = error if isinstance(error, Exception) else None
            flight.done.set()
            raise
        with self._lock:
            del self._flights[key]
            self._failed.pop(key, None)
        flight.done.set()
        return value


class _InUse:
    __slots__ = ("born", "bytes", "key", "values")

    def __init__(self, key: DataKey, born: float) -> None:
        self.key, self.born, self.values, self.bytes = key, born, 0, 0


class EncryptionKeyCache:
    """The data key that encrypts now, replaced when any of its limits is reached.

    One ``GenerateDataKey`` at a time: concurrent callers wait for it (and share
    its failure) instead of each asking KMS.
    """

    def __init__(
        self,
        max_age: float,
        max_values: int,
        max_bytes: int,
        failure_max_age: float,
        clock: Clock = time.monotonic,
    ) -> None:
        self.max_age, self.max_values, self.max_bytes = max_age, max_values, max_bytes
        self._clock = clock
        self._lock = threading.Lock()
        self._current: _InUse | None = None
        self._flights = Flights(failure_max_age, 1, clock)

    def reserve(self, size: int, make: Callable[[], DataKey]) -> DataKey:
        """The data key to seal ``size`` more bytes with, counted against its limits."""
        return self._flights.run(None, lambda: self._count(size), lambda: self._replace(size, make))

    def _count(self, size: int) -> DataKey | None:
        with self._lock:
            current = self._current
            if (
                current is None
                or self._clock() - current.born >= self.max_age
                or current.values >= self.max_values
                or current.bytes + size > self.max_bytes
            ):
                return None
            current.values += 1
            current.bytes += size
            return current.key

    def _replace(self, size: int, make: Callable[[], DataKey]) -> DataKey:
        key = make()
        with self._lock:
            current = self._current = _InUse(key, self._clock())
            current.values, current.bytes = 1, size  # this caller's value, whatever its size
        return key

    def __repr__(self) -> str:
        return f"<EncryptionKeyCache max_age={self.max_age} max_values={self.max_values}>"


class DecryptionKeyCache:
    """Opened data keys by value header, least recently used first out, each for ``max_age``.

    The header holds the key ARN and the wrapped key, so one header is one data key.
    """

    def __init__(
        self,
        capacity: int,
        max_age: float,
        failure_max_age: float,
        clock: Clock = time.monotonic,
    ) -> None:
        self.capacity, self.max_age = capacity, max_age
        self._clock = clock
        self._lock = threading.Lock()
        self._items: OrderedDict[bytes, tuple[DataKey, float]] = OrderedDict()
        self._flights = Flights(failure_max_age, capacity, clock)

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

    def open(self, header: bytes, unwrap: Callable[[], DataKey]) -> DataKey:
        """The data key of ``header``: kept, or from ``unwrap`` (one call per header at a time)."""
        return self._flights.run(header, lambda: self.get(header), lambda: self._kept(unwrap()))

    def _kept(self, key: DataKey) -> DataKey:
        self.put(key)
        return key

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
