"""Envelopes anywhere inside a JSON document: find them, open them.

A run's output, an event, or a whole export copied from the dashboard can hold
envelopes at any depth. These walk the document without knowing its shape. An
error whose message was sealed (`inngest_codecs.for_inngest.sealed_errors`) counts as
an envelope at ``<path>.message``; opening it restores ``message`` and ``stack``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .. import envelope, layers, registry, strictjson
from ..errors import CodecError, EncodingError, UnknownCodecError
from ..jsoninput import read_json
from ..keyring import EnvelopeOpener, Opening
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


def embedded_envelope(text: str) -> dict[str, Any] | None:
    """The envelope a piece of text carries, as copied from a dashboard: a sealed error
    message (prefix and envelope), or the JSON text of an envelope; else ``None``."""
    if sealed_errors.is_sealed(text):
        try:
            return sealed_errors.sealed_envelope(text)
        except EncodingError:  # a look-alike message is just text
            return None
    stripped = text.strip()
    if not (stripped.startswith("{") and envelope.MARKER in stripped):
        return None
    try:
        found = strictjson.loads(stripped.encode("utf-8"))
    except (EncodingError, UnicodeEncodeError):
        return None
    return found if envelope.is_envelope(found) else None  # type: ignore[return-value]


def find_envelopes(document: Any, path: str = "$") -> Iterator[tuple[str, dict[str, Any]]]:
    """``(path, envelope)`` for every envelope in ``document``, outermost first, including
    those carried as text (see [`embedded_envelope`][])."""
    stack: list[tuple[str, Any]] = [(path, document)]
    while stack:
        where, value = stack.pop()
        if envelope.is_envelope(value):
            yield where, value
        elif isinstance(value, str):
            found = embedded_envelope(value)
            if found is not None:
                yield where, found
        elif isinstance(value, dict):
            stack.extend((_child_path(where, k), v) for k, v in reversed(value.items()))
        elif isinstance(value, list):
            stack.extend((_child_path(where, i), v) for i, v in reversed(list(enumerate(value))))


def open_envelopes(
    document: Any, opener: Callable[[dict[str, Any]], Any]
) -> tuple[Any, list[tuple[str, CodecError]]]:
    """``document`` with every envelope replaced by ``opener(envelope)``.

    Envelopes that ``opener`` cannot open (a [`CodecError`][]) stay in
    place; they are returned with their paths. A sealed error message opens to
    its ``message`` and ``stack`` (in place, when it sits in an error object);
    the JSON text of an envelope opens to the value. The input is not modified.
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
        if isinstance(value, str):
            return _open_text(value, where)
        if isinstance(value, dict):
            return {k: walk(v, _child_path(where, k)) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v, _child_path(where, i)) for i, v in enumerate(value)]
        return value

    def _open_text(text: str, where: str) -> Any:
        found = embedded_envelope(text)
        if found is None:
            return text
        try:
            if sealed_errors.is_sealed(text):
                message, stack = sealed_errors.open_sealed(opener, text)
                return {"message": message, "stack": stack}
            return opener(found)
        except CodecError as error:
            failures.append((where, error))
            return text

    try:
        return walk(document, "$"), failures
    except RecursionError:
        raise EncodingError("the document is nested too deeply to walk") from None


def read_pasted(data: bytes, where: str = "the input", *, one_line: bool = False) -> Any:
    """A JSON document, or text as copied from a dashboard that is not JSON: a sealed
    error message as displayed (read as that string). Else [`EncodingError`][]
    (``one_line``: see [`read_json`][inngest_codecs.jsoninput.read_json])."""
    try:
        return read_json(data, where, one_line=one_line)
    except EncodingError:
        try:
            text = data.decode("utf-8").strip()
        except UnicodeDecodeError:
            text = ""
        if sealed_errors.is_sealed(text):
            return text
        raise


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
    """An envelope that was opened: where it sat, what it said about itself, and (from an
    [`EnvelopeOpener`][]) the tenant and key id of the key that opened it."""

    path: str
    info: EnvelopeInfo
    tenant: str | None = None
    opened_with: str | None = None


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


def open_with_report(document: Any, opener: Encryptor | EnvelopeOpener) -> OpenReport:
    """[`open_envelopes`][] with ``opener``, reporting path, strategy, codec and key id for
    every envelope, opened or not, and who opened it. The input is not modified."""
    found = dict(find_envelopes(document))
    paths = {id(value): where for where, value in found.items()}
    opened: list[OpenedEnvelope] = []

    def path_of(value: dict[str, Any]) -> str:
        # An envelope carried as text is parsed afresh: match it by value.
        found_path = paths.get(id(value))
        return found_path or next((p for p, v in found.items() if v == value), "$")

    def open_one(value: dict[str, Any]) -> Any:
        if isinstance(opener, EnvelopeOpener):
            opening = opener.open(value)
        else:
            opening = Opening(opener.decrypt(value))
        where = path_of(value)
        opened.append(OpenedEnvelope(where, describe(value), opening.tenant, opening.key_id))
        return opening.value

    result, failed = open_envelopes(document, open_one)
    failures = [
        UnopenedEnvelope(where, describe(found.get(where, {})), error) for where, error in failed
    ]
    return OpenReport(result, opened, failures)
