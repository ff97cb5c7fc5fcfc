"""A stand-in for the Inngest server: a test double, not an Inngest server.

It speaks just enough of the SDK protocol (``docs/SDK_SPEC.md`` in
``inngest/inngest``) to drive the real ``inngest`` SDK over real HTTP on
loopback: an event API that receives what clients send, and a runner that
calls an app's serve endpoint with signed requests, memoizes what each step
returns and calls again until the function finishes. The same address answers
REST API lookups of runs and events (`rest_api`).
Everything the SDK sends is kept in a [`Recorder`][].

It does not schedule, persist, rate-limit, evaluate ``if`` expressions or
sleep; a ``step.sleep`` resolves at once and ``step.wait_for_event`` resolves
with the newest received event of that name (or times out when there is none).
"""

from __future__ import annotations

import itertools
import json
import threading
import time
import uuid
from collections.abc import Mapping, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import jcs

from .recorder import Recorder
from .rest_api import RestAPI
from .runner import FAILED_EVENT, INVOKED_EVENT, Run, _Execution
from .signing import sign
from .storage import StoredValues

DEFAULT_SIGNING_KEY = "signkey-test-" + "0f" * 32
DEFAULT_EVENT_KEY = "stand-in-event-key"
REALTIME_PUBLISH = "/v1/realtime/publish"


class _EventAPI(BaseHTTPRequestHandler):
    server: _EventServer

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length") or 0))
        stand_in = self.server.stand_in
        stand_in.recorder.record("event", self.path, body)
        if self.path.startswith(REALTIME_PUBLISH):  # recorded above, as Inngest would take it
            self._reply(200, {})
            return
        if self.path.rstrip("/") != f"/e/{stand_in.event_key}":
            self._reply(401, {"error": "unknown event key", "status": 401})
            return
        try:
            payload = json.loads(body)
        except ValueError:
            self._reply(400, {"error": "body is not JSON", "status": 400})
            return
        events = payload if isinstance(payload, list) else [payload]
        self._reply(200, {"ids": stand_in._receive(events), "status": 200})

    def do_GET(self) -> None:
        self._reply(*self.server.stand_in.rest_api.answer(self.path, self.headers["authorization"]))

    def _reply(self, status: int, payload: object) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _EventServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # the default of 5 refuses bursts of concurrent sends

    def __init__(self, stand_in: StandIn) -> None:
        super().__init__(("127.0.0.1", 0), _EventAPI)
        self.stand_in = stand_in


class StandIn(StoredValues):
    """The event API and runner. Use as a context manager, or ``start()``/``stop()``.

    Its storage can be tampered with (`StoredValues`: moving values between places).
    """

    def __init__(
        self,
        *,
        signing_key: str = DEFAULT_SIGNING_KEY,
        event_key: str = DEFAULT_EVENT_KEY,
        max_attempts: int = 3,
        max_requests: int = 500,
    ) -> None:
        self.signing_key = signing_key
        self.event_key = event_key
        self.max_attempts = max_attempts
        self.max_requests = max_requests
        self.recorder = Recorder()
        self.rest_api = RestAPI(self)
        self._events: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._server: _EventServer | None = None
        self._http = httpx.Client(timeout=60)

    # Lifecycle ---------------------------------------------------------------

    def start(self) -> StandIn:
        self._server = _EventServer(self)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        self._http.close()

    def __enter__(self) -> StandIn:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """Base URL of the event API."""
        if self._server is None:
            raise RuntimeError("the stand-in is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def client_options(self) -> dict[str, Any]:
        """Keyword arguments for ``inngest.Inngest`` that point a client here."""
        return {
            "event_api_base_url": self.url,
            "api_base_url": self.url,
            "event_key": self.event_key,
            "signing_key": self.signing_key,
            "is_production": True,
        }

    # Event API ---------------------------------------------------------------

    def _receive(self, events: Sequence[Any]) -> list[str]:
        ids = []
        with self._lock:
            for raw in events:
                event = dict(raw) if isinstance(raw, dict) else {"name": "", "data": raw}
                event.setdefault("id", f"evt-{next(self._ids)}")
                event.setdefault("ts", int(time.time() * 1000))
                event.setdefault("data", {})
                self._events.append(event)
                ids.append(str(event["id"]))
        return ids

    @property
    def events(self) -> list[dict[str, Any]]:
        """Every event received, as stored."""
        with self._lock:
            return list(self._events)

    def _stored_events(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._events)

    def latest_event(self, name: str) -> dict[str, Any] | None:
        with self._lock:
            return next((e for e in reversed(self._events) if e.get("name") == name), None)

    # Runner ------------------------------------------------------------------

    def call(
        self,
        app_url: str,
        function_id: str,
        payload: Mapping[str, Any],
        *,
        step_id: str | None = None,
        timestamp: int | None = None,
        signing_key: str | None = None,
        signed: bool = True,
    ) -> httpx.Response:
        """One call request to an app, signed like Inngest signs it."""
        body = jcs.canonicalize(payload)
        headers = {"content-type": "application/json", "x-inngest-server-kind": "cloud"}
        if signed:
            stamp = int(time.time()) if timestamp is None else timestamp
            headers["x-inngest-signature"] = sign(body, signing_key or self.signing_key, stamp)
        params = {"fnId": function_id, "stepId": step_id or "step"}
        return self._http.post(app_url, params=params, content=body, headers=headers)

    def run(
        self,
        app_url: str,
        function_id: str,
        events: Mapping[str, Any] | Sequence[Mapping[str, Any]],
        *,
        max_calls: int | None = None,
    ) -> Run:
        """Run a function until it completes or fails, and return what was stored.

        ``events`` is the triggering event (or a batch). With ``max_calls``,
        stop after that many call requests and return a run still
        ``running``; [`resume`][] carries it on, against the same app or a
        redeployed one.
        """
        batch = [dict(events)] if isinstance(events, Mapping) else [dict(e) for e in events]
        for event in batch:
            event.setdefault("id", f"evt-{next(self._ids)}")
            event.setdefault("ts", int(time.time() * 1000))
            event.setdefault("data", {})
        run = Run(run_id=uuid.uuid4().hex, function_id=function_id, status="running", events=batch)
        run._execution = _Execution(self, run, batch)
        self.rest_api.register(run, batch)
        run._execution.drive(app_url, max_calls)
        self.rest_api.settle(run)
        return run

    def run_on_failure(self, app_url: str, failure_function_id: str, failed: Run) -> Run:
        """Run a function's ``on_failure`` handler for a failed run, as Inngest does.

        The handler is triggered by an ``inngest/function.failed`` event holding
        the run's error and its original triggering event; the event is stored.
        """
        if failed.status != "failed":
            raise ValueError("only a failed run triggers on_failure")
        event = {
            "name": FAILED_EVENT,
            "data": {
                "error": failed.error,
                "event": failed.events[0] if failed.events else {},
                "function_id": failed.function_id,
                "run_id": failed.run_id,
            },
        }
        self._receive([event])
        return self.run(app_url, failure_function_id, event)

    def cancel(self, run: Run) -> Run:
        """Stop a running run, as a matching ``cancel_on`` event makes Inngest do."""
        if run.running:
            run.status = "cancelled"
        return run

    def resume(self, app_url: str, run: Run, *, max_calls: int | None = None) -> Run:
        """Continue a run stopped by ``max_calls``, calling ``app_url`` from now on."""
        if run._execution is None or not run.running:
            raise ValueError("only a run that is still running can be resumed")
        run._execution.drive(app_url, max_calls)
        self.rest_api.settle(run)
        return run


__all__ = ["INVOKED_EVENT", "Run", "StandIn"]
