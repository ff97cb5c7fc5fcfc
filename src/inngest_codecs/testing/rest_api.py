"""The stand-in's REST API (v1): runs and events looked up by id, in Inngest Cloud's shapes.

    GET /v1/runs/{run_id}          {"data": run, "metadata": {...}}
    GET /v1/events/{event_id}      {"data": event, "metadata": {...}}
    GET /v1/events/{event_id}/runs {"data": [run, ...], "metadata": {...}}

Every request needs ``Authorization: Bearer <hashed signing key>``: the hex SHA-256
of the stand-in's signing key, the form the SDKs send; the raw key is refused.
What is served is what the stand-in stored: event data and run outputs exactly
as the SDK sent them (encrypted, when the app encrypts).
"""

from __future__ import annotations

import hmac
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from ..for_inngest.rest_api import hashed_signing_key
from .runner import Run

if TYPE_CHECKING:
    from .standin import StandIn

ENVIRONMENT_ID = "00000000-0000-4000-8000-000000000001"
_ROUTES = (
    (re.compile(r"/v1/runs/([^/]+)"), "run"),
    (re.compile(r"/v1/events/([^/]+)"), "event"),
    (re.compile(r"/v1/events/([^/]+)/runs"), "event_runs"),
)
_STATUS = {"running": "Running", "completed": "Completed", "failed": "Failed"}


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, timezone.utc).isoformat().replace("+00:00", "Z")


@dataclass
class _RunRecord:
    run: Run
    event_ids: list[str]
    started_at: float = field(default_factory=time.time)
    ended_at: float | None = None

    def shape(self) -> dict[str, Any]:
        """The run as Inngest's v1 API shows it; a failed run's output is its error."""
        run = self.run
        shaped: dict[str, Any] = {
            "run_id": run.run_id,
            "run_started_at": _iso(self.started_at),
            "function_id": run.function_id,
            "function_version": 1,
            "environment_id": ENVIRONMENT_ID,
            "event_id": self.event_ids[0] if self.event_ids else None,
            "status": _STATUS.get(run.status, run.status.capitalize()),
            "ended_at": _iso(self.ended_at) if self.ended_at is not None else None,
            "output": run.error if run.status == "failed" else run.output,
        }
        if len(self.event_ids) > 1:
            shaped["batch_id"] = f"batch-{run.run_id}"
        return shaped


class RestAPI:
    """Answers the v1 lookups from the runs registered with it and the stand-in's events."""

    def __init__(self, stand_in: StandIn) -> None:
        self._stand_in = stand_in
        self._runs: dict[str, _RunRecord] = {}
        self._lock = threading.Lock()

    def register(self, run: Run, events: list[dict[str, Any]]) -> None:
        """Make ``run`` (started by ``events``) visible to lookups."""
        with self._lock:
            self._runs[run.run_id] = _RunRecord(run, [str(e.get("id")) for e in events])

    def settle(self, run: Run) -> None:
        """Record the end time of ``run`` once it is no longer running."""
        with self._lock:
            record = self._runs.get(run.run_id)
            if record is not None and not run.running and record.ended_at is None:
                record.ended_at = time.time()

    def answer(self, path: str, authorization: str | None) -> tuple[int, dict[str, Any]]:
        """``(status, body)`` for a GET of ``path``."""
        expected = f"Bearer {hashed_signing_key(self._stand_in.signing_key)}"
        if authorization is None or not hmac.compare_digest(authorization, expected):
            return 401, {"error": "unauthorized", "status": 401}
        for pattern, kind in _ROUTES:
            match = pattern.fullmatch(path.split("?", 1)[0].rstrip("/"))
            if match:
                found = self._find(kind, match.group(1))
                if found is None:
                    return 404, {"error": f"{kind.split('_')[0]} not found", "status": 404}
                return 200, {"data": found, "metadata": {"fetched_at": _iso(time.time())}}
        return 404, {"error": "no such route", "status": 404}

    def _find(self, kind: str, identifier: str) -> Any:
        with self._lock:
            records = list(self._runs.values())
        if kind == "run":
            record = next((r for r in records if r.run.run_id == identifier), None)
            return record.shape() if record is not None else None
        event = next((e for e in self._stand_in.events if str(e.get("id")) == identifier), None)
        if event is None:
            return None
        if kind == "event_runs":
            return [r.shape() for r in records if identifier in r.event_ids]
        ts = event.get("ts")
        received = ts / 1000 if isinstance(ts, (int, float)) else time.time()
        return {"internal_id": identifier, "received_at": _iso(received), **event}
