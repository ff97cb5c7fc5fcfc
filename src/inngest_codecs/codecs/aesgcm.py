"""AES-256-GCM from ``cryptography``, with a key id so decryption picks its key at once.

Byte layout of the ciphertext (format version 1; ``docs/format.md`` is the spec)::

    version (1 byte, 0x01) || key id (4 bytes) || nonce (12 bytes)
        || GCM ciphertext || tag (16 bytes)

Derivation from a key's bytes (UTF-8 of a key string, or raw bytes), both
HKDF-SHA256 with no salt::

    encryption key = HKDF(ikm, info=b"inngest-codecs/aes-256-gcm/v1 key",    length=32)
    key id         = HKDF(ikm, info=b"inngest-codecs/aes-256-gcm/v1 key id", length=4)

The associated data is ``version || key id || strategy`` (the strategy as
ASCII), so none of them can be changed without the tag failing.
"""

from __future__ import annotations

import os
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from ..codec import Codec
from ..keys import Key, KeySet

STRATEGY = "inngest-codecs/aes-256-gcm"
VERSION = 1
KEY_ID_SIZE = 4
NONCE_SIZE = 12
TAG_SIZE = 16
HEADER_SIZE = 1 + KEY_ID_SIZE
_MIN_SIZE = HEADER_SIZE + NONCE_SIZE + TAG_SIZE
_KEY_INFO = b"inngest-codecs/aes-256-gcm/v1 key"
_KEY_ID_INFO = b"inngest-codecs/aes-256-gcm/v1 key id"
_STRATEGY_BYTES = STRATEGY.encode("ascii")


def _hkdf(ikm: bytes, info: bytes, length: int) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=info).derive(ikm)


def derive(key: Key) -> tuple[bytes, bytes]:
    """``(encryption key, key id)`` for ``key``."""
    return _hkdf(key.material, _KEY_INFO, 32), _hkdf(key.material, _KEY_ID_INFO, KEY_ID_SIZE)


class AesGcmCodec(Codec):
    """AES-256-GCM with HKDF-derived keys and key ids; strategy ``inngest-codecs/aes-256-gcm``."""

    name = "aes-gcm"
    strategy = STRATEGY

    def __init__(self, keys: KeySet, **options: Any) -> None:
        super().__init__(keys, **options)
        self._by_id: dict[bytes, list[AESGCM]] = {}
        ids = []
        for key in keys.decryption_keys:
            secret, key_id = derive(key)
            self._by_id.setdefault(key_id, []).append(AESGCM(secret))
            ids.append(key_id.hex())
        self._ids = tuple(ids)
        secret, key_id = derive(keys.primary)
        self._header = bytes([VERSION]) + key_id
        self._aad = self._header + _STRATEGY_BYTES
        self._encryption = AESGCM(secret)

    @property
    def key_ids(self) -> tuple[str, ...]:
        return self._ids

    @classmethod
    def key_id_of(cls, ciphertext: bytes) -> str | None:
        if len(ciphertext) < HEADER_SIZE or ciphertext[0] != VERSION:
            return None
        return ciphertext[1:HEADER_SIZE].hex()

    def encrypt(self, plaintext: bytes) -> bytes:
        nonce = os.urandom(NONCE_SIZE)
        return self._header + nonce + self._encryption.encrypt(nonce, plaintext, self._aad)

    def decrypt(self, ciphertext: bytes) -> bytes:
        if len(ciphertext) < _MIN_SIZE:
            raise self.failure("ciphertext is too short for aes-gcm", permanent=True)
        if ciphertext[0] != VERSION:
            raise self.failure(f"unsupported aes-gcm format version {ciphertext[0]}")
        header = ciphertext[:HEADER_SIZE]
        candidates = self._by_id.get(header[1:])
        if not candidates:
            raise self.failure(f"written under key id {header[1:].hex()}, which is not configured")
        view = memoryview(ciphertext)  # slices without copying a large ciphertext
        nonce = view[HEADER_SIZE : HEADER_SIZE + NONCE_SIZE]
        sealed = view[HEADER_SIZE + NONCE_SIZE :]
        aad = header + _STRATEGY_BYTES
        for aead in candidates:
            try:
                return aead.decrypt(nonce, sealed, aad)
            except InvalidTag:
                continue
        raise self.failure(
            "the value was altered (its key id matches a configured key)", permanent=True
        )
