"""A stand-in for the Inngest server: a test double, not an Inngest server.

It speaks just enough of the SDK protocol (``docs/SDK_SPEC.md`` in
``inngest/inngest``) to drive the real ``inngest`` SDK over real HTTP on
loopback: an event API that receives what clients send, and a runner that
calls an app's serve endpoint with signed requests, memoizes what each step
returns and calls again until the function finishes. The same address answers
REST API lookups of runs and events (`rest_api`). Its parts depend one way:
``standin`` -> ``rest_api`` -> ``runner`` -> ``events``, ``recorder``, ``signing``.
Everything the SDK sends is kept in a [`Recorder`][].

It does not schedule, persist, rate-limit, evaluate ``if`` expressions or
sleep; a ``step.sleep`` resolves at once and ``step.wait_for_event`` resolves
with the newest received event of that name (or times out when there is none).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

from .events import EventLog
from .recorder import Recorder
from .rest_api import RestAPI
from .runner import FAILED_EVENT, INVOKED_EVENT, Run, Runner
from .serving import POLL_INTERVAL

DEFAULT_SIGNING_KEY = "signkey-test-" + "0f" * 32
DEFAULT_EVENT_KEY = "stand-in-event-key"


class _EventAPI(BaseHTTPRequestHandler):
    server: _EventServer

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length") or 0))
        stand_in = self.server.stand_in
        stand_in.recorder.record("event", self.path, body)
        if self.path.rstrip("/") != f"/e/{stand_in.event_key}":
            self._reply(401, {"error": "unknown event key", "status": 401})
            return
        try:
            payload = json.loads(body)
        except ValueError:
            self._reply(400, {"error": "body is not JSON", "status": 400})
            return
        events = payload if isinstance(payload, list) else [payload]
        self._reply(200, {"ids": stand_in.event_log.receive(events), "status": 200})

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


class StandIn:
    """The event API and runner. Use as a context manager, or ``start()``/``stop()``."""

    def __init__(
        self,
        *,
        signing_key: str = DEFAULT_SIGNING_KEY,
        event_key: str = DEFAULT_EVENT_KEY,
        max_attempts: int = 3,
        max_requests: int = 500,
    ) -> None:
        self.event_key = event_key
        self.recorder = Recorder()
        self.event_log = EventLog()
        self.runner = Runner(
            self.event_log,
            self.recorder,
            signing_key=signing_key,
            max_attempts=max_attempts,
            max_requests=max_requests,
        )
        self.rest_api = RestAPI(self.runner, self.event_log)
        self._server: _EventServer | None = None

    @property
    def signing_key(self) -> str:
        return self.runner.signing_key

    # Lifecycle ---------------------------------------------------------------

    def start(self) -> StandIn:
        self._server = _EventServer(self)
        threading.Thread(
            target=self._server.serve_forever, args=(POLL_INTERVAL,), daemon=True
        ).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        self.runner.close()

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

    @property
    def events(self) -> list[dict[str, Any]]:
        """Every event received, as stored."""
        return self.event_log.all()

    def latest_event(self, name: str) -> dict[str, Any] | None:
        return self.event_log.latest(name)

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
        return self.runner.call(
            app_url,
            function_id,
            payload,
            step_id=step_id,
            timestamp=timestamp,
            signing_key=signing_key,
            signed=signed,
        )

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
        return self.runner.run(app_url, function_id, events, max_calls=max_calls)

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
        self.event_log.receive([event])
        return self.run(app_url, failure_function_id, event)

    def cancel(self, run: Run) -> Run:
        """Stop a running run, as a matching ``cancel_on`` event makes Inngest do."""
        if run.running:
            run.status = "cancelled"
        return run

    def resume(self, app_url: str, run: Run, *, max_calls: int | None = None) -> Run:
        """Continue a run stopped by ``max_calls``, calling ``app_url`` from now on."""
        return self.runner.resume(app_url, run, max_calls=max_calls)


__all__ = ["INVOKED_EVENT", "Run", "StandIn"]
