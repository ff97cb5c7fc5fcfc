"""A stand-in for the Inngest server: a test double, not an Inngest server.

It speaks just enough of the SDK protocol (``docs/SDK_SPEC.md`` in
``inngest/inngest``) to drive the real ``inngest`` SDK over real HTTP on
loopback: an event API that receives what clients send, and a runner that
calls an app's serve endpoint with signed requests, memoizes what each step
returns and calls again until the function finishes. Everything the SDK sends
is kept in a :class:`~inngest_codecs.testing.recorder.Recorder`.

It does not schedule, persist, rate-limit, evaluate ``if`` expressions or
sleep; a ``step.sleep`` resolves at once and ``step.wait_for_event`` resolves
with the newest received event of that name (or times out when there is none).
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import threading
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import jcs

from .recorder import Recorder

DEFAULT_SIGNING_KEY = "signkey-test-" + "0f" * 32
DEFAULT_EVENT_KEY = "stand-in-event-key"
INVOKED_EVENT = "inngest/function.invoked"


def sign(body: bytes, signing_key: str, timestamp: int) -> str:
    """The ``X-Inngest-Signature`` value for a canonical JSON body."""
    secret = signing_key.split("-", 2)[2] if signing_key.startswith("signkey-") else signing_key
    mac = hmac.new(secret.encode("utf-8"), body, hashlib.sha256)
    mac.update(str(timestamp).encode("ascii"))
    return f"t={timestamp}&s={mac.hexdigest()}"


@dataclass
class Run:
    """The outcome of one function run, as the stand-in stored it."""

    run_id: str
    function_id: str
    status: str
    output: Any = None
    error: Any = None
    steps: dict[str, Any] = field(default_factory=dict)
    requests: int = 0
    _execution: _Execution | None = field(default=None, repr=False, compare=False)

    @property
    def completed(self) -> bool:
        return self.status == "completed"

    @property
    def running(self) -> bool:
        return self.status == "running"


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
        self._reply(200, {"ids": stand_in._receive(events), "status": 200})

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
        self.signing_key = signing_key
        self.event_key = event_key
        self.max_attempts = max_attempts
        self.max_requests = max_requests
        self.recorder = Recorder()
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
        ``running``; :meth:`resume` carries it on, against the same app or a
        redeployed one.
        """
        batch = [dict(events)] if isinstance(events, Mapping) else [dict(e) for e in events]
        for event in batch:
            event.setdefault("id", f"evt-{next(self._ids)}")
            event.setdefault("ts", int(time.time() * 1000))
            event.setdefault("data", {})
        run = Run(run_id=uuid.uuid4().hex, function_id=function_id, status="running")
        run._execution = _Execution(self, run, batch)
        run._execution.drive(app_url, max_calls)
        return run

    def resume(self, app_url: str, run: Run, *, max_calls: int | None = None) -> Run:
        """Continue a run stopped by ``max_calls``, calling ``app_url`` from now on."""
        if run._execution is None or not run.running:
            raise ValueError("only a run that is still running can be resumed")
        run._execution.drive(app_url, max_calls)
        return run


class _Execution:
    """The request loop of one run."""

    def __init__(self, stand_in: StandIn, run: Run, batch: list[dict[str, Any]]) -> None:
        self.stand_in = stand_in
        self.app_url = ""
        self.run = run
        self.batch = batch
        self.stack: list[str] = []
        self.attempt = 0
        self.planned: list[str] = []
        self.disable_immediate = False

    def payload(self) -> dict[str, Any]:
        return {
            "ctx": {
                "attempt": self.attempt,
                "disable_immediate_execution": self.disable_immediate,
                "max_attempts": self.stand_in.max_attempts,
                "run_id": self.run.run_id,
                "stack": {"stack": self.stack},
            },
            "event": self.batch[0],
            "events": self.batch,
            "steps": self.run.steps,
            "use_api": False,
        }

    def drive(self, app_url: str, max_calls: int | None) -> None:
        self.app_url = app_url
        calls = 0
        while self.run.status == "running":
            if max_calls is not None and calls >= max_calls:
                return
            calls += 1
            if self.run.requests >= self.stand_in.max_requests:
                raise RuntimeError(f"run {self.run.run_id} did not finish")
            step_id = self.planned.pop(0) if self.planned else None
            self.run.requests += 1
            response = self.stand_in.call(
                self.app_url, self.run.function_id, self.payload(), step_id=step_id
            )
            self.stand_in.recorder.record("response", self.run.function_id, response.content)
            self.handle(response)

    def handle(self, response: httpx.Response) -> None:
        if response.status_code == 200:
            self.run.status, self.run.output = "completed", response.json()
        elif response.status_code == 206:
            for op in response.json():
                self.memoize(op)
        elif response.headers.get("x-inngest-no-retry") == "true" or response.status_code < 500:
            self.run.status, self.run.error = "failed", _json_or_text(response)
        else:
            self.retry(_json_or_text(response))

    def retry(self, error: Any) -> None:
        self.attempt += 1
        if self.attempt >= self.stand_in.max_attempts:
            self.run.status, self.run.error = "failed", error

    def store(self, step_id: str, value: Any) -> None:
        self.run.steps[step_id] = value
        self.stack.append(step_id)
        self.attempt = 0

    def memoize(self, op: Mapping[str, Any]) -> None:
        kind, step_id = op.get("op"), str(op.get("id"))
        if kind == "StepRun":
            self.store(step_id, {"data": op.get("data")})
        elif kind == "StepPlanned":
            self.disable_immediate = True
            self.planned.append(step_id)
        elif kind == "Sleep":
            self.store(step_id, None)
        elif kind == "WaitForEvent":
            opts = op.get("opts") or {}
            self.store(
                step_id, self.stand_in.latest_event(str(opts.get("event") or op.get("name")))
            )
        elif kind == "InvokeFunction":
            self.store(step_id, self.invoke(op.get("opts") or {}))
        elif kind == "StepError":
            self.retry(op.get("error"))
        elif kind == "StepFailed":
            self.store(step_id, {"error": op.get("error")})
        else:
            raise RuntimeError(f"the stand-in does not support the {kind!r} opcode")

    def invoke(self, opts: Mapping[str, Any]) -> dict[str, Any]:
        payload = opts.get("payload") or {}
        event = {"name": INVOKED_EVENT, "data": payload.get("data") or {}}
        self.stand_in._receive([event])  # stored, as Inngest stores invocation events
        child = self.stand_in.run(self.app_url, str(opts.get("function_id")), event)
        if child.completed:
            return {"data": child.output}
        return {"error": child.error}


def _json_or_text(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return response.text
