from __future__ import annotations

import datetime
import math

import pytest

from inngest_codecs import EncodingError, Encryptor
from inngest_codecs.strictjson import dumps, loads


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


@pytest.mark.parametrize("text", [b"NaN", b"[Infinity]", b"{", b"\xff", b"-Infinity"])
def test_non_standard_or_broken_json_is_refused(text: bytes) -> None:
    with pytest.raises(EncodingError):
        loads(text)


@pytest.mark.parametrize(
    "value",
    [
        {"a": None, "b": math.nan},
        [None, [math.inf]],
        {"n": None, "t": (1.0, -math.inf)},
    ],
    ids=["nan", "inf", "-inf-in-tuple"],
)
def test_non_finite_floats_beside_nulls_are_refused(value: object) -> None:
    # orjson writes NaN and infinities as null; the fast path must not let them through.
    with pytest.raises(EncodingError, match="non-finite float"):
        dumps(value)


def test_objects_orjson_would_convert_are_refused() -> None:
    import enum
    import uuid

    class Colour(enum.Enum):
        RED = "red"

    for value in ({"id": uuid.uuid4()}, [Colour.RED]):
        with pytest.raises(EncodingError, match="type"):
            dumps(value)


def test_values_only_the_standard_library_encodes_keep_their_meaning() -> None:
    import collections
    import enum

    class Level(enum.IntEnum):
        HIGH = 3

    assert loads(dumps({"big": 2**70, "level": Level.HIGH, 1: "int key"})) == {
        "big": 2**70,
        "level": 3,
        "1": "int key",
    }
    assert loads(dumps(collections.OrderedDict(a=(1, 2)))) == {"a": [1, 2]}


def test_long_integers_from_other_writers_are_exact() -> None:
    assert loads(b'{"n":123456789012345678901234567890,"m":-18446744073709551617}') == {
        "n": 123456789012345678901234567890,
        "m": -18446744073709551617,
    }
