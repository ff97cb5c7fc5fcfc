"""Opening what reaches a function: memoized steps and the triggering events.

Every envelope is opened under the ``on_decryption_failure`` policy, and every
opened value is noted in the run's `RunState`, so it cannot
leave the run in plaintext later.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeGuard, TypeVar

import inngest

from .. import envelope
from ..encryptor import Encryptor
from ..errors import CodecError, EncodingError, MisplacedValueError, UnsupportedSDKError
from ..for_inngest import events
from ..place import Place
from . import places
from .failures import DecryptionFailurePolicy, kept, run_error
from .forwarding import RunState
from .places import RunPlaces

_T = TypeVar("_T")

FAILURE_EVENTS = ("inngest/function.failed", "inngest/function.finished")
"""System events that carry the original event (``data.event``) and error (``data.error``)."""


def _is_event(value: object) -> TypeGuard[dict[str, Any]]:
    """The shape of the event that ``step.wait_for_event`` memoizes."""
    return isinstance(value, dict) and isinstance(value.get("data"), dict) and "name" in value


class RunOpener:
    """Opens values for one request, under one failure policy, noting them in a run state.

    Each value is opened at its place (`places`): ``event_places(event)`` gives
    the place of each field of an event.
    """

    def __init__(
        self,
        encryptor: Encryptor,
        policy: DecryptionFailurePolicy,
        state: RunState,
        places: RunPlaces,
        event_places: Callable[[object], Callable[[str | None], Place]],
    ) -> None:
        self._encryptor = encryptor
        self._policy = policy
        self._state = state
        self._places = places
        self._event_places = event_places

    @property
    def state(self) -> RunState:
        """The run state the opened values are noted in."""
        return self._state

    def value(
        self, value: Any, where: str, name: str | None = None, place: Place | None = None
    ) -> Any:
        """``value`` opened when it is an envelope; noted as opened either way it opens."""
        try:
            opened = self._encryptor.decrypt(value, place=place)
        except CodecError as error:
            return self._unopened(error, value, where)
        self._state.note(opened, name)
        return opened

    def _unopened(self, error: CodecError, value: Any, where: str) -> Any:
        if self._policy == "keep":
            kept(error, where)
            return value
        raise run_error(error, self._policy) from None

    def event_data(self, data: Mapping[str, Any], where: str, event: object) -> dict[str, Any]:
        """Event data with every field holding an envelope opened, or its whole envelope."""
        place_of: Callable[[str | None], Place] | None = None  # found for the first envelope

        def open_value(value: Any, name: str | None) -> Any:
            nonlocal place_of
            if place_of is None:
                place_of = self._event_places(event)
            label = where if name is None else f"{where}.{name}"
            opened = self.value(value, label, name, place_of(name))
            if name is None and isinstance(opened, dict) and opened is not value:
                for field in opened:  # the fields of a whole-data envelope arrived encrypted
                    self._state.note(opened[field], field)
            return opened

        try:
            return events.open_data(data, open_value)
        except EncodingError as error:
            raise run_error(error) from None

    def error(self, error: Any, where: str, place: Place | None = None) -> None:
        try:
            from .sealing import open_error  # only when an error comes back

            encryptor = self._encryptor
            opened = self._at(lambda e, place: open_error(e, encryptor, place), error, place)
        except CodecError as failure:
            if self._policy == "keep":
                kept(failure, where)
                return
            raise run_error(failure, self._policy) from None
        if opened is not None:  # a message that arrived encrypted may quote data
            self._state.note(list(opened))

    def memos(self, memos: inngest.StepMemos) -> None:
        """Open memoized step outputs, waited-for events, invoke results and step errors.

        Every request of a run opens every memoized step again, so the common
        case (a step output in an envelope) takes the shortest path.
        """
        decrypt, note, places = self._encryptor.decrypt, self._state.note, self._places
        step_place, marker = places.step, envelope.MARKER
        for hashed_id, memo in by_step_id(memos).items():
            data = memo.data
            if type(data) is dict and data.get(marker) is True:
                try:
                    try:
                        opened = decrypt(data, place=step_place(hashed_id))
                    except MisplacedValueError as error:
                        opened = self._at_invoked(decrypt, data, hashed_id, error)
                except CodecError as error:
                    memo.data = self._unopened(error, data, "a memoized step output")
                else:
                    memo.data = opened
                    note(opened)
            elif _is_event(data):
                if _holds_envelopes(data["data"]):  # bound to its event: a wait must read it
                    places.waited_for(hashed_id, str(data["name"]))
                opened_data = self.event_data(data["data"], "a waited-for event", data)
                memo.data = {**data, "data": opened_data}
            if memo.error is not None:
                self.error(memo.error, "a memoized step error", places.step(hashed_id))

    def _at(self, open_at: Callable[..., _T], value: Any, place: Place | None) -> _T:
        """``open_at(value, place=place)``, or at the function a memo may have invoked."""
        try:
            return open_at(value, place=place)
        except MisplacedValueError as error:
            return self._at_invoked(open_at, value, _step_of(place), error)

    def _at_invoked(
        self, open_at: Callable[..., _T], value: Any, step: str | None, error: MisplacedValueError
    ) -> _T:
        """For a memo refused at its step: ``value`` opened at the function it may have
        invoked (`RunPlaces.invoke_result`), which its step must then invoke."""
        invoked = None if step is None else self._places.invoke_result(step, error)
        if invoked is None:
            raise error
        return open_at(value, place=invoked)

    def events(self, ctx: inngest.Context | inngest.ContextSync) -> None:
        """Open the data of the triggering events (a batch shares objects with ``ctx.event``)."""
        seen = set()
        for event in (ctx.event, *ctx.events):
            if id(event) in seen:
                continue
            seen.add(id(event))
            event.data = self.event_data(event.data, "event data", event)
            if event.name in FAILURE_EVENTS:
                self._failure_event(event.data)

    def _failure_event(self, data: Mapping[str, Any]) -> None:
        original = data.get("event")
        if _is_event(original):
            where = "the original event's data"
            original["data"] = self.event_data(original["data"], where, original)
        if isinstance(data.get("error"), dict):
            failed = data.get("function_id")  # where the error was sealed; unchecked without
            tenant = self._places.tenant
            place = places.function_output(failed, tenant) if isinstance(failed, str) else None
            self.error(data["error"], "the function's error", place)


def by_step_id(memos: inngest.StepMemos) -> dict[str, Any]:
    """The memos by step id as Inngest stores it (hashed): the SDK's own dict of them."""
    by_id = getattr(memos, "_memos", None)
    if not isinstance(by_id, dict):
        raise UnsupportedSDKError(
            "this inngest SDK version does not keep memos by step id: inngest-codecs cannot "
            "bind step outputs to their steps; install a supported version (inngest>=0.5,<0.6)"
        )
    return by_id


def _holds_envelopes(data: Mapping[str, Any]) -> bool:
    is_envelope = envelope.is_envelope
    return is_envelope(data) or any(is_envelope(value) for value in data.values())


def _step_of(place: Place | None) -> str | None:
    return None if place is None else dict(place.parts).get("step")
