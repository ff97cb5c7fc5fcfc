"""Opening what reaches a function: memoized steps and the triggering events.

Every envelope is opened under the ``on_decryption_failure`` policy, and every
opened value is noted in the run's `RunState`, so it cannot
leave the run in plaintext later.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeGuard

import inngest

from .. import envelope
from ..encryptor import Encryptor
from ..errors import CodecError, EncodingError
from ..for_inngest import events
from .failures import DecryptionFailurePolicy, kept, run_error
from .forwarding import RunState

FAILURE_EVENTS = ("inngest/function.failed", "inngest/function.finished")
"""System events that carry the original event (``data.event``) and error (``data.error``)."""


def _is_event(value: object) -> TypeGuard[dict[str, Any]]:
    """The shape of the event that ``step.wait_for_event`` memoizes."""
    return isinstance(value, dict) and isinstance(value.get("data"), dict) and "name" in value


class Opener:
    """Opens values for one request, under one failure policy, noting them in a run state."""

    def __init__(
        self, encryptor: Encryptor, policy: DecryptionFailurePolicy, state: RunState
    ) -> None:
        self._encryptor = encryptor
        self._policy = policy
        self._state = state

    def value(self, value: Any, where: str, name: str | None = None) -> Any:
        """``value`` opened when it is an envelope; noted as opened either way it opens."""
        try:
            opened = self._encryptor.decrypt(value)
        except CodecError as error:
            return self._unopened(error, value, where)
        self._state.note(opened, name)
        return opened

    def _unopened(self, error: CodecError, value: Any, where: str) -> Any:
        if self._policy == "keep":
            kept(error, where)
            return value
        raise run_error(error, self._policy) from None

    def event_data(self, data: Mapping[str, Any], where: str) -> dict[str, Any]:
        """Event data with every field holding an envelope opened, or its whole envelope."""

        def open_value(value: Any, name: str | None) -> Any:
            opened = self.value(value, where if name is None else f"{where}.{name}", name)
            if name is None and isinstance(opened, dict) and opened is not value:
                for field in opened:  # the fields of a whole-data envelope arrived encrypted
                    self._state.note(opened[field], field)
            return opened

        try:
            return events.open_data(data, open_value)
        except EncodingError as error:
            raise run_error(error) from None

    def error(self, error: Any, where: str) -> None:
        try:
            from .sealing import open_error  # only when an error comes back

            opened = open_error(error, self._encryptor)
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
        decrypt, note = self._encryptor.decrypt, self._state.note
        for memo in memos.values():
            data = memo.data
            if type(data) is dict and data.get(envelope.MARKER) is True:
                try:
                    memo.data = opened = decrypt(data)
                except CodecError as error:
                    memo.data = self._unopened(error, data, "a memoized step output")
                else:
                    note(opened)
            elif _is_event(data):
                memo.data = {**data, "data": self.event_data(data["data"], "a waited-for event")}
            if memo.error is not None:
                self.error(memo.error, "a memoized step error")

    def events(self, ctx: inngest.Context | inngest.ContextSync) -> None:
        """Open the data of the triggering events (a batch shares objects with ``ctx.event``)."""
        seen = set()
        for event in (ctx.event, *ctx.events):
            if id(event) in seen:
                continue
            seen.add(id(event))
            event.data = self.event_data(event.data, "event data")
            if event.name in FAILURE_EVENTS:
                self._failure_event(event.data)

    def _failure_event(self, data: Mapping[str, Any]) -> None:
        original = data.get("event")
        if _is_event(original):
            original["data"] = self.event_data(original["data"], "the original event's data")
        if isinstance(data.get("error"), dict):
            self.error(data["error"], "the function's error")
