from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings

from inngest_codecs import Encryptor
from inngest_codecs.envelope import DATA, MARKER, STRATEGY

from .conftest import json_values


@pytest.mark.slow
@settings(
    max_examples=150,
    suppress_health_check=[
        *settings.default.suppress_health_check,
        HealthCheck.function_scoped_fixture,
    ],
)
@given(value=json_values)
def test_any_json_value_round_trips(codec_name: str, value: object) -> None:
    encryptor = Encryptor("round-trip key", codec=codec_name)
    sealed = encryptor.encrypt(value)
    assert sealed[MARKER] is True
    assert isinstance(sealed[DATA], str)
    assert encryptor.decrypt(sealed) == value


@pytest.mark.parametrize(
    "value",
    [
        None,
        0,
        "",
        {},
        [],
        2**200,
        -(2**70),
        1.7976931348623157e308,
        5e-324,
        "日本語 🎉 \u2028 \x00",
        {"ключ": {"深": [[[[[[[[[["deep"]]]]]]]]]]}},
    ],
    ids=repr,
)
def test_edge_values_round_trip(codec_name: str, value: object) -> None:
    encryptor = Encryptor("edge key", codec=codec_name)
    assert encryptor.decrypt(encryptor.encrypt(value)) == value


@pytest.mark.slow
def test_four_megabyte_value_round_trips(codec_name: str) -> None:
    value = {"rows": [{"id": i, "text": "x" * 100} for i in range(36_000)]}
    assert len(json.dumps(value)) > 4_000_000
    encryptor = Encryptor("big key", codec=codec_name)
    assert encryptor.decrypt(encryptor.encrypt(value)) == value


def test_deeply_nested_value_round_trips(codec_name: str) -> None:
    value: object = "bottom"
    for _ in range(500):
        value = [value]
    encryptor = Encryptor("deep key", codec=codec_name)
    assert encryptor.decrypt(encryptor.encrypt(value)) == value


def test_envelope_is_compact_json_with_strategy(codec_name: str) -> None:
    encryptor = Encryptor("k", codec=codec_name)
    sealed = encryptor.encrypt({"a": 1})
    assert set(sealed) == {MARKER, STRATEGY, DATA}
    assert sealed[STRATEGY] == encryptor.codec.strategy


def test_same_value_encrypts_differently_each_time(codec_name: str) -> None:
    encryptor = Encryptor("k", codec=codec_name)
    assert encryptor.encrypt("same")[DATA] != encryptor.encrypt("same")[DATA]


def test_non_envelopes_pass_through_decrypt() -> None:
    encryptor = Encryptor("k")
    for value in (None, 1, "text", [1], {"a": 1}, {MARKER: False, DATA: "x"}):
        assert encryptor.decrypt(value) == value
