"""Envelopes anywhere inside a JSON document: find them, open them.

A run's output, an event, or a whole export copied from the dashboard can hold
envelopes at any depth. These walk the document without knowing its shape. An
error whose message was sealed (:mod:`inngest_codecs.sealed_errors`) counts as
an envelope at ``<path>.message``; opening it restores ``message`` and ``stack``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

from . import envelope, sealed_errors
from .errors import CodecError, EncodingError


def _child_path(path: str, key: object) -> str:
    return f"{path}[{key}]" if isinstance(key, int) else f"{path}.{key}"


def find_envelopes(document: Any, path: str = "$") -> Iterator[tuple[str, dict[str, Any]]]:
    """``(path, envelope)`` for every envelope in ``document``, outermost first."""
    stack: list[tuple[str, Any]] = [(path, document)]
    while stack:
        where, value = stack.pop()
        if envelope.is_envelope(value):
            yield where, value
        elif isinstance(value, dict) and sealed_errors.is_sealed(value.get("message")):
            with contextlib.suppress(EncodingError):  # a look-alike message is just text
                yield f"{where}.message", sealed_errors.sealed_envelope(value["message"])
        elif isinstance(value, dict):
            stack.extend((_child_path(where, k), v) for k, v in reversed(value.items()))
        elif isinstance(value, list):
            stack.extend((_child_path(where, i), v) for i, v in reversed(list(enumerate(value))))


def open_envelopes(
    document: Any, opener: Callable[[dict[str, Any]], Any]
) -> tuple[Any, list[tuple[str, CodecError]]]:
    """``document`` with every envelope replaced by ``opener(envelope)``.

    Envelopes that ``opener`` cannot open (a :class:`CodecError`) stay in
    place; they are returned with their paths. The input is not modified.
    """
    failures: list[tuple[str, CodecError]] = []

    def walk(value: Any, where: str) -> Any:
        if envelope.is_envelope(value):
            try:
                return opener(value)
            except CodecError as error:
                failures.append((where, error))
                return value
        if isinstance(value, dict) and sealed_errors.is_sealed(value.get("message")):
            try:
                message, stack = sealed_errors.open_sealed(opener, value["message"])
            except CodecError as error:
                failures.append((f"{where}.message", error))
                return value
            return {**value, "message": message, "stack": stack}
        if isinstance(value, dict):
            return {k: walk(v, _child_path(where, k)) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v, _child_path(where, i)) for i, v in enumerate(value)]
        return value

    try:
        return walk(document, "$"), failures
    except RecursionError:
        raise EncodingError("the document is nested too deeply to walk") from None
