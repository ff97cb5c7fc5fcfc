"""What arrived encrypted in a run never leaves it in plaintext.

The middleware opens every envelope that reaches a function: fields of the
triggering events (whatever their name), whole-data envelopes, memoized step
outputs, invoke results, waited-for events. A function that passes such a value
on (``step.send_event``, ``client.send``, ``step.invoke``) would otherwise send
it in plaintext, since only the configured field is encrypted on the way out.

So each run keeps a `RunState`, and a top-level field of event data that
leaves during the run is encrypted when

1. its name is one of the configured event fields,
2. its name arrived encrypted in one of the run's events (including the fields
   of a whole-data envelope),
3. the run opened anything, and the field is not declared plain
   (``plain_fields``; the default declares none, so every field of what such
   a run sends is encrypted), or
4. it holds, at any depth, a value equal to one the run opened: a whole
   opened value or any part of it (an object, an array, a string, a number, a
   boolean, ``null``), compared as JSON values.

``plain_fields=["*"]`` declares every field plain: rule 4 alone then decides.
Rule 4 compares values, not objects, because the SDK rebuilds what it sends
(pydantic copies event data, invoke options are dumped) before any hook sees
it. It over-encrypts rather than leaks: a plain field that happens to equal an
opened value (``true``, ``1``) is encrypted too.

The state belongs to the SDK's execution of one request: it is kept on the
SDK's step object of that request, which sends find through the context
variable the SDK sets while the request runs and resets however it ends, so
no state outlives its request on a reused thread.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeAlias

from inngest._internal.execution_lib import get_step_context

from ..encryptor import Encryptor
from ..for_inngest import events
from ..place import Place

ALL_PLAIN = "*"
"""In ``plain_fields``: every field is plain unless it holds a value the run opened."""

EventFields: TypeAlias = tuple[str, ...] | Callable[[str], bool]
"""The configured event fields: names, or a function choosing a field by its name."""


def chosen(fields: EventFields, data: Mapping[str, Any]) -> tuple[str, ...]:
    """The fields of ``data`` that ``fields`` selects."""
    if callable(fields):
        return tuple(name for name in data if fields(name))
    return fields


class RunState:
    """The values and field names one run opened, and which sent fields stay plain."""

    __slots__ = (
        "_opened",
        "_roots",
        "arrived",
        "encryptor",
        "event_places",
        "fields",
        "function_level",
        "plain",
        "tenant_field",
    )

    def __init__(
        self,
        encryptor: Encryptor,
        fields: EventFields,
        *,
        function_level: bool,
        plain: Iterable[str] = (),
        tenant_field: str | None = None,
        event_places: Callable[[object], Callable[[str], Place | None] | None] | None = None,
    ) -> None:
        self.encryptor = encryptor
        self.event_places = event_places  # the place each field of a sent event is bound to
        self.fields = fields
        self.function_level = function_level
        self.plain = frozenset(plain)
        self.tenant_field = tenant_field  # read before decryption: never encrypted by rules 3, 4
        self.arrived: set[str] = set()
        self._roots: list[object] = []
        self._opened: set[int] | None = None

    def note(self, value: object, name: str | None = None) -> None:
        """``value`` was opened (under the event field ``name``, if any).

        Cheap on purpose (it runs for every memoized step of every request): the
        values are only walked when the run sends a field declared plain.
        """
        if name is not None:
            self.arrived.add(name)
        self._roots.append(value)
        self._opened = None

    def _holds_opened(self, value: object) -> bool:
        if not self._roots:
            return False
        if self._opened is None:
            self._opened = {fp for root in self._roots for fp in fingerprints(root)}
        return not self._opened.isdisjoint(fingerprints(value))

    def _is_plain(self, name: str) -> bool:
        return name in self.plain or ALL_PLAIN in self.plain

    def fields_to_seal(self, data: Mapping[str, Any]) -> list[str]:
        """The fields of outgoing event data this run must encrypt."""
        configured = chosen(self.fields, data)
        strict = bool(self._roots)  # a run that opened nothing has nothing to pass on
        return [
            name
            for name, value in data.items()
            if name in configured
            or name in self.arrived
            or (name != self.tenant_field and strict and not self._is_plain(name))
            or (name != self.tenant_field and self._holds_opened(value))
        ]


def fingerprints(root: object) -> list[int]:
    """A fingerprint of every part of ``root`` (every subtree and scalar), as JSON values.

    Equal JSON values get equal fingerprints whatever their Python objects
    (``1`` and ``1.0`` are the same number; ``true`` is not ``1``; object keys
    are unordered). Two different values may rarely share one, which can only
    encrypt a field that did not need it.
    """
    found: list[int] = []
    done: list[int] = []  # fingerprints of finished parts not yet taken by their container
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        value, expanded = stack.pop()
        if isinstance(value, (dict, list, tuple)):
            items = value.values() if isinstance(value, dict) else value
            if not expanded:
                stack.append((value, True))
                stack.extend((item, False) for item in reversed(items))
                continue
            children = done[len(done) - len(items) :]
            del done[len(done) - len(items) :]
            if isinstance(value, dict):
                fingerprint = hash(frozenset(zip(map(str, value), children, strict=True)))
            else:
                fingerprint = hash(tuple(children))
        elif value is None:
            fingerprint = _NULL
        elif isinstance(value, bool):
            fingerprint = _TRUE if value else _FALSE
        elif isinstance(value, (int, float, str)):
            fingerprint = hash(value)
        else:  # what the SDK's JSON encoder turns into text
            fingerprint = hash(str(value))
        done.append(fingerprint)
        found.append(fingerprint)
    return found


_NULL, _TRUE, _FALSE = hash(("null",)), hash(("bool", True)), hash(("bool", False))


_STATES = "_inngest_codecs_run_states"
"""The attribute of the SDK's step object of a request that holds its run states."""


def enter(state: RunState) -> object:
    """Make ``state`` visible to sends made while the executing request runs; returns its
    entry. Called from ``transform_input``, which the SDK runs inside the execution."""
    step = get_step_context()
    setattr(step, _STATES, (*getattr(step, _STATES, ()), state))
    return step


def leave(entry: object) -> None:
    """Forget the states of a request that is answered (the SDK hides them anyway)."""
    vars(entry).pop(_STATES, None)


def active() -> tuple[RunState, ...]:
    """The run states of the request executing in this thread or task, if any."""
    try:
        step = get_step_context()
    except LookupError:
        return ()
    found: tuple[RunState, ...] = getattr(step, _STATES, ())
    return found


def seal_event_data(
    data: Mapping[str, Any],
    states: Iterable[RunState],
    encryptor: Encryptor | None = None,
    fields: EventFields = (),
    uncompressed: frozenset[str] = frozenset(),
    place: Callable[[str], Place | None] | None = None,
) -> dict[str, Any]:
    """``data`` with every field the rules above select encrypted.

    ``encryptor`` and ``fields`` are the sending middleware's own; each run
    state encrypts what it selects with its own encryptor. Fields named in
    ``uncompressed`` are never compressed. ``place(field)`` binds each field to
    its place in the event.
    """
    sealed = dict(data)
    done: set[str] = set()
    names = chosen(fields, data)
    if encryptor is not None and names:
        sealed = _encrypt(encryptor, sealed, names, uncompressed, place)
        done.update(names)
    for state in states:
        extra = [name for name in state.fields_to_seal(data) if name not in done]
        if extra:
            sealed = _encrypt(state.encryptor, sealed, extra, uncompressed, place)
            done.update(extra)
    return sealed


def _encrypt(
    encryptor: Encryptor,
    data: dict[str, Any],
    names: Sequence[str],
    uncompressed: frozenset[str],
    place: Callable[[str], Place | None] | None,
) -> dict[str, Any]:
    plain = [name for name in names if name in uncompressed]
    rest = [name for name in names if name not in uncompressed]
    if plain:
        data = events.seal_fields(encryptor, data, plain, compress=False, place=place)
    return events.seal_fields(encryptor, data, rest, place=place) if rest else data
