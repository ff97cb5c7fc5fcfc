"""Strict, compact UTF-8 JSON: a value either round-trips unchanged or is refused.

Refused on the way in: NaN and infinities, objects JSON has no type for,
strings that are not valid Unicode (lone surrogates), and cycles. The error
names the offending type and where it sits (``$.user.visits[3]``), never the
value. Tuples travel as arrays and non-string keys of the kinds the standard
library accepts (int, float, bool, None) become strings, as everywhere else in
the Inngest SDK. On the way out, the non-standard ``NaN``/``Infinity`` literals
are refused.

Speed: :mod:`orjson` does the work whenever its output is provably the one the
standard library would give, and the standard library (the reference) does it
otherwise. orjson alone would change values silently (NaN written as ``null``,
UUIDs, enums, dates and dataclasses written natively, integers past 64 bits
read back as floats), so each fast result is checked cheaply and exactly:

- encoding: orjson refuses (and so hands over) big integers, non-string keys,
  lone surrogates, subclasses, dates, dataclasses, cycles and deep nesting; the
  remaining leaves must be of exactly the JSON types (one pass of
  :func:`gc.get_referents` per level, in C), and every ``null`` in the output
  must be a ``None`` in the value (a NaN or infinity would add one more).
- decoding: orjson refuses lone-surrogate escapes, NaN literals and numbers out
  of range; a run of 19 or more digits (an integer that may not fit 64 bits, or
  a long mantissa) sends the payload to the standard library. Payloads over
  1 MiB go to the standard library too: orjson's parse tree holds about twelve
  times the payload's size while it builds the value, the standard library
  about one.
"""

from __future__ import annotations

import gc
import json
import math
from collections.abc import Iterator

import orjson

from .errors import EncodingError

_encoder = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"))
_KEY_TYPES = (str, int, float, bool, type(None))
_SCALARS = (str, int, float, bool, type(None))
_CONTAINERS = frozenset({dict, list, tuple})
_JSON_TYPES = frozenset({str, int, float, bool, type(None), *_CONTAINERS})
_ORJSON_OPTIONS = (
    orjson.OPT_PASSTHROUGH_DATACLASS
    | orjson.OPT_PASSTHROUGH_DATETIME
    | orjson.OPT_PASSTHROUGH_SUBCLASS
)
_NULL = b"null"
_ORJSON_LOADS_MAX = 1 << 20
_LONG_DIGIT_RUN = b"0" * 19
_DIGITS_AS_ZERO = bytes(
    0x30 if chr(byte).isdigit() and byte < 0x80 else 0x20 for byte in range(256)
)


def dumps(value: object) -> bytes:
    """``value`` as compact UTF-8 JSON bytes, or :class:`EncodingError`."""
    try:
        fast = orjson.dumps(value, option=_ORJSON_OPTIONS)
    except orjson.JSONEncodeError:
        pass
    else:
        if _orjson_was_faithful(value, fast):
            return fast
    try:
        return _encoder.encode(value).encode("utf-8")
    except (ValueError, TypeError, RecursionError):
        raise EncodingError(_describe_problem(value)) from None


def _orjson_was_faithful(value: object, encoded: bytes) -> bool:
    """Whether ``encoded`` (orjson's output for ``value``) is what the reference writes.

    orjson succeeded, so ``value`` is finite and acyclic; walk it level by level.
    """
    count_nones = _NULL in encoded
    nones = 0
    level: list[object] = [value]
    while True:
        kinds = set(map(type, level))
        if not kinds <= _JSON_TYPES:
            return False
        if count_nones:
            nones += level.count(None)
        if kinds.isdisjoint(_CONTAINERS):
            return nones == encoded.count(_NULL) if count_nones else True
        # Of the JSON types only containers have referents: their items (dict: values).
        level = gc.get_referents(*level)


def _reject_constant(name: str) -> object:
    raise ValueError("non-standard JSON constant")


_decoder = json.JSONDecoder(parse_constant=_reject_constant)


def loads(data: bytes) -> object:
    """Parse strict JSON bytes, or :class:`EncodingError` (naming nothing of the content)."""
    if len(data) <= _ORJSON_LOADS_MAX and _LONG_DIGIT_RUN not in data.translate(_DIGITS_AS_ZERO):
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError:
            pass
    try:
        return _decoder.decode(data.decode("utf-8"))
    except (ValueError, RecursionError):
        raise EncodingError("the decrypted payload is not valid UTF-8 JSON") from None


def _key_path(path: str, key: object) -> str:
    if isinstance(key, str) and key.isidentifier():
        return f"{path}.{key}"
    return f"{path}[{json.dumps(key) if isinstance(key, str) else type(key).__name__}]"


def _problems(value: object, path: str, active: set[int]) -> Iterator[str]:
    """Depth-first search for the first thing JSON cannot carry faithfully."""
    if isinstance(value, float) and not math.isfinite(value):
        yield f"non-finite float at {path}"
    elif isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            yield f"str with a lone surrogate (not valid Unicode) at {path}"
    elif isinstance(value, _SCALARS):
        return
    elif isinstance(value, (dict, list, tuple)):
        if id(value) in active:
            yield f"circular reference at {path}"
            return
        active.add(id(value))
        if isinstance(value, dict):
            for key, item in value.items():
                if not isinstance(key, _KEY_TYPES):
                    yield f"dict key of type {type(key).__name__} at {path}"
                else:
                    yield from _problems(key, f"{path} (a key)", active)
                    yield from _problems(item, _key_path(path, key), active)
        else:
            for index, item in enumerate(value):
                yield from _problems(item, f"{path}[{index}]", active)
        active.discard(id(value))
    else:
        yield f"value of type {type(value).__name__} at {path}, which JSON cannot represent"


def _describe_problem(value: object) -> str:
    try:
        found = next(_problems(value, "$", set()), None)
    except RecursionError:
        found = None
    if found is None:
        return "the value is nested too deeply to encode as JSON"
    return f"cannot encode as JSON: {found}"
