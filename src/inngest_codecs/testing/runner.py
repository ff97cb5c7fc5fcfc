"""The stand-in's runner: function runs driven over HTTP until they complete or fail.

It memoizes what each step returns and calls the app again, the way Inngest's
executor does, for the opcodes the Python SDK emits.
"""

from __future__ import annotations

import functools
import ssl
import threading
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
import jcs

from .events import EventLog
from .recorder import Recorder
from .signing import call_request, sign

INVOKED_EVENT = "inngest/function.invoked"
FAILED_EVENT = "inngest/function.failed"


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
    events: list[dict[str, Any]] = field(default_factory=list)
    started_at: float = field(default_factory=time.time, compare=False)
    """When the run started (seconds since the epoch)."""
    ended_at: float | None = field(default=None, compare=False)
    """When the run stopped running, or None while it runs."""
    _execution: _Execution | None = field(default=None, repr=False, compare=False)

    @property
    def completed(self) -> bool:
        return self.status == "completed"

    @property
    def running(self) -> bool:
        return self.status == "running"


@functools.cache
def _tls() -> ssl.SSLContext:
    """One TLS context for every runner: loading the CA certificates is most of a client's cost."""
    return ssl.create_default_context()


class Runner:
    """Calls an app with signed requests, the way Inngest's executor does, and keeps its runs."""

    def __init__(
        self,
        event_log: EventLog,
        recorder: Recorder,
        *,
        signing_key: str,
        max_attempts: int,
        max_requests: int,
    ) -> None:
        self.event_log = event_log
        self.recorder = recorder
        self.signing_key = signing_key
        self.max_attempts = max_attempts
        self.max_requests = max_requests
        self._runs: dict[str, Run] = {}
        self._lock = threading.Lock()
        self._http = httpx.Client(timeout=60, verify=_tls())

    def close(self) -> None:
        self._http.close()

    @property
    def runs(self) -> list[Run]:
        """Every run started, in starting order."""
        with self._lock:
            return list(self._runs.values())

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
        listed = [events] if isinstance(events, Mapping) else list(events)
        batch = [self.event_log.stamp(event) for event in listed]
        run = Run(run_id=uuid.uuid4().hex, function_id=function_id, status="running", events=batch)
        return self.launch(app_url, run, max_calls=max_calls)

    def launch(
        self,
        app_url: str,
        run: Run,
        *,
        memoized: Sequence[str] = (),
        max_calls: int | None = None,
    ) -> Run:
        """Drive a new ``run``, whose steps already hold memos under the ids in ``memoized``
        (in the order they were stored)."""
        run._execution = _Execution(self, run, run.events)
        run._execution.stack = list(memoized)
        with self._lock:
            self._runs[run.run_id] = run
        return self.resume(app_url, run, max_calls=max_calls)

    def resume(self, app_url: str, run: Run, *, max_calls: int | None = None) -> Run:
        """Continue a run stopped by ``max_calls``, calling ``app_url`` from now on."""
        if run._execution is None or not run.running:
            raise ValueError("only a run that is still running can be resumed")
        run._execution.drive(app_url, max_calls)
        if not run.running:
            run.ended_at = time.time()
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
        self.event_log.receive([event])
        return self.run(app_url, failure_function_id, event)

    def cancel(self, run: Run) -> Run:
        """Stop a running run, as a matching ``cancel_on`` event makes Inngest do."""
        if run.running:
            run.status = "cancelled"
        return run


class _Execution:
    """The request loop of one run."""

    def __init__(self, runner: Runner, run: Run, batch: list[dict[str, Any]]) -> None:
        self.runner = runner
        self.app_url = ""
        self.run = run
        self.batch = batch
        self.stack: list[str] = []
        self.attempt = 0
        self.planned: list[str] = []
        self.disable_immediate = False

    def payload(self) -> dict[str, Any]:
        return call_request(
            self.batch,
            steps=self.run.steps,
            run_id=self.run.run_id,
            attempt=self.attempt,
            max_attempts=self.runner.max_attempts,
            stack=self.stack,
            disable_immediate_execution=self.disable_immediate,
        )

    def drive(self, app_url: str, max_calls: int | None) -> None:
        self.app_url = app_url
        calls = 0
        while self.run.status == "running":
            if max_calls is not None and calls >= max_calls:
                return
            calls += 1
            if self.run.requests >= self.runner.max_requests:
                raise RuntimeError(f"run {self.run.run_id} did not finish")
            step_id = self.planned.pop(0) if self.planned else None
            self.run.requests += 1
            response = self.runner.call(
                self.app_url, self.run.function_id, self.payload(), step_id=step_id
            )
            self.runner.recorder.record("response", self.run.function_id, response.content)
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
        if self.attempt >= self.runner.max_attempts:
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
                step_id, self.runner.event_log.latest(str(opts.get("event") or op.get("name")))
            )
        elif kind == "InvokeFunction":
            self.store(step_id, self.invoke(op.get("opts") or {}))
        elif kind == "StepError":
            self.retry(op.get("error"))
        elif kind == "StepFailed":
            self.store(step_id, {"error": op.get("error")})
        elif kind == "AIGateway":
            # Inngest would call the model with the request in ``opts``; the
            # stand-in makes no call and memoizes a placeholder answer.
            self.store(step_id, {"data": {"stand_in": "no model was called"}})
        else:
            raise RuntimeError(f"the stand-in does not support the {kind!r} opcode")

    def invoke(self, opts: Mapping[str, Any]) -> dict[str, Any]:
        payload = opts.get("payload") or {}
        event = {"name": INVOKED_EVENT, "data": payload.get("data") or {}}
        self.runner.event_log.receive([event])  # stored, as Inngest stores invocation events
        child = self.runner.run(self.app_url, str(opts.get("function_id")), event)
        if child.completed:
            return {"data": child.output}
        return {"error": child.error}


def _json_or_text(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return response.text
