"""Altered, truncated, misdirected or unknown ciphertexts give the right typed error."""

from __future__ import annotations

import base64
import logging

import pytest

from inngest_codecs import (
    Codec,
    DecryptionError,
    EncodingError,
    Encryptor,
    UnknownCodecError,
    plugins,
)
from inngest_codecs.envelope import DATA, MARKER, STRATEGY

SECRET_VALUE = "patient-record-4711"
KEY = "tamper-test-key"


def _with_blob(sealed: dict[str, object], blob: bytes) -> dict[str, object]:
    return {**sealed, DATA: base64.b64encode(blob).decode()}


def _blob(sealed: dict[str, object]) -> bytes:
    return base64.b64decode(str(sealed[DATA]))


def _assert_clean(error: Exception) -> None:
    text = f"{error}{error!r}"
    assert KEY not in text
    assert SECRET_VALUE not in text


def test_every_flipped_bit_is_rejected(authenticated_codec: str) -> None:
    codec_name = authenticated_codec
    encryptor = Encryptor(KEY, codec=codec_name)
    sealed = encryptor.encrypt(SECRET_VALUE)
    blob = _blob(sealed)
    for position in range(len(blob) * 8):
        altered = bytearray(blob)
        altered[position // 8] ^= 1 << (position % 8)
        with pytest.raises(DecryptionError) as caught:
            encryptor.decrypt(_with_blob(sealed, bytes(altered)))
        _assert_clean(caught.value)


def test_every_truncation_is_rejected(authenticated_codec: str) -> None:
    codec_name = authenticated_codec
    encryptor = Encryptor(KEY, codec=codec_name)
    sealed = encryptor.encrypt(SECRET_VALUE)
    blob = _blob(sealed)
    for length in range(len(blob)):
        with pytest.raises(DecryptionError):
            encryptor.decrypt(_with_blob(sealed, blob[:length]))


def test_wrong_key_is_rejected_and_reported(codec_name: str) -> None:
    sealed = Encryptor(KEY, codec=codec_name).encrypt(SECRET_VALUE)
    other = Encryptor("another key", codec=codec_name, fallback_keys=["a third key"])
    with pytest.raises(DecryptionError) as caught:
        other.decrypt(sealed)
    error = caught.value
    assert error.strategy == other.codec.strategy
    assert error.keys_tried == 2
    assert len(error.key_ids) == 2
    assert all(key_id in str(error) for key_id in error.key_ids)
    _assert_clean(error)


@pytest.mark.parametrize(("source", "target"), [("secretbox", "aes-gcm"), ("aes-gcm", "secretbox")])
def test_changed_strategy_is_rejected(source: str, target: str) -> None:
    sealed = Encryptor(KEY, codec=source).encrypt(SECRET_VALUE)
    relabelled = {**sealed, STRATEGY: Encryptor(KEY, codec=target).codec.strategy}
    with pytest.raises(DecryptionError):
        Encryptor(KEY).decrypt(relabelled)


def test_unknown_strategy_names_the_installed_codecs() -> None:
    sealed = {MARKER: True, STRATEGY: "acme/rot13", DATA: "AAAA"}
    with pytest.raises(UnknownCodecError) as caught:
        Encryptor(KEY).decrypt(sealed)
    assert "acme/rot13" in str(caught.value)
    assert "secretbox" in str(caught.value)
    assert "secretbox" in caught.value.installed


def test_v0_envelope_without_plugin_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    without_legacy = plugins.PluginGroup(plugins.CODECS, Codec, plugins.BUILTINS)
    for name, entry_point in list(without_legacy.entry_points.items()):
        if entry_point.value.startswith("inngest_codecs_legacy"):
            del without_legacy.entry_points[name]
    monkeypatch.setattr(plugins, "codecs", lambda: without_legacy)
    sealed = {MARKER: True, DATA: "U2FsdGVkX1+AAAAAAAAAAA=="}
    with pytest.raises(UnknownCodecError, match="v0") as caught:
        Encryptor(KEY).decrypt(sealed)
    assert "inngest-codecs-legacy" in str(caught.value)


@pytest.mark.parametrize(
    "bad",
    [
        {MARKER: True, STRATEGY: "inngest/libsodium", DATA: 5},
        {MARKER: True, STRATEGY: "inngest/libsodium"},
        {MARKER: True, STRATEGY: ["x"], DATA: "AAAA"},
        {MARKER: True, STRATEGY: "inngest/libsodium", DATA: "not base64!"},
        {MARKER: True, STRATEGY: "inngest/libsodium", DATA: "AAA"},
        {MARKER: True, STRATEGY: "inngest/libsodium", DATA: "ÄÄÄÄ"},
    ],
    ids=repr,
)
def test_malformed_envelopes_are_encoding_errors(bad: dict[str, object]) -> None:
    with pytest.raises(EncodingError):
        Encryptor(KEY).decrypt(bad)


def test_failures_log_nothing_sensitive(codec_name: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    sealed = Encryptor(KEY, codec=codec_name).encrypt(SECRET_VALUE)
    with pytest.raises(DecryptionError):
        Encryptor("wrong", codec=codec_name).decrypt(sealed)
    for record in caplog.records:
        assert KEY not in record.getMessage()
        assert SECRET_VALUE not in record.getMessage()
