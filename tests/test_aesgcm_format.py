"""Pins the aes-gcm byte format, checked by an independent HKDF (RFC 5869)."""

from __future__ import annotations

import base64
import hashlib
import hmac

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from inngest_codecs import Encryptor

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
