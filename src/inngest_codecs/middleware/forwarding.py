"""What arrived encrypted in a run never leaves it in plaintext.

The middleware opens every envelope that reaches a function: fields of the
triggering events (whatever their name), whole-data envelopes, memoized step
outputs, invoke results, waited-for events. A function that passes such a value
on (``step.send_event``, ``client.send``, ``step.invoke``) would otherwise send
it in plaintext, since only the configured field is encrypted on the way out.

So each run keeps a `RunState`. A top-level field of an event's data that
leaves during the run is encrypted when

1. its name is one of the configured event fields,
2. its name arrived encrypted in one of the run's events (including the fields
   of a whole-data envelope), or
3. its value holds, at any depth, a value the run decrypted: the same object,
   not a copy or a transformation of it.

The state lives in a context variable while the run executes, so events sent
with ``client.send`` (which builds its own middleware) find it too.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ..encryptor import Encryptor
from ..for_inngest import events


class RunState:
    """The values and field names one run opened."""

    __slots__ = ("_ids", "_roots", "arrived", "encryptor", "fields", "function_level", "owner")

    def __init__(
        self,
        encryptor: Encryptor,
        fields: tuple[str, ...],
        *,
        owner: object,
        function_level: bool,
    ) -> None:
        self.encryptor = encryptor
        self.fields = fields
        self.owner = owner  # the run's context object: states of other runs are ignored
        self.function_level = function_level
        self.arrived: set[str] = set()
        self._roots: list[object] = []
        self._ids: set[int] | None = None

    def note(self, value: object, name: str | None = None) -> None:
        """``value`` was opened (under the event field ``name``, if any).

        Cheap on purpose (it runs for every memoized step of every request): the
        values are only walked when the run sends something.
        """
        if name is not None:
            self.arrived.add(name)
        self._roots.append(value)
        self._ids = None

    def _opened_ids(self) -> set[int]:
        # Only containers and strings of two or more characters count: numbers,
        # booleans and one-character strings are shared objects in CPython, so
        # their identity would match unrelated values.
        if self._ids is None:
            ids: set[int] = set()
            stack = list(self._roots)
            while stack:
                value = stack.pop()
                if isinstance(value, str):
                    if len(value) > 1:
                        ids.add(id(value))
                elif isinstance(value, (dict, list)) and id(value) not in ids:
                    ids.add(id(value))
                    stack.extend(value.values() if isinstance(value, dict) else value)
            self._ids = ids
        return self._ids

    def _holds_opened(self, value: object) -> bool:
        if not self._roots:
            return False
        opened = self._opened_ids()
        stack = [value]
        while stack:
            current = stack.pop()
            if id(current) in opened:
                return True
            if isinstance(current, dict):
                stack.extend(current.values())
            elif isinstance(current, (list, tuple)):
                stack.extend(current)
        return False

    def fields_to_seal(self, data: Mapping[str, Any]) -> list[str]:
        """The fields of outgoing event data this run must encrypt."""
        return [
            name
            for name, value in data.items()
            if name in self.fields or name in self.arrived or self._holds_opened(value)
        ]


_runs: contextvars.ContextVar[tuple[RunState, ...]] = contextvars.ContextVar(
    "inngest_codecs_runs", default=()
)


def enter(state: RunState) -> contextvars.Token[tuple[RunState, ...]]:
    """Make ``state`` visible to sends made while its run executes.

    States of other runs still found in this context (a worker thread reused
    after a request that ended abnormally) are dropped.
    """
    current = tuple(s for s in _runs.get() if s.owner is state.owner)
    return _runs.set((*current, state))


def leave(token: contextvars.Token[tuple[RunState, ...]]) -> None:
    with contextlib.suppress(ValueError):  # another context: the next enter() drops it
        _runs.reset(token)


def active() -> tuple[RunState, ...]:
    return _runs.get()


def seal_event_data(
    data: Mapping[str, Any],
    states: Iterable[RunState],
    encryptor: Encryptor | None = None,
    fields: tuple[str, ...] = (),
    uncompressed: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """``data`` with every field the rules above select encrypted.

    ``encryptor`` and ``fields`` are the sending middleware's own; each run
    state encrypts what it selects with its own encryptor. Fields named in
    ``uncompressed`` are never compressed.
    """
    sealed = dict(data)
    done: set[str] = set()
    if encryptor is not None and fields:
        sealed = _encrypt(encryptor, sealed, fields, uncompressed)
        done.update(fields)
    for state in states:
        extra = [name for name in state.fields_to_seal(data) if name not in done]
        if extra:
            sealed = _encrypt(state.encryptor, sealed, extra, uncompressed)
            done.update(extra)
    return sealed


def _encrypt(
    encryptor: Encryptor, data: dict[str, Any], names: Sequence[str], uncompressed: frozenset[str]
) -> dict[str, Any]:
    plain = [name for name in names if name in uncompressed]
    rest = [name for name in names if name not in uncompressed]
    if plain:
        data = events.seal_fields(encryptor, data, plain, compress=False)
    return events.seal_fields(encryptor, data, rest) if rest else data
