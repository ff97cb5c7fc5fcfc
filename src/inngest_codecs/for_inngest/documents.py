"""Envelopes anywhere inside a JSON document: find them, open them.

A run's output, an event, or a whole export copied from the dashboard can hold
envelopes at any depth. These walk the document without knowing its shape. An
error whose message was sealed (`inngest_codecs.for_inngest.sealed_errors`) counts as
an envelope at ``<path>.message``; opening it restores ``message`` and ``stack``.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .. import envelope, layers, registry
from ..errors import CodecError, EncodingError, UnknownCodecError
from . import sealed_errors

if TYPE_CHECKING:
    from ..encryptor import Encryptor

_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _child_path(path: str, key: object) -> str:
    """``$.a[0]``; a key that is not a plain ASCII name is written as a JSON string,
    ``$["a.b"]``, escaped to printable ASCII so a path is safe in a terminal or a log."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    text = str(key)
    if _PLAIN_KEY.fullmatch(text):
        return f"{path}.{text}"
    return f"{path}[{json.dumps(text)}]"


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

    Envelopes that ``opener`` cannot open (a [`CodecError`][]) stay in
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


@dataclass(frozen=True)
class EnvelopeInfo:
    """What an envelope says about itself, read without a key.

    ``strategy`` is ``None`` when the envelope carries something other than a
    string there; ``codec`` is the installed codec's name, ``None`` when none
    declares the strategy; ``key_id`` is set for formats that name their key
    (aes-gcm); ``size`` is the length of the codec's bytes, ``None`` when
    ``data`` is not standard base64.
    """

    strategy: str | None
    codec: str | None
    key_id: str | None
    size: int | None


def describe(value: dict[str, Any]) -> EnvelopeInfo:
    """[`EnvelopeInfo`][] for one envelope; never raises for a malformed one."""
    strategy = value.get(envelope.STRATEGY, envelope.NO_STRATEGY)
    data = value.get(envelope.DATA)
    codec = None
    if isinstance(strategy, str):
        try:  # a layered strategy (compressed, offloaded) names its codec first
            codec = registry.codec_for_strategy(layers.split(strategy)[0])
        except UnknownCodecError:
            codec = None
    try:
        blob = envelope.decode_base64(data) if isinstance(data, str) else None
    except EncodingError:
        blob = None
    key_id = codec.key_id_of(blob) if codec is not None and blob is not None else None
    named = value.get(envelope.KEY_ID)  # written with per-tenant keys, for every codec
    return EnvelopeInfo(
        strategy=strategy if isinstance(strategy, str) else None,
        codec=codec.name if codec is not None else None,
        key_id=key_id or (named if isinstance(named, str) else None),
        size=len(blob) if blob is not None else None,
    )


@dataclass(frozen=True)
class OpenedEnvelope:
    """An envelope that was opened: where it sat and what it said about itself."""

    path: str
    info: EnvelopeInfo


@dataclass(frozen=True)
class UnopenedEnvelope:
    """An envelope left in place: where it sits and why (a message without secrets)."""

    path: str
    info: EnvelopeInfo
    error: CodecError


@dataclass(frozen=True)
class OpenReport:
    """A document with its envelopes opened, and an account of each envelope."""

    document: Any
    opened: list[OpenedEnvelope]
    failures: list[UnopenedEnvelope]


def open_with_report(document: Any, encryptor: Encryptor) -> OpenReport:
    """[`open_envelopes`][] with ``encryptor``, reporting path, strategy, codec and key
    id for every envelope, opened or not. The input is not modified."""
    found = dict(find_envelopes(document))
    paths = {id(value): where for where, value in found.items()}
    opened: list[OpenedEnvelope] = []

    def path_of(value: dict[str, Any]) -> str:
        # A sealed error's envelope is parsed afresh from its message: match it by value.
        found_path = paths.get(id(value))
        return found_path or next((p for p, v in found.items() if v == value), "$")

    def opener(value: dict[str, Any]) -> Any:
        plaintext = encryptor.decrypt(value)
        opened.append(OpenedEnvelope(path_of(value), describe(value)))
        return plaintext

    result, failed = open_envelopes(document, opener)
    failures = [
        UnopenedEnvelope(where, describe(found.get(where, {})), error) for where, error in failed
    ]
    return OpenReport(result, opened, failures)
