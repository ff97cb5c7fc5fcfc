"""The size guard applied where payloads leave a run (see `inngest_codecs.for_inngest.limits`).

Inngest refuses a step output over 4 MB, an event over its plan's limit and a
run whose state (its events and every output so far) passes 32 MB. Each check
runs on what is about to be sent, after encryption, and raises
[`PayloadTooLargeError`][inngest_codecs.errors.PayloadTooLargeError] before anything leaves.
"""

from __future__ import annotations

from typing import Any

import inngest

from .. import telemetry
from ..errors import PayloadTooLargeError
from ..for_inngest.limits import SizeGuard, encoded_size
from .opening import by_step_id

INVOKED_EVENT = "inngest/function.invoked"
"""The event an invoke payload becomes: Inngest limits it like any event."""


class RunSizes:
    """One request's view of its run's size: what it arrived with, what it sends."""

    __slots__ = ("_arrived_memos", "_function_id", "_guard", "_state")

    def __init__(self, guard: SizeGuard) -> None:
        self._guard = guard
        self._function_id = "?"
        self._state = 0
        self._arrived_memos: list[object] = []  # measured when an output is first checked

    def arrived(self, function_id: str, memos: inngest.StepMemos, events: list[Any]) -> None:
        """Note the run's state as Inngest sent it (before anything is decrypted).

        This runs on every request, and most requests send nothing that the run
        state limit applies to, so the memoized outputs are kept as they arrived
        (opening replaces them, it never changes them) and measured only when an
        output is about to leave; `encoded_size` measures an envelope from its
        fields, without encoding it.
        """
        self._function_id = function_id
        if self._guard.limits.max_run_state_bytes is None:
            return
        arrived = by_step_id(memos).values()
        self._arrived_memos = [memo.data for memo in arrived if memo.data is not None]
        self._state = sum(encoded_size(event.data) for event in events)

    def _run_state(self) -> int:
        if self._arrived_memos:
            self._state += sum(encoded_size(data) for data in self._arrived_memos)
            self._arrived_memos = []
        return self._state

    def output(self, step: Any, sent: object, plaintext: object) -> None:
        """A step's output (``step`` set) or the function's, about to leave."""
        try:
            if step is not None:
                size = self._guard.check_step_output(step.id, sent, plaintext)
            else:
                size = self._guard.check_function_output(self._function_id, sent, plaintext)
            if self._guard.limits.max_run_state_bytes is not None:
                self._guard.check_run_state(self._function_id, self._run_state() + size)
        except PayloadTooLargeError as error:
            telemetry.failed(error, "seal")
            raise

    def event(self, name: str, sent: dict[str, Any], plaintext: object) -> None:
        try:
            self._guard.check_event(name, sent, plaintext)
        except PayloadTooLargeError as error:
            telemetry.failed(error, "seal")
            raise
