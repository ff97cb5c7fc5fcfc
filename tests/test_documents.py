"""Paths, descriptions and reports of the envelopes inside a document."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from inngest_codecs import Encryptor
from inngest_codecs.for_inngest.documents import describe, find_envelopes, open_with_report
from inngest_codecs.jsoninput import explain, read_json

from .conftest import json_text

KEY = "documents key"


@given(st.dictionaries(json_text, st.none(), min_size=1, max_size=3))
def test_paths_are_printable_ascii_and_unambiguous(document: dict[str, None]) -> None:
    sealed = Encryptor(KEY).encrypt(1)
    nested = {key: {key: sealed} for key in document}
    paths = [path for path, _ in find_envelopes(nested)]
    assert len(set(paths)) == len(document)
    for path in paths:
        assert path.isascii() and path.isprintable()


def test_plain_names_use_dots_and_other_keys_json_strings() -> None:
    sealed = Encryptor(KEY).encrypt(1)
    document = {"a": [{"b_2": sealed}], "x.y": sealed, "tab\t": sealed, "é": sealed, "1": sealed}
    assert [path for path, _ in find_envelopes(document)] == [
        "$.a[0].b_2",
        '$["x.y"]',
        '$["tab\\t"]',
        '$["\\u00e9"]',
        '$["1"]',
    ]


def test_open_with_report_accounts_for_every_envelope() -> None:
    aes = Encryptor(KEY, codec="aes-gcm")
    document = {
        "a": aes.encrypt({"n": 1}),
        "b": [Encryptor("other").encrypt(2)],
        "c": {"__ENCRYPTED__": True, "__STRATEGY__": "acme/x", "data": "%%"},
    }
    report = open_with_report(document, aes)
    assert report.document["a"] == {"n": 1}
    assert report.document["b"] == document["b"]
    assert [(o.path, o.info.codec, o.info.key_id) for o in report.opened] == [
        ("$.a", "aes-gcm", aes.codec.key_ids[0])
    ]
    assert [(f.path, f.info.codec, f.info.size) for f in report.failures] == [
        ("$.b[0]", "secretbox", describe(document["b"][0]).size),
        ("$.c", None, None),
    ]
    assert document["a"]["__ENCRYPTED__"] is True  # the input is not modified


def test_describe_never_raises_on_malformed_envelopes() -> None:
    for value in [
        {"__ENCRYPTED__": True},
        {"__ENCRYPTED__": True, "__STRATEGY__": 5, "data": 5},
        {"__ENCRYPTED__": True, "__STRATEGY__": "inngest-codecs/aes-256-gcm", "data": "AA=="},
    ]:
        info = describe(value)
        assert info.key_id is None


def test_read_json_names_the_problem_and_never_the_content() -> None:
    cases = {
        b'{"secret-value": tru}': "line 1, column 18",
        b'{"a": 1}\n{"b": 2}': "looks like JSON lines",
        b'{"a": NaN}': "NaN or Infinity",
        b"1" * 5000: "more than",
        b"[" * 100_000: "nested too deeply",
        b'"\xff"': "not UTF-8 text (invalid byte at offset 1)",
        b"   ": "is empty",
    }
    for data, expected in cases.items():
        message = explain(data)
        assert expected in message, (data[:20], message)
        assert "secret-value" not in message
    assert read_json(b'{"a": [1, 2.5, "x", null]}') == {"a": [1, 2.5, "x", None]}
    assert json.loads(json.dumps(read_json(b"[]"))) == []
