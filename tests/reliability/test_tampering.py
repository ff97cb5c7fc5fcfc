"""Altered, truncated, spliced, misdirected or unknown ciphertexts give the right typed error,
and no error or log line holds the key or the plaintext."""

from __future__ import annotations

import base64
import itertools
import logging
from typing import Any

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

from ..conftest import LOCAL_CODECS, needs_example_plugin
from .figures import count

SECRET_VALUE = "patient-record-4711"
KEY = "tamper-test-key"
NONCE = {"secretbox": slice(0, 24), "aes-gcm": slice(5, 17), "chacha20-poly1305": slice(0, 12)}
AUTHENTICATED = sorted(n for n, i in LOCAL_CODECS.items() if i.codec_class.authenticated)


def _with_blob(sealed: dict[str, Any], blob: bytes) -> dict[str, Any]:
    return {**sealed, DATA: base64.b64encode(blob).decode()}


def _blob(sealed: dict[str, Any]) -> bytes:
    return base64.b64decode(str(sealed[DATA]))


def _assert_clean(error: Exception) -> None:
    text = f"{error}{error!r}"
    assert KEY not in text
    assert SECRET_VALUE not in text


def test_every_flipped_bit_is_rejected(authenticated_codec: str) -> None:
    encryptor = Encryptor(KEY, codec=authenticated_codec)
    sealed = encryptor.encrypt(SECRET_VALUE)
    blob = _blob(sealed)
    for position in range(len(blob) * 8):
        altered = bytearray(blob)
        altered[position // 8] ^= 1 << (position % 8)
        with pytest.raises(DecryptionError) as caught:
            encryptor.decrypt(_with_blob(sealed, bytes(altered)))
        _assert_clean(caught.value)
    count("bit flips tried", len(blob) * 8)


def test_every_truncation_is_rejected(authenticated_codec: str) -> None:
    encryptor = Encryptor(KEY, codec=authenticated_codec)
    sealed = encryptor.encrypt(SECRET_VALUE)
    blob = _blob(sealed)
    for length in range(len(blob)):
        with pytest.raises(DecryptionError):
            encryptor.decrypt(_with_blob(sealed, blob[:length]))
    count("truncations tried", len(blob))


@pytest.mark.parametrize(
    "codec",
    [
        pytest.param(name, marks=needs_example_plugin) if name == "chacha20-poly1305" else name
        for name in sorted(NONCE)
    ],
)
def test_swapped_nonces_are_rejected(codec: str) -> None:
    encryptor = Encryptor(KEY, codec=codec)
    first, second = encryptor.encrypt({"a": 1}), encryptor.encrypt({"a": 1})
    where = NONCE[codec]
    a, b = bytearray(_blob(first)), bytearray(_blob(second))
    a[where], b[where] = b[where], a[where]
    for sealed, altered in ((first, a), (second, b)):
        with pytest.raises(DecryptionError):
            encryptor.decrypt(_with_blob(sealed, bytes(altered)))
        count("nonce swaps tried")


def test_ciphertext_spliced_from_two_values_is_rejected(authenticated_codec: str) -> None:
    encryptor = Encryptor(KEY, codec=authenticated_codec)
    one, two = _blob(encryptor.encrypt("x" * 64)), _blob(encryptor.encrypt("y" * 64))
    for cut in range(1, min(len(one), len(two))):
        spliced = one[:cut] + two[cut:]
        if spliced in (one, two):
            continue  # a shared header: the splice is one of the originals
        with pytest.raises(DecryptionError):
            encryptor.decrypt(_with_blob(encryptor.encrypt(""), spliced))
        count("splices tried")


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


def test_envelopes_moved_between_keys_are_rejected(authenticated_codec: str) -> None:
    keys = [f"tenant-{i}" for i in range(5)]
    for writer, reader in itertools.permutations(keys, 2):
        sealed = Encryptor(writer, codec=authenticated_codec).encrypt({"tenant": writer})
        with pytest.raises(DecryptionError):
            Encryptor(reader, codec=authenticated_codec).decrypt(sealed)
        count("key moves tried")


@pytest.mark.parametrize(("source", "target"), list(itertools.permutations(AUTHENTICATED, 2)))
def test_envelopes_moved_between_codecs_are_rejected(source: str, target: str) -> None:
    sealed = Encryptor(KEY, codec=source).encrypt(SECRET_VALUE)
    moved = {**sealed, STRATEGY: Encryptor(KEY, codec=target).codec.strategy}
    # Opened by the target codec's encryptor, and by one of another codec that
    # picks the codec from the envelope's strategy.
    for reader in (Encryptor(KEY, codec=target), Encryptor(KEY, codec=source)):
        with pytest.raises(DecryptionError):
            reader.decrypt(moved)
    count("codec moves tried")


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
