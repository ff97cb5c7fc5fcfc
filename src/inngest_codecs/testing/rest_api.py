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
import time
from datetime import datetime, timezone
from typing import Any

from ..for_inngest.rest_api import hashed_signing_key
from .runner import Run, Runner

ENVIRONMENT_ID = "00000000-0000-4000-8000-000000000001"
_ROUTES = (
    (re.compile(r"/v1/runs/([^/]+)"), "run"),
    (re.compile(r"/v1/events/([^/]+)"), "event"),
    (re.compile(r"/v1/events/([^/]+)/runs"), "event_runs"),
)
_STATUS = {"running": "Running", "completed": "Completed", "failed": "Failed"}


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, timezone.utc).isoformat().replace("+00:00", "Z")


def _event_ids(run: Run) -> list[str]:
    return [str(event.get("id")) for event in run.events]


def shape_run(run: Run) -> dict[str, Any]:
    """The run as Inngest's v1 API shows it; a failed run's output is its error."""
    event_ids = _event_ids(run)
    shaped: dict[str, Any] = {
        "run_id": run.run_id,
        "run_started_at": _iso(run.started_at),
        "function_id": run.function_id,
        "function_version": 1,
        "environment_id": ENVIRONMENT_ID,
        "event_id": event_ids[0] if event_ids else None,
        "status": _STATUS.get(run.status, run.status.capitalize()),
        "ended_at": _iso(run.ended_at) if run.ended_at is not None else None,
        "output": run.error if run.status == "failed" else run.output,
    }
    if len(event_ids) > 1:
        shaped["batch_id"] = f"batch-{run.run_id}"
    return shaped


class RestAPI:
    """Answers the v1 lookups from a runner's runs and events."""

    def __init__(self, runner: Runner) -> None:
        self._runner = runner

    def answer(self, path: str, authorization: str | None) -> tuple[int, dict[str, Any]]:
        """``(status, body)`` for a GET of ``path``."""
        expected = f"Bearer {hashed_signing_key(self._runner.signing_key)}"
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
        runs = self._runner.runs
        if kind == "run":
            run = next((r for r in runs if r.run_id == identifier), None)
            return shape_run(run) if run is not None else None
        event = self._runner.event_log.find(identifier)
        if event is None:
            return None
        if kind == "event_runs":
            return [shape_run(r) for r in runs if identifier in _event_ids(r)]
        ts = event.get("ts")
        received = ts / 1000 if isinstance(ts, (int, float)) else time.time()
        return {"internal_id": identifier, "received_at": _iso(received), **event}
