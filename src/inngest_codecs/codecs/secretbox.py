"""XSalsa20-Poly1305 (libsodium ``crypto_secretbox``), compatible with Inngest's own packages.

Byte-compatible with ``@inngest/middleware-encryption`` 2.x (its LibSodium
strategy) and ``inngest-encryption`` 0.1.0: the key is the unkeyed BLAKE2b-256
of the UTF-8 key string (bytes keys: see `derive_key`), and the
ciphertext is ``nonce (24 bytes) || box`` with a fresh random nonce.
"""

from __future__ import annotations

import binascii
import hashlib
import os
from typing import Any

from nacl._sodium import ffi, lib  # type: ignore[import-not-found]

from ..codec import Codec
from ..errors import KeyConfigError
from ..keys import Key, KeySet

# libsodium through PyNaCl's compiled module alone, a private API that pays:
# importing nacl.bindings loads every PyNaCl wrapper, 15.5 ms of cold start
# against 1.1 ms, and a small round trip through the wrappers takes 1.14x as
# long (``nox -s bench``, "Shortcuts past public APIs").
if lib.sodium_init() < 0:  # 0: initialised now, 1: already was
    raise ImportError("libsodium could not be initialised")

NONCE_SIZE: int = lib.crypto_secretbox_noncebytes()
KEY_SIZE: int = lib.crypto_secretbox_keybytes()
MAC_SIZE: int = lib.crypto_secretbox_macbytes()
_MIN_SIZE = NONCE_SIZE + MAC_SIZE


def derive_key(key: Key) -> bytes:
    """The 32-byte secretbox key for ``key``.

    Bytes keys are taken as ``inngest-encryption`` takes them, hex-encoded
    (64 hex digits), or else as the raw 32 key bytes.
    """
    if key.is_text:
        return hashlib.blake2b(key.material, digest_size=KEY_SIZE).digest()
    if len(key.material) == 2 * KEY_SIZE:
        try:
            return binascii.unhexlify(key.material)
        except binascii.Error:
            pass
    if len(key.material) != KEY_SIZE:
        raise KeyConfigError(
            f"a bytes secretbox key must be {KEY_SIZE} raw bytes or {2 * KEY_SIZE} hex digits"
        )
    return key.material


class SecretBoxCodec(Codec):
    """libsodium secretbox, the default codec; strategy ``inngest/libsodium``."""

    name = "secretbox"
    strategy = "inngest/libsodium"

    def __init__(self, keys: KeySet, **options: Any) -> None:
        super().__init__(keys, **options)
        self._encryption_key = derive_key(keys.primary)
        self._decryption_keys = tuple(derive_key(k) for k in keys.decryption_keys)

    # libsodium is called through PyNaCl's cffi handle rather than its Python
    # wrappers: for small values the wrappers cost more than the cipher. Output
    # goes to a bytearray (Python's allocator, so tracemalloc and memory
    # limits see it) and is copied once into the bytes returned.

    def encrypt(self, plaintext: bytes) -> bytes:
        nonce = os.urandom(NONCE_SIZE)
        out = bytearray(NONCE_SIZE + MAC_SIZE + len(plaintext))
        out[:NONCE_SIZE] = nonce
        lib.crypto_secretbox_easy(
            ffi.from_buffer(out) + NONCE_SIZE,
            plaintext,
            len(plaintext),
            nonce,
            self._encryption_key,
        )
        return bytes(out)

    def decrypt(self, ciphertext: bytes) -> bytes:
        size = len(ciphertext) - NONCE_SIZE
        if size < MAC_SIZE:
            raise self.failure("ciphertext is too short to be a secretbox", permanent=True)
        source = ffi.from_buffer(ciphertext)  # the nonce is its first bytes
        out = bytearray(max(1, size - MAC_SIZE))
        target = ffi.from_buffer(out)
        for key in self._decryption_keys:
            if lib.crypto_secretbox_open_easy(target, source + NONCE_SIZE, size, source, key) == 0:
                return bytes(out) if size > MAC_SIZE else b""
        raise self.failure()
