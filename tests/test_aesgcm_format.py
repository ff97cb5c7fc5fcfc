"""Pins the aes-gcm byte format, checked by an independent HKDF (RFC 5869)."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from hypothesis import given
from hypothesis import strategies as st

from inngest_codecs import Encryptor, Key
from inngest_codecs.codecs import aesgcm

KEY = "correct horse battery staple"
# Known answers for KEY; changing either breaks every stored aes-gcm value.
EXPECTED_KEY = "b73dc2c8547e564c5660f30440dc5f38441003564fa09321d18f70864b9fa73e"
EXPECTED_KEY_ID = "7599c348"
STRATEGY = "inngest-codecs/aes-256-gcm"


def hkdf_sha256(ikm: bytes, info: bytes, length: int) -> bytes:
    prk = hmac.new(b"\x00" * 32, ikm, hashlib.sha256).digest()
    out, block, counter = b"", b"", 1
    while len(out) < length:
        block = hmac.new(prk, block + info + bytes([counter]), hashlib.sha256).digest()
        out += block
        counter += 1
    return out[:length]


def test_derivation_matches_known_answers() -> None:
    ikm = KEY.encode()
    assert hkdf_sha256(ikm, b"inngest-codecs/aes-256-gcm/v1 key", 32).hex() == EXPECTED_KEY
    assert hkdf_sha256(ikm, b"inngest-codecs/aes-256-gcm/v1 key id", 4).hex() == EXPECTED_KEY_ID
    assert Encryptor(KEY, codec="aes-gcm").codec.key_ids == (EXPECTED_KEY_ID,)


def test_blob_layout_opens_with_a_bare_aead_call() -> None:
    sealed = Encryptor(KEY, codec="aes-gcm").encrypt({"a": "é"})
    assert sealed["__STRATEGY__"] == STRATEGY
    blob = base64.b64decode(sealed["data"])
    assert blob[0] == 1
    assert blob[1:5].hex() == EXPECTED_KEY_ID
    nonce, sealed_bytes = blob[5:17], blob[17:]
    aad = blob[:5] + STRATEGY.encode()
    plaintext = AESGCM(bytes.fromhex(EXPECTED_KEY)).decrypt(nonce, sealed_bytes, aad)
    assert plaintext == '{"a":"é"}'.encode()


def test_a_blob_made_by_hand_opens() -> None:
    nonce = bytes(12)
    header = bytes([1]) + bytes.fromhex(EXPECTED_KEY_ID)
    body = AESGCM(bytes.fromhex(EXPECTED_KEY)).encrypt(
        nonce, b"[1,2,3]", header + STRATEGY.encode()
    )
    envelope = {
        "__ENCRYPTED__": True,
        "__STRATEGY__": STRATEGY,
        "data": base64.b64encode(header + nonce + body).decode(),
    }
    assert Encryptor(KEY, codec="secretbox").decrypt(envelope) == [1, 2, 3]


def test_key_id_selects_the_fallback_key() -> None:
    old = Encryptor("old", codec="aes-gcm").encrypt("v")
    rotated = Encryptor("new", codec="aes-gcm", fallback_keys=["old"])
    assert rotated.decrypt(old) == "v"
    assert base64.b64decode(old["data"])[1:5].hex() == rotated.codec.key_ids[1]


@given(st.binary(min_size=1, max_size=80))
def test_derivation_matches_the_cryptography_package_hkdf(material: bytes) -> None:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    def hkdf(info: bytes, length: int) -> bytes:
        return HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=info).derive(material)

    assert aesgcm.derive(Key(material, is_text=False)) == (
        hkdf(b"inngest-codecs/aes-256-gcm/v1 key", 32),
        hkdf(b"inngest-codecs/aes-256-gcm/v1 key id", 4),
    )


@pytest.mark.parametrize("size", [0, 1, 4096 - 33, 4096 - 32, 70_000])
def test_every_size_opens_whether_sliced_or_viewed(size: int) -> None:
    # Ciphertexts above a few KB are sliced through a memoryview, smaller ones copied.
    box = Encryptor(KEY, codec="aes-gcm")
    value = "x" * size
    assert box.decrypt(box.encrypt(value)) == value
