"""Any input gives a value or a typed CodecError: never another exception."""

from __future__ import annotations

import base64
import contextlib
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inngest_codecs import CodecError, Encryptor
from inngest_codecs.envelope import DATA, MARKER, STRATEGY, parse
from inngest_codecs.for_inngest import events
from inngest_codecs.for_inngest.documents import open_envelopes

from ..conftest import json_scalars
from .figures import count

ENCRYPTOR = Encryptor("fuzz key", fallback_keys=["older"], codec="aes-gcm")
STRATEGIES = ["inngest/libsodium", "inngest-codecs/aes-256-gcm", "inngest/aes", "acme/x", ""]

json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=10,
)
anything = st.one_of(
    json_values,
    st.binary(max_size=50),
    st.integers(),
    st.floats(),
    st.lists(st.integers(), max_size=5),
    st.dictionaries(st.text(max_size=8), st.integers(), max_size=5),
)
base64_text = st.binary(max_size=200).map(lambda b: base64.b64encode(b).decode())
malformed_base64 = st.text(max_size=60)
envelope_like = st.fixed_dictionaries(
    {MARKER: st.just(True)},
    optional={
        STRATEGY: st.one_of(st.sampled_from(STRATEGIES), anything),
        DATA: st.one_of(base64_text, malformed_base64, anything),
        "extra": anything,
    },
)

pytestmark = pytest.mark.slow
documents = st.recursive(
    st.one_of(json_values, envelope_like),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(), children, max_size=5)
    ),
    max_leaves=20,
)


@settings(max_examples=400)
@given(envelope_like)
def test_envelope_parser(value: dict[str, Any]) -> None:
    count("envelope parser inputs")
    try:
        strategy, blob = parse(value)
    except CodecError:
        return
    assert isinstance(strategy, str) and isinstance(blob, bytes)


@settings(max_examples=400)
@given(st.one_of(envelope_like, anything))
def test_encryptor_decrypt(value: Any) -> None:
    count("Encryptor.decrypt inputs")
    with contextlib.suppress(CodecError):
        ENCRYPTOR.decrypt(value)


@settings(max_examples=300)
@given(st.dictionaries(st.text(max_size=10), st.one_of(envelope_like, json_values), max_size=6))
def test_decrypt_event_data(data: dict[str, Any]) -> None:
    count("decrypt_event_data inputs")
    with contextlib.suppress(CodecError):
        assert isinstance(events.open_fields(ENCRYPTOR, data), dict)


@settings(max_examples=300)
@given(documents)
def test_document_walker(document: Any) -> None:
    count("document walker inputs")
    _opened, failures = open_envelopes(document, ENCRYPTOR.decrypt)
    assert all(isinstance(error, CodecError) for _, error in failures)


@settings(max_examples=300)
@given(st.one_of(anything, st.builds(object), st.sets(st.integers()), st.complex_numbers()))
def test_encrypt_any_python_value(value: Any) -> None:
    count("Encryptor.encrypt inputs")
    try:
        sealed = ENCRYPTOR.encrypt(value)
    except CodecError:
        return
    assert ENCRYPTOR.decrypt(sealed) == value or value != value  # NaN never gets here


def test_huge_and_deep_documents() -> None:
    deep: Any = ENCRYPTOR.encrypt("bottom")
    for _ in range(5000):
        deep = [deep]
    with contextlib.suppress(CodecError):
        open_envelopes(deep, ENCRYPTOR.decrypt)
    wide = {str(i): ENCRYPTOR.encrypt(i) for i in range(3000)}
    opened, failures = open_envelopes(wide, ENCRYPTOR.decrypt)
    assert not failures and opened["2999"] == 2999
    count("huge and deep documents", 2)
