"""Strict, compact UTF-8 JSON: a value is written as JSON can carry it, or refused.

What comes back equals what was sent, except for the two conversions JSON
itself makes, which the rest of the Inngest SDK makes too: tuples come back as
lists, and dict keys that are int, float, bool or None come back as strings.

One rule set, both ways. A value travels when it holds only:

- ``None``, ``bool``, ``str`` that is valid Unicode (no lone surrogates),
  ``int`` within Python's int-to-text limit (4300 digits unless the
  interpreter is set otherwise), and finite ``float``;
- ``list`` and ``tuple`` (written as arrays), and ``dict`` whose keys are
  ``str`` (keys of type int, float, bool and None are written as strings, as
  the standard library and the rest of the Inngest SDK do);
- nesting within the interpreter's recursion limit, and no cycles.

[`dumps`][] refuses a value that breaks a rule; [`loads`][] refuses a
document whose value would break one (``NaN`` and ``Infinity`` literals,
numbers such as ``1e400`` that only infinity can hold, escaped lone
surrogates, over-long integers). So whatever ``loads`` returns, ``dumps``
writes, and the other way round.

Errors name the type and the position, never a value or a key. Positions
start at ``$`` (the whole value); ``[3]`` is the item at index 3 of an
array, and ``[<key 2>]`` the value under an object's third key (keys are
counted from 0 in the object's order, and never shown: they can be
personal data, such as an email address used as a key).
"""

from __future__ import annotations

import marshal
import re
import sys
from collections.abc import Callable
from typing import Any

import orjson

from .errors import EncodingError

# Two paths with one behaviour. The fast path is taken only when it provably
# gives what the rules give. Writing: orjson, whose output is trusted when
# marshal also accepts the value (marshal takes exact built-in types only, so
# the two together accept exactly the JSON types: orjson alone would turn
# UUIDs, enums, dataclasses and datetimes into strings or objects silently)
# and when no float is NaN or infinite (orjson writes those as null, so they
# are looked for only when the output has a null: in a MessagePack copy of
# the value, where every float is the byte 0xCB and its eight big-endian
# bytes, and an exponent of all ones is the two bytes [7F|FF][F0-FF]).
# Reading: msgspec, which refuses NaN, overflowing numbers and lone
# surrogates as the rules do and reads big integers exactly. Anything either
# fast path refuses is decided by the standard library and the rules below.
# msgspec is imported by the first value that needs it: importing it takes a
# few milliseconds (more where nothing has loaded typing_extensions yet), which
# an application's start-up need not pay.


def _use_msgspec() -> None:
    """Bind msgspec's reader and packer, and the errors they raise, in their place."""
    global _decode, _pack, _READ_REFUSALS, _WRITE_REFUSALS
    import msgspec

    # The refusals first: a thread that meets msgspec's errors must already catch them.
    _READ_REFUSALS = (msgspec.DecodeError, UnicodeDecodeError, RecursionError)
    _WRITE_REFUSALS = (TypeError, ValueError, msgspec.EncodeError)
    _pack = msgspec.msgpack.Encoder().encode
    _decode = msgspec.json.Decoder().decode


def _first_decode(data: bytes) -> object:
    _use_msgspec()
    return _decode(data)


def _first_pack(value: object) -> bytes:
    _use_msgspec()
    return _pack(value)


_decode: Callable[[bytes], object] = _first_decode
_pack: Callable[[object], bytes] = _first_pack
_READ_REFUSALS: tuple[type[BaseException], ...] = (UnicodeDecodeError, RecursionError)
_WRITE_REFUSALS: tuple[type[BaseException], ...] = (TypeError, ValueError)  # orjson: TypeError
_NON_FINITE_PACKED = re.compile(rb"\xcb[\x7f\xff][\xf0-\xff]")
_READER_INT_DIGITS = 4300  # msgspec reads integers of up to this many digits
_SLACK_KEPT = 4096  # the largest output not copied out of orjson's buffer when not asked to
_marshal, _orjson = marshal.dumps, orjson.dumps  # one lookup less per value


def _no_int_digit_limit() -> int:
    return 0  # Python 3.10 before 3.10.7 converts integers of any length


_int_digit_limit = getattr(sys, "get_int_max_str_digits", _no_int_digit_limit)


def dumps(value: object, *, exact: bool = True) -> bytes:
    """``value`` as compact UTF-8 JSON bytes, or [`EncodingError`][].

    ``exact=False`` may return bytes that hold on to a larger allocation: for
    bytes used at once and dropped, not kept.
    """
    try:
        # marshal first: its output is gone before orjson's buffer is made.
        _marshal(value)  # type: ignore[arg-type]
        encoded = _orjson(value)
        suspect = encoded.find(b"null") != -1 and _NON_FINITE_PACKED.search(_pack(value))
    except _WRITE_REFUSALS:
        return _checked_dumps(value)
    if suspect:
        return _checked_dumps(value)
    if exact or len(encoded) > _SLACK_KEPT:
        # orjson's bytes keep its whole output buffer (measured: 1.7x the JSON at
        # 4 MB, 3.5x at 16 KB, 40x for a 120-byte value); an exact copy costs
        # 0.1 us to 80 us and lets that buffer go.
        return memoryview(encoded).tobytes()
    return encoded


def loads(data: bytes) -> object:
    """The value of strict JSON bytes, or [`EncodingError`][] naming no content."""
    if 0 < _int_digit_limit() < _READER_INT_DIGITS:
        return _checked_loads(data)  # the interpreter allows fewer digits than msgspec reads
    try:
        return _decode(data)
    except _READ_REFUSALS:
        return _checked_loads(data)


# The reference path: the standard library, with the rules checked.

_reference: tuple[Any, Any] | None = None  # (encoder, decoder), built on first use


class _Refused(Exception):
    """Raised from inside the standard library's parser for a literal the rules refuse."""


def _refuse_constant(name: str) -> object:
    raise _Refused("a NaN or Infinity literal")


def _parse_int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise _Refused(f"an integer of more than {_int_digit_limit()} digits") from None


def _standard_library() -> tuple[Any, Any]:
    global _reference
    if _reference is None:
        import json

        _reference = (
            json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":")),
            json.JSONDecoder(parse_constant=_refuse_constant, parse_int=_parse_int),
        )
    return _reference


def _checked_dumps(value: object) -> bytes:
    encoder, _ = _standard_library()
    try:
        return encoder.encode(value).encode("utf-8")  # type: ignore[no-any-return]
    except (ValueError, TypeError, RecursionError):
        problem = first_problem(value) or "the value is nested too deeply"
        raise EncodingError(f"cannot encode as JSON: {problem}") from None


def _checked_loads(data: bytes) -> object:
    _, decoder = _standard_library()
    try:
        text = bytes(data).decode("utf-8")
    except UnicodeDecodeError as error:
        raise EncodingError(f"the payload is not valid UTF-8 (byte {error.start})") from None
    try:
        value = decoder.decode(text)
    except _Refused as refusal:
        raise EncodingError(f"the payload holds {refusal}, which JSON values cannot") from None
    except RecursionError:
        raise EncodingError("the payload is nested too deeply to read") from None
    except ValueError as error:  # json.JSONDecodeError; its message may quote a character
        reason = str(getattr(error, "msg", "malformed")).partition(": ")[0]
        where = f"line {getattr(error, 'lineno', '?')}, column {getattr(error, 'colno', '?')}"
        raise EncodingError(f"the payload is not valid JSON: {reason} at {where}") from None
    problem = first_problem(value)
    if problem is not None:
        raise EncodingError(f"the payload holds what JSON values cannot: {problem}")
    return value


# The rules, as one check over a Python value.

_SCALARS = (str, int, float, bool, type(None))
_KEY_TYPES = _SCALARS
_SMALL_INT_BITS = 2000  # below every limit Python allows for int-to-text (640 digits or more)


class _Leave:
    """Marks where the walk leaves a container (for cycle detection)."""

    __slots__ = ("container_id",)

    def __init__(self, container_id: int) -> None:
        self.container_id = container_id


def _scalar_problem(item: object, where: str) -> str | None:
    if isinstance(item, float):
        return None if item - item == 0 else f"non-finite float at {where}"
    if isinstance(item, str):
        try:
            item.encode("utf-8")
        except UnicodeEncodeError:
            return f"str with a lone surrogate (not valid Unicode) at {where}"
    elif isinstance(item, int) and item.bit_length() > _SMALL_INT_BITS:
        try:
            str(item)
        except ValueError:
            return f"int of more than {_int_digit_limit()} digits at {where}"
    return None


def first_problem(value: object) -> str | None:
    """The first thing in ``value`` (depth first) that breaks a rule, described, or ``None``."""
    stack: list[tuple[Any, str]] = [(value, "$")]
    inside: set[int] = set()
    while stack:
        item, where = stack.pop()
        if isinstance(item, _Leave):
            inside.discard(item.container_id)
        elif isinstance(item, _SCALARS):
            problem = _scalar_problem(item, where)
            if problem is not None:
                return problem
        elif isinstance(item, (dict, list, tuple)):
            if id(item) in inside:
                return f"circular reference at {where}"
            inside.add(id(item))
            stack.append((_Leave(id(item)), where))
            children: list[tuple[Any, str]] = []
            if isinstance(item, dict):
                for index, (key, child) in enumerate(item.items()):
                    at = f"{where}[<key {index}>]"
                    if not isinstance(key, _KEY_TYPES):
                        return f"dict key of type {type(key).__name__} at {at}"
                    problem = _scalar_problem(key, at)
                    if problem is not None:
                        return f"{problem} (the dict key itself)"
                    children.append((child, at))
            else:
                children = [(child, f"{where}[{index}]") for index, child in enumerate(item)]
            stack.extend(reversed(children))
        else:
            return f"value of type {type(item).__name__} at {where}, which JSON cannot represent"
    return None
