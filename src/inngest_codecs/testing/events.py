"""The events the stand-in received, in arrival order, each given an id and a timestamp."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Mapping, Sequence
from typing import Any


class EventLog:
    """Thread-safe store of events, as Inngest stores them: with ``id``, ``ts`` and ``data``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._events: list[dict[str, Any]] = []
        self._ids = itertools.count(1)

    def stamp(self, event: Mapping[str, Any]) -> dict[str, Any]:
        """A copy of ``event`` with an id, a timestamp and data where it has none."""
        stamped = dict(event)
        stamped.setdefault("id", f"evt-{next(self._ids)}")
        stamped.setdefault("ts", int(time.time() * 1000))
        stamped.setdefault("data", {})
        return stamped

    def receive(self, events: Sequence[Any]) -> list[str]:
        """Store ``events`` (a non-object becomes the data of a nameless event); their ids."""
        with self._lock:
            stored = [
                self.stamp(raw if isinstance(raw, dict) else {"name": "", "data": raw})
                for raw in events
            ]
            self._events.extend(stored)
        return [str(event["id"]) for event in stored]

    def all(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._events)

    def latest(self, name: str) -> dict[str, Any] | None:
        """The newest event called ``name``."""
        with self._lock:
            return next((e for e in reversed(self._events) if e.get("name") == name), None)

    def find(self, event_id: str) -> dict[str, Any] | None:
        """The stored event with id ``event_id`` itself (not a copy: changes to it stay)."""
        with self._lock:
            return next((e for e in self._events if str(e.get("id")) == event_id), None)
