"""Writing to the stand-in's storage as someone with access to Inngest's storage could.

[`StandIn`][] takes these methods: they move a stored value from one place to
another (a step's memo into another step, a function's output into an event, one
event's field into another event), so tests can check that a value opened
anywhere but where it was written is refused. They also re-run a run from a step,
which copies memoized steps into a new run, as Inngest does.

Steps are named as in code (``step.run("charge", ...)``); the n-th repeat of a
name is ``occurrence=n``, as the SDK counts them.
"""

from __future__ import annotations

import copy
import hashlib
import uuid
from typing import Any

from .runner import Run, Runner


def stored_step_id(name: str, occurrence: int = 0) -> str:
    """The id a step's memo is stored under: SHA-1 of its id, as the Python SDK hashes it."""
    raw = name if occurrence == 0 else f"{name}:{occurrence}"
    return hashlib.sha1(raw.encode("utf-8")).hexdigest()  # the SDK's scheme, not a secret


class StoredValues(Runner):
    """A runner whose stored values can be moved between places, and re-run from a step."""

    def stored_event(self, event_id: str) -> dict[str, Any]:
        """The stored event with id ``event_id`` (the stored object: changes stay)."""
        event = self.event_log.find(event_id)
        if event is None:
            raise KeyError(f"no stored event {event_id!r}")
        return event

    def move_memo(
        self,
        source: Run,
        source_step: str,
        target: Run,
        target_step: str,
        *,
        source_occurrence: int = 0,
        target_occurrence: int = 0,
    ) -> None:
        """Store a copy of ``source``'s memo of ``source_step`` as ``target``'s ``target_step``."""
        memo = source.steps[stored_step_id(source_step, source_occurrence)]
        target.steps[stored_step_id(target_step, target_occurrence)] = copy.deepcopy(memo)

    def move_output_to_event(self, run: Run, event_id: str, field: str) -> None:
        """Store a copy of ``run``'s output as ``field`` of the stored event ``event_id``."""
        self.stored_event(event_id)["data"][field] = copy.deepcopy(run.output)

    def move_event_field(
        self, source_id: str, field: str, target_id: str, target_field: str | None = None
    ) -> None:
        """Store a copy of ``field`` of event ``source_id`` in event ``target_id``."""
        value = copy.deepcopy(self.stored_event(source_id)["data"][field])
        self.stored_event(target_id)["data"][target_field or field] = value

    def move_event_to_memo(self, event_id: str, run: Run, step: str, occurrence: int = 0) -> None:
        """Store a copy of the stored event ``event_id`` as ``run``'s memo of ``step``
        (where a ``step.wait_for_event`` finds the event it waited for)."""
        run.steps[stored_step_id(step, occurrence)] = copy.deepcopy(self.stored_event(event_id))

    def rerun_from(self, app_url: str, run: Run, step: str, *, occurrence: int = 0) -> Run:
        """A new run (new run id) of ``run``'s function and events, holding copies of the
        memos stored before ``step``, driven until it completes or fails."""
        stop = stored_step_id(step, occurrence)
        execution = run._execution
        order = execution.stack if execution is not None else list(run.steps)
        kept = order[: order.index(stop)] if stop in order else list(order)
        events = copy.deepcopy(run.events)
        rerun = Run(
            run_id=uuid.uuid4().hex,
            function_id=run.function_id,
            status="running",
            events=events,
            steps={step_id: copy.deepcopy(run.steps[step_id]) for step_id in kept},
        )
        return self.launch(app_url, rerun, memoized=kept)
