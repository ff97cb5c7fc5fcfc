"""Swapped nonces, envelopes moved between codecs and keys: all DecryptionError."""

from __future__ import annotations

import base64
import itertools
from typing import Any

import pytest

from inngest_codecs import DecryptionError, Encryptor
from inngest_codecs.envelope import DATA, STRATEGY

from ..conftest import LOCAL_CODECS, needs_example_plugin
from .figures import count

NONCE = {"secretbox": slice(0, 24), "aes-gcm": slice(5, 17), "chacha20-poly1305": slice(0, 12)}
AUTHENTICATED = sorted(n for n, i in LOCAL_CODECS.items() if i.codec_class.authenticated)


def blob(sealed: dict[str, Any]) -> bytes:
    return base64.b64decode(sealed[DATA])


def with_blob(sealed: dict[str, Any], data: bytes) -> dict[str, Any]:
    return {**sealed, DATA: base64.b64encode(data).decode()}


@pytest.mark.parametrize(
    "codec",
    [
        pytest.param(name, marks=needs_example_plugin) if name == "chacha20-poly1305" else name
        for name in sorted(NONCE)
    ],
)
def test_swapped_nonces_are_rejected(codec: str) -> None:
    encryptor = Encryptor("k", codec=codec)
    first, second = encryptor.encrypt({"a": 1}), encryptor.encrypt({"a": 1})
    where = NONCE[codec]
    a, b = bytearray(blob(first)), bytearray(blob(second))
    a[where], b[where] = b[where], a[where]
    for sealed, altered in ((first, a), (second, b)):
        with pytest.raises(DecryptionError):
            encryptor.decrypt(with_blob(sealed, bytes(altered)))
        count("nonce swaps tried")


@pytest.mark.parametrize(("source", "target"), list(itertools.permutations(AUTHENTICATED, 2)))
def test_envelopes_moved_between_codecs_are_rejected(source: str, target: str) -> None:
    sealed = Encryptor("k", codec=source).encrypt("value")
    moved = {**sealed, STRATEGY: Encryptor("k", codec=target).codec.strategy}
    with pytest.raises(DecryptionError):
        Encryptor("k", codec=target).decrypt(moved)
    count("codec moves tried")


@pytest.mark.parametrize("codec", AUTHENTICATED)
def test_envelopes_moved_between_keys_are_rejected(codec: str) -> None:
    keys = [f"tenant-{i}" for i in range(5)]
    for writer, reader in itertools.permutations(keys, 2):
        sealed = Encryptor(writer, codec=codec).encrypt({"tenant": writer})
        with pytest.raises(DecryptionError):
            Encryptor(reader, codec=codec).decrypt(sealed)
        count("key moves tried")


@pytest.mark.parametrize("codec", AUTHENTICATED)
def test_ciphertext_spliced_from_two_values_is_rejected(codec: str) -> None:
    encryptor = Encryptor("k", codec=codec)
    one, two = blob(encryptor.encrypt("x" * 64)), blob(encryptor.encrypt("y" * 64))
    for cut in range(1, min(len(one), len(two))):
        spliced = one[:cut] + two[cut:]
        if spliced in (one, two):
            continue  # a shared header: the splice is one of the originals
        with pytest.raises(DecryptionError):
            encryptor.decrypt(with_blob(encryptor.encrypt(""), spliced))
        count("splices tried")


@pytest.mark.parametrize("codec", AUTHENTICATED)
def test_every_bit_flip_counted(codec: str) -> None:
    encryptor = Encryptor("k", codec=codec)
    sealed = encryptor.encrypt({"card": "4111"})
    data = blob(sealed)
    for position in range(len(data) * 8):
        altered = bytearray(data)
        altered[position // 8] ^= 1 << (position % 8)
        with pytest.raises(DecryptionError):
            encryptor.decrypt(with_blob(sealed, bytes(altered)))
    count("bit flips tried", len(data) * 8)
