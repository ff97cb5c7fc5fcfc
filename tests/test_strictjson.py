"""Strict JSON by example: what the writer refuses, and where it says it is; what the fast
path writes and reads is exactly what the standard library writes and reads.

The reader and the writer applying one rule set is in test_strictjson_rules.py.
"""

from __future__ import annotations

import collections
import dataclasses
import datetime
import enum
import json
import math
import struct
import uuid

import pytest

from inngest_codecs import EncodingError, Encryptor
from inngest_codecs.strictjson import dumps, loads


class Colour(enum.Enum):
    RED = 1


class Size(enum.IntEnum):
    SMALL = 1


@dataclasses.dataclass
class Point:
    x: int


@pytest.mark.parametrize(
    ("value", "where"),
    [
        ({"a": [1, math.nan]}, "non-finite float at $[<key 0>][1]"),
        ({"a": 1, "b": {"c": math.inf}}, "non-finite float at $[<key 1>][<key 0>]"),
        ([{"when": datetime.date(2020, 1, 1)}], "type date at $[0][<key 0>]"),
        ({"weird key": {"x": 1, 1j: 1}}, "dict key of type complex at $[<key 0>][<key 1>]"),
        ({"s": "bad \ud800"}, "str with a lone surrogate (not valid Unicode) at $[<key 0>]"),
        ({"ok": 1, "bad \udc00": 2}, "lone surrogate (not valid Unicode) at $[<key 1>] (the dict"),
        ({math.nan: 1}, "non-finite float at $[<key 0>] (the dict key itself)"),
    ],
)
def test_unrepresentable_values_name_type_and_place(value: object, where: str) -> None:
    with pytest.raises(EncodingError) as caught:
        Encryptor("k").encrypt(value)
    assert where in str(caught.value)


# orjson writes NaN and infinities as null, and converts UUIDs, enums and
# dataclasses: the fast path must refuse each of them, in place.
@pytest.mark.parametrize(
    ("value", "where"),
    [
        ({"a": None, "b": math.nan}, "non-finite float at $[<key 1>]"),
        ({"a": None, "b": [None, math.nan]}, "non-finite float at $[<key 1>][1]"),
        ([None, [math.inf]], "non-finite float at $[1][0]"),
        ({"a": "null", "b": -math.inf}, "non-finite float at $[<key 1>]"),
        ({"n": None, "t": (1.0, -math.inf)}, "non-finite float at $[<key 1>][1]"),
        ({"id": uuid.UUID(int=7)}, "type UUID at $[<key 0>]"),
        ({"colour": Colour.RED}, "type Colour at $[<key 0>]"),
        ({"p": Point(1)}, "type Point at $[<key 0>]"),
        ([{"n": None}, {"x": (1, math.nan)}], "non-finite float at $[1][<key 0>][1]"),
        ([None, struct.unpack("<d", b"\x01\x00\x00\x00\x00\x00\xf8\xff")[0]], "at $[1]"),
        ([None, -1, -1.5e308 * 10], "non-finite float at $[2]"),
    ],
)
def test_values_the_fast_encoder_would_change_are_refused(value: object, where: str) -> None:
    with pytest.raises(EncodingError) as caught:
        dumps(value)
    assert where in str(caught.value)


def test_error_never_contains_the_value() -> None:
    secret = "the-secret-text"
    with pytest.raises(EncodingError) as caught:
        dumps({"card": secret, "at": object()})
    assert secret not in str(caught.value)


def test_cycle_is_reported() -> None:
    looped: list[object] = []
    looped.append(looped)
    with pytest.raises(EncodingError, match="circular"):
        dumps({"x": looped})


def test_output_is_compact_utf8() -> None:
    assert dumps({"a": [1, "é"]}) == '{"a":[1,"é"]}'.encode()


@pytest.mark.parametrize(
    "value",
    [
        {"big": 2**70, "neg": -(2**70), "edge": [2**63, 2**64, -(2**63) - 1]},
        {1: "a", 2.5: "b", False: "c", None: "d"},
        {"size": Size.SMALL, "t": (1, (2, None))},
        {"text": "null and nan", "n": None, "deep": [[[[None]]]]},
        ["é", "\u2028", "\x00", 1e16, -0.0, 5e-324, 1.7976931348623157e308],
        collections.OrderedDict(a=(1, 2)),
    ],
)
def test_dumps_reads_back_as_the_standard_library_reads_its_own(value: object) -> None:
    reference = json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    assert loads(dumps(value)) == json.loads(reference)


def test_integer_past_64_bits_round_trips_exactly() -> None:
    value = {"n": 2**70 + 1}
    assert loads(dumps(value)) == value
    assert isinstance(loads(dumps(value))["n"], int)  # type: ignore[index]


@pytest.mark.parametrize(
    "text",
    [
        b'{"big":1180591620717411303424}',
        b"[-1180591620717411303424, 18446744073709551616]",
        b'{"n":123456789012345678901234567890,"m":-18446744073709551617}',
        b'{"f":0.12345678901234567890123}',
        b'{"s":"\\ud83d\\ude00","t":"\\u00e9"}',
        b"[1e-400, -0.0, 1.7976931348623157e308, 5e-324]",
        b"-" + b"9" * 4300,
    ],
)
def test_loads_matches_the_standard_library_exactly(text: bytes) -> None:
    expected = json.loads(text.decode())
    got = loads(text)
    assert repr(got) == repr(expected)
    assert type(got) is type(expected)


@pytest.mark.parametrize(
    "text", [b"NaN", b"[Infinity]", b'{"a":-Infinity}', b"-Infinity", b"{", b"\xff"]
)
def test_non_standard_or_broken_json_is_refused(text: bytes) -> None:
    with pytest.raises(EncodingError):
        loads(text)
