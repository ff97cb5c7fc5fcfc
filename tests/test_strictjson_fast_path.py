"""The fast JSON path must give exactly what the reference (standard library) path gives."""

from __future__ import annotations

import dataclasses
import enum
import json
import math
import struct
import uuid

import pytest

from inngest_codecs import EncodingError
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
        ({"a": None, "b": [None, math.nan]}, "non-finite float at $[<key 1>][1]"),
        ({"a": "null", "b": -math.inf}, "non-finite float at $[<key 1>]"),
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


@pytest.mark.parametrize(
    "value",
    [
        {"big": 2**70, "neg": -(2**70), "edge": [2**63, 2**64, -(2**63) - 1]},
        {1: "a", 2.5: "b", False: "c", None: "d"},
        {"size": Size.SMALL, "t": (1, (2, None))},
        {"text": "null and nan", "n": None, "deep": [[[[None]]]]},
        ["é", "\u2028", "\x00", 1e16, -0.0, 5e-324, 1.7976931348623157e308],
    ],
)
def test_dumps_reads_back_as_the_standard_library_reads_its_own(value: object) -> None:
    reference = json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    assert loads(dumps(value)) == json.loads(reference)


@pytest.mark.parametrize(
    "text",
    [
        b'{"big":1180591620717411303424}',
        b"[-1180591620717411303424, 18446744073709551616]",
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


def test_integer_past_64_bits_round_trips_exactly() -> None:
    value = {"n": 2**70 + 1}
    assert loads(dumps(value)) == value
    assert isinstance(loads(dumps(value))["n"], int)  # type: ignore[index]


@pytest.mark.parametrize("literal", [b"NaN", b"[Infinity]", b'{"a":-Infinity}'])
def test_non_standard_literals_are_refused(literal: bytes) -> None:
    with pytest.raises(EncodingError):
        loads(literal)
