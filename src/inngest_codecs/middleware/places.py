"""Where each value of a run belongs, as the place a codec with associated data binds it to.

Every place is made of identifiers Inngest already stores in clear:

| value | place |
|---|---|
| an event field (sent, triggering, waited for, in a batch) | ``event`` name, ``field`` name |
| an invoke payload field | ``event`` (``inngest/function.invoked``), ``field``, ``function`` |
| a step output or step error | ``function`` id, ``step`` id as Inngest stores it (hashed) |
| a function output or function error | ``function`` id |

followed by ``tenant`` when keys are chosen per tenant and the event names one.
The run id is not part of any place: re-running from a step copies memoized
steps into a new run, and they must still open there. An event's place is the
same in every function it reaches, so one event triggers many functions, is
waited for, batched and replayed. A value forwarded elsewhere is encrypted
again under its new place.

Two memos hold values written elsewhere: a ``step.invoke`` reads the invoked
function's output, and a ``step.wait_for_event`` reads an event. Such a memo
opens at its writer's place, and reaches the code only when the step that
reads it invokes that very function or waits for an event of that very name
(`RunPlaces.check_step`, run before the SDK hands a step its memo).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from inngest._internal.server_lib import Opcode

from ..errors import MisplacedValueError
from ..place import Place

INVOKED_EVENT = "inngest/function.invoked"
_FUNCTION, _STEP, _EVENT, _FIELD, _TENANT = "function", "step", "event", "field", "tenant"


def _with_tenant(place: Place, tenant: str | None) -> Place:
    return place if tenant is None else place.with_parts(((_TENANT, tenant),))


def event_field(event_name: str, field: str | None, tenant: str | None = None) -> Place:
    """The place of one field of an event's data (``None``: the whole data as one envelope)."""
    parts = [(_EVENT, event_name)] if field is None else [(_EVENT, event_name), (_FIELD, field)]
    return _with_tenant(Place(*parts), tenant)


def invoke_field(function_id: str, field: str | None, tenant: str | None = None) -> Place:
    """The place of a field of the payload that invokes ``function_id``."""
    place = event_field(INVOKED_EVENT, field).with_parts(((_FUNCTION, function_id),))
    return _with_tenant(place, tenant)


def of_event(
    name: object, tenant: str | None, invoked: str | None
) -> Callable[[str | None], Place]:
    """The place of each field of an event named ``name`` (``invoked``: the function it invokes)."""
    event_name = name if isinstance(name, str) else ""
    if event_name == INVOKED_EVENT and invoked is not None:
        return lambda field: invoke_field(invoked, field, tenant)
    return lambda field: event_field(event_name, field, tenant)


@functools.lru_cache(maxsize=4096)
def step_output(function_id: str, hashed_id: str, tenant: str | None = None) -> Place:
    """The place of a step's output or error (kept: every request of a run opens every memo)."""
    return _with_tenant(Place((_FUNCTION, function_id), (_STEP, hashed_id)), tenant)


def function_output(function_id: str, tenant: str | None = None) -> Place:
    return _with_tenant(Place((_FUNCTION, function_id)), tenant)


def function_of(place: Place) -> str | None:
    """The function id of a function output's place, or ``None`` for any other place."""
    labels = [label for label, _ in place.parts]
    if labels in ([_FUNCTION], [_FUNCTION, _TENANT]):
        return place.parts[0][1]
    return None


class RunPlaces:
    """The places of one request's run: its function, its tenant, the steps it reports."""

    def __init__(
        self, function_id: str, tenant: str | None, *, bind: bool, target: str | None = None
    ) -> None:
        self.function_id = function_id
        self.tenant = tenant
        self.bind = bind
        self._target = target  # the one step a request runs, when Inngest names it
        self._running: dict[str, str] = {}  # display name -> hashed id of the step that ran
        # hashed id -> (the opcode and the function or event name its step must have, written)
        self._readers: dict[str, tuple[Opcode, str, Place]] = {}

    def step(self, hashed_id: str) -> Place:
        return step_output(self.function_id, hashed_id, self.tenant)

    def function(self) -> Place:
        return function_output(self.function_id, self.tenant)

    def written(self, place: Place) -> Place | None:
        """``place`` when values are bound on writing, else ``None`` (``bind_to_place=False``)."""
        return place if self.bind else None

    def output_of(self, display_name: str | None) -> Place:
        """Where an output the SDK reports goes: the step that ran, or the function."""
        if display_name is None:
            return self.function()
        return self.step(self._running.get(display_name, display_name))

    def invoke_result(self, hashed_id: str, error: MisplacedValueError) -> Place | None:
        """The invoked function's place, when a memo refused at its step is a function output.

        It opens there, and `check_step` refuses it unless its step invokes that function.
        """
        written = Place.from_bytes(error.written_data)
        if written is None or function_of(written) is None:
            return None
        if written != function_output(function_of(written) or "", self.tenant):
            return None
        self._readers[hashed_id] = (Opcode.INVOKE, function_of(written) or "", written)
        return written

    def waited_for(self, hashed_id: str, event_name: str) -> None:
        """The memo of step ``hashed_id`` is an event: its step must wait for that name."""
        written = event_field(event_name, None)
        self._readers[hashed_id] = (Opcode.WAIT_FOR_EVENT, event_name, written)

    def check_step(self, step_info: Any) -> None:
        """Note which step runs; refuse a memo written elsewhere that this step does not read."""
        hashed_id = step_info.id
        # Steps found after the one that runs (in a parallel group) are reported too.
        if step_info.op is Opcode.STEP_RUN and self._target in (None, hashed_id):
            self._running[step_info.display_name] = hashed_id
        reader = self._readers.pop(hashed_id, None)
        if reader is None:
            return
        op, target, written = reader
        opts = step_info.opts if isinstance(step_info.opts, dict) else {}
        found = opts.get("function_id") if op is Opcode.INVOKE else step_info.name
        if step_info.op is not op or found != target:
            raise MisplacedValueError(
                str(written), str(self.step(hashed_id)), written_data=written.associated_data
            )
