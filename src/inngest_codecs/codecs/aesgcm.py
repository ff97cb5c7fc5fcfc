"""AES-256-GCM from ``cryptography``, with a key id so decryption picks its key at once.

Byte layout of the ciphertext (``docs/format.md`` is the spec). Version 1, a value
bound to no place:

```text
version (1 byte, 0x01) || key id (4 bytes) || nonce (12 bytes)
    || GCM ciphertext || tag (16 bytes)
```

Version 2, a value bound to its place (the associated data the caller gives,
stored so a refusal can name where the value belongs):

```text
version (1 byte, 0x02) || key id (4 bytes) || len(place) (2 bytes, big-endian) || place
    || nonce (12 bytes) || GCM ciphertext || tag (16 bytes)
```

Derivation from a key's bytes (UTF-8 of a key string, or raw bytes), both
HKDF-SHA256 with no salt:

```text
encryption key = HKDF(ikm, info=b"inngest-codecs/aes-256-gcm/v1 key",    length=32)
key id         = HKDF(ikm, info=b"inngest-codecs/aes-256-gcm/v1 key id", length=4)
```

The GCM associated data is the header (every byte before the nonce) followed by
the strategy as ASCII, so none of them, nor the place, can be changed without
the tag failing. Both versions use the same derived keys.
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..codec import Codec
from ..errors import DecryptionError, EncodingError
from ..keys import Key, KeySet

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

STRATEGY = "inngest-codecs/aes-256-gcm"
VERSION = 1
BOUND_VERSION = 2
"""Format version of a value bound to its place (associated data in the header)."""
MAX_PLACE_SIZE = 0xFFFF
KEY_ID_SIZE = 4
NONCE_SIZE = 12
TAG_SIZE = 16
HEADER_SIZE = 1 + KEY_ID_SIZE
_MIN_SIZE = HEADER_SIZE + NONCE_SIZE + TAG_SIZE
_SEALED_START = HEADER_SIZE + NONCE_SIZE
_KEY_INFO = b"inngest-codecs/aes-256-gcm/v1 key"
_KEY_ID_INFO = b"inngest-codecs/aes-256-gcm/v1 key id"
_NO_SALT = bytes(32)  # RFC 5869: no salt is HashLen zero bytes
_STRATEGY_BYTES = STRATEGY.encode("ascii")
_BOUND = bytes([BOUND_VERSION])
# Below this size, slicing copies less than making memoryviews costs.
_VIEW_THRESHOLD = 4096
_urandom = os.urandom  # one lookup less per value


class _NotLoaded(Exception):
    """Stands for cryptography's ``InvalidTag`` until a codec has loaded cryptography."""


def derive(key: Key) -> tuple[bytes, bytes]:
    """``(encryption key, key id)`` for ``key``: HKDF-SHA256 (RFC 5869), no salt.

    Written out with ``hmac.digest`` (each output fits one SHA-256 block, so it
    is an extract and one expand step), not cryptography's HKDF: ``import
    inngest`` has loaded ``hmac`` already, so key ids derive at start-up without
    loading cryptography, which then loads with the first value (``nox -s
    bench``, "Shortcuts past public APIs"; the test suite checks it against
    cryptography's HKDF).
    """
    pseudorandom_key = hmac.digest(_NO_SALT, key.material, "sha256")
    secret = hmac.digest(pseudorandom_key, _KEY_INFO + b"\x01", "sha256")
    key_id = hmac.digest(pseudorandom_key, _KEY_ID_INFO + b"\x01", "sha256")[:KEY_ID_SIZE]
    return secret, key_id


class AesGcmCodec(Codec):
    """AES-256-GCM with HKDF-derived keys and key ids; strategy ``inngest-codecs/aes-256-gcm``."""

    name = "aes-gcm"
    strategy = STRATEGY
    binds_associated_data = True

    def __init__(self, keys: KeySet, **options: Any) -> None:
        super().__init__(keys, **options)
        # header (version 1 and key id) -> the secrets of the keys with that id
        self._secrets: dict[bytes, tuple[bytes, ...]] = {}
        ids = []
        for key in keys.decryption_keys:
            secret, key_id = derive(key)
            header = bytes([VERSION]) + key_id
            self._secrets[header] = (*self._secrets.get(header, ()), secret)
            ids.append(key_id.hex())
        self._ids = tuple(ids)
        # The primary key is the first decryption key (see KeySet).
        self._header = bytes([VERSION]) + bytes.fromhex(ids[0])
        self._aad = self._header + _STRATEGY_BYTES
        # The ciphers are made with the first value, which loads cryptography (5 to 8 ms
        # that start-up need not pay: key ids derive without it, see `derive`).
        # header -> (associated data, one cipher per secret)
        self._by_header: dict[bytes, tuple[bytes, tuple[AESGCM, ...]]] = {}
        self._primary: tuple[bytes, tuple[AESGCM, ...]] = (self._aad, ())
        self._encrypt: Callable[[bytes, bytes, bytes], bytes] = self._load_then_encrypt
        self._invalid_tag: type[Exception] = _NotLoaded

    def _load(self) -> None:
        from cryptography.exceptions import InvalidTag
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        by_header = {
            header: (header + _STRATEGY_BYTES, tuple(AESGCM(secret) for secret in secrets))
            for header, secrets in self._secrets.items()
        }
        self._invalid_tag = InvalidTag
        self._primary = by_header[self._header]
        self._encrypt = self._primary[1][0].encrypt
        self._by_header = by_header  # last: decrypt loads while it is empty

    def _load_then_encrypt(self, nonce: bytes, plaintext: bytes, aad: bytes) -> bytes:
        self._load()
        return self._encrypt(nonce, plaintext, aad)

    @classmethod
    def key_id(cls, key: Key) -> str:
        return derive(key)[1].hex()

    @property
    def key_ids(self) -> tuple[str, ...]:
        return self._ids

    @classmethod
    def key_id_of(cls, ciphertext: bytes) -> str | None:
        if len(ciphertext) < HEADER_SIZE or ciphertext[0] not in (VERSION, BOUND_VERSION):
            return None
        return ciphertext[1:HEADER_SIZE].hex()

    def encrypt(self, plaintext: bytes, associated_data: bytes | None = None) -> bytes:
        nonce = _urandom(NONCE_SIZE)
        if associated_data is None:
            return self._header + nonce + self._encrypt(nonce, plaintext, self._aad)
        if len(associated_data) > MAX_PLACE_SIZE:
            raise EncodingError(f"associated data longer than {MAX_PLACE_SIZE} bytes")
        header = (
            bytes([BOUND_VERSION])
            + self._header[1:]
            + len(associated_data).to_bytes(2, "big")
            + associated_data
        )
        sealed = self._encrypt(nonce, plaintext, header + _STRATEGY_BYTES)
        return header + nonce + sealed

    def decrypt(self, ciphertext: bytes, associated_data: bytes | None = None) -> bytes:
        if not self._by_header:
            self._load()
        if ciphertext.startswith(self._header) and len(ciphertext) >= _MIN_SIZE:
            aad, candidates = self._primary  # the usual case, without a lookup
            if len(candidates) == 1 and len(ciphertext) <= _VIEW_THRESHOLD:
                # ... and, for a small value under the only key with that id, without
                # the views and the loop of _open (0.1 us of a 3.6 us round trip).
                try:
                    return candidates[0].decrypt(
                        ciphertext[HEADER_SIZE:_SEALED_START], ciphertext[_SEALED_START:], aad
                    )
                except self._invalid_tag:
                    raise self._altered() from None
        else:
            # Version 1 headers are the keys of _by_header; a version 2 one never is.
            found = self._by_header.get(ciphertext[:HEADER_SIZE])
            if found is None or len(ciphertext) < _MIN_SIZE:
                if ciphertext[:1] == _BOUND:
                    return self._decrypt_bound(ciphertext, associated_data)
                raise self._unopenable(ciphertext)
            aad, candidates = found
        return self._open(ciphertext, HEADER_SIZE, aad, candidates)

    def _decrypt_bound(self, ciphertext: bytes, expected: bytes | None) -> bytes:
        size = int.from_bytes(ciphertext[HEADER_SIZE : HEADER_SIZE + 2], "big")
        end = HEADER_SIZE + 2 + size
        found = self._by_header.get(bytes([VERSION]) + ciphertext[1:HEADER_SIZE])
        if found is None or len(ciphertext) < end + NONCE_SIZE + TAG_SIZE:
            raise self._unopenable(ciphertext, end - HEADER_SIZE)
        header = bytes(ciphertext[:end])
        plaintext = self._open(ciphertext, end, header + _STRATEGY_BYTES, found[1])
        written = header[HEADER_SIZE + 2 :]
        if expected is not None and written != expected:
            raise self.misplaced(written, expected)
        return plaintext

    def _open(
        self, ciphertext: bytes, start: int, aad: bytes, candidates: tuple[AESGCM, ...]
    ) -> bytes:
        # A large ciphertext is sliced through a view, without copying it.
        body = memoryview(ciphertext) if len(ciphertext) > _VIEW_THRESHOLD else ciphertext
        nonce = body[start : start + NONCE_SIZE]
        sealed = body[start + NONCE_SIZE :]
        for aead in candidates:
            try:
                return aead.decrypt(nonce, sealed, aad)
            except self._invalid_tag:
                continue
        raise self._altered()

    def _altered(self) -> DecryptionError:
        return self.failure(
            "the value was altered (its key id matches a configured key)", permanent=True
        )

    def _unopenable(self, ciphertext: bytes, extra: int = 0) -> DecryptionError:
        if len(ciphertext) < _MIN_SIZE + extra:
            return self.failure("ciphertext is too short for aes-gcm", permanent=True)
        if ciphertext[0] not in (VERSION, BOUND_VERSION):
            return self.failure(f"unsupported aes-gcm format version {ciphertext[0]}")
        key_id = ciphertext[1:HEADER_SIZE].hex()
        return self.failure(f"written under key id {key_id}, which is not configured")
