"""The stand-in's runner: one function run driven over HTTP until it completes or fails.

It memoizes what each step returns and calls the app again, the way Inngest's
executor does, for the opcodes the Python SDK emits.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import httpx

from .signing import call_request

if TYPE_CHECKING:
    from .standin import StandIn

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
    _execution: _Execution | None = field(default=None, repr=False, compare=False)

    @property
    def completed(self) -> bool:
        return self.status == "completed"

    @property
    def running(self) -> bool:
        return self.status == "running"


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
        return call_request(
            self.batch,
            steps=self.run.steps,
            run_id=self.run.run_id,
            attempt=self.attempt,
            max_attempts=self.stand_in.max_attempts,
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
        elif kind == "AIGateway":
            # Inngest would call the model with the request in ``opts``; the
            # stand-in makes no call and memoizes a placeholder answer.
            self.store(step_id, {"data": {"stand_in": "no model was called"}})
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
