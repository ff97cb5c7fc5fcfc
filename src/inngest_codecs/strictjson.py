"""Strict, compact UTF-8 JSON: a value either round-trips unchanged or is refused.

Refused on the way in: NaN and infinities, objects JSON has no type for,
strings that are not valid Unicode (lone surrogates), and cycles. The error
names the offending type and where it sits (``$.user.visits[3]``), never the
value. Tuples travel as arrays and non-string keys of the kinds the standard
library accepts (int, float, bool, None) become strings, as everywhere else in
the Inngest SDK. On the way out, the non-standard ``NaN``/``Infinity`` literals
are refused.
"""

from __future__ import annotations

import json
import marshal
import math
from collections.abc import Iterator
from typing import Any

import orjson

from .errors import EncodingError

# Two paths with one behaviour. orjson is the fast path, taken only when it
# cannot change a value: on the way in, when the value holds nothing but exact
# JSON types and finite floats (orjson writes NaN as null and converts UUIDs and
# enums silently); on the way out, when no integer literal could exceed 64 bits
# (orjson reads those as floats). Everything else takes the standard library.
# marshal checks "exact built-in types only" in C, five times faster than a
# Python walk; what orjson accepts and marshal accepts is exactly the JSON
# types, so only floats remain to check, and only when the output has a null.
_encoder = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"))
_KEY_TYPES = (str, int, float, bool, type(None))
_SCALARS = (str, int, float, bool, type(None))
_DIGITS_TO_ZERO = bytes.maketrans(b"123456789", b"000000000")
_LONG_INTEGER = b"0" * 19
# orjson's parser builds a transient tree of about twelve times the document
# before it makes Python objects; above this size the standard library, about
# twice as slow but needing no more than the document again, reads it.
FAST_PARSE_LIMIT = 1 << 20


def _floats_are_finite(value: object) -> bool:
    """Whether every float in ``value`` (already known to hold only JSON types) is finite."""
    stack: list[Any] = [value]
    pop = stack.pop
    while stack:
        current = pop()
        kind = type(current)
        if kind is float:
            if current - current:  # NaN for NaN and infinities, 0.0 otherwise
                return False
        elif kind is dict:
            stack.extend(current.values())
        elif kind is list or kind is tuple:
            stack.extend(current)
    return True


def _fast_dumps(value: object) -> bytes | None:
    """orjson's encoding of ``value`` when it is exact, else ``None``."""
    try:
        encoded = orjson.dumps(value)
        marshal.dumps(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):  # orjson.JSONEncodeError is a TypeError
        return None
    if b"null" in encoded and not _floats_are_finite(value):
        return None
    return encoded


def dumps(value: object) -> bytes:
    """``value`` as compact UTF-8 JSON bytes, or :class:`EncodingError`."""
    fast = _fast_dumps(value)
    if fast is not None:
        return fast
    try:
        return _encoder.encode(value).encode("utf-8")
    except (ValueError, TypeError, RecursionError):
        raise EncodingError(_describe_problem(value)) from None


def _reject_constant(name: str) -> object:
    raise ValueError("non-standard JSON constant")


_decoder = json.JSONDecoder(parse_constant=_reject_constant)


def loads(data: bytes) -> object:
    """Parse strict JSON bytes, or :class:`EncodingError` (naming nothing of the content)."""
    if len(data) <= FAST_PARSE_LIMIT and _LONG_INTEGER not in data.translate(_DIGITS_TO_ZERO):
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError:
            pass  # the standard library decides, and names the failure the same way
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
