from __future__ import annotations

import datetime
import math

import pytest

from inngest_codecs import EncodingError, Encryptor
from inngest_codecs.strictjson import dumps, loads


@pytest.mark.parametrize(
    ("value", "where"),
    [
        ({"a": [1, math.nan]}, "non-finite float at $.a[1]"),
        ({"b": {"c": math.inf}}, "non-finite float at $.b.c"),
        ([{"when": datetime.date(2020, 1, 1)}], "type date at $[0].when"),
        ({"weird key": {1j: 1}}, 'dict key of type complex at $["weird key"]'),
        ({"s": "bad \ud800"}, "lone surrogate"),
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
