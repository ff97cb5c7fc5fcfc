"""A stand-in for the Inngest server: a test double, not an Inngest server.

It speaks just enough of the SDK protocol (``docs/SDK_SPEC.md`` in
``inngest/inngest``) to drive the real ``inngest`` SDK over real HTTP on
loopback: an event API that receives what clients send, and a runner that
calls an app's serve endpoint with signed requests, memoizes what each step
returns and calls again until the function finishes. The same address answers
REST API lookups of runs and events (`rest_api`). Its parts depend one way:
``standin`` -> ``storage``, ``rest_api`` -> ``runner`` -> ``events``, ``recorder``, ``signing``.
Everything the SDK sends is kept in a [`Recorder`][].

It does not schedule, persist, rate-limit, evaluate ``if`` expressions or
sleep; a ``step.sleep`` resolves at once and ``step.wait_for_event`` resolves
with the newest received event of that name (or times out when there is none).
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from .events import EventLog
from .recorder import Recorder
from .rest_api import RestAPI
from .runner import INVOKED_EVENT, Run
from .serving import POLL_INTERVAL
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
        super().__init__(
            EventLog(),
            Recorder(),
            signing_key=signing_key,
            max_attempts=max_attempts,
            max_requests=max_requests,
        )
        self.event_key = event_key
        self.rest_api = RestAPI(self)
        self._server: _EventServer | None = None

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
        self.close()

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

    @property
    def events(self) -> list[dict[str, Any]]:
        """Every event received, as stored."""
        return self.event_log.all()

    def latest_event(self, name: str) -> dict[str, Any] | None:
        return self.event_log.latest(name)


__all__ = ["INVOKED_EVENT", "Run", "StandIn"]
