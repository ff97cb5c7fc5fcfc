"""crypto-js passphrase AES (OpenSSL "Salted__" format), for migrating old data.

Weak by design of the original: MD5 key derivation, no authentication. Because
nothing authenticates the ciphertext, the only sign that a key was right is a
plaintext with valid padding that parses as UTF-8 JSON; that is checked here so
that a wrong key is skipped the way the TypeScript package skips it.
"""

from __future__ import annotations

import hashlib
import json
import os
from typing import Any

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from inngest_codecs import Codec, KeySet
from inngest_codecs.envelope import NO_STRATEGY

SALTED = b"Salted__"
SALT_SIZE = 8
BLOCK = 16


def evp_bytes_to_key(passphrase: bytes, salt: bytes) -> tuple[bytes, bytes]:
    """OpenSSL's EVP_BytesToKey with MD5, one iteration: (32-byte key, 16-byte IV)."""
    derived, block = b"", b""
    while len(derived) < 48:
        block = hashlib.md5(block + passphrase + salt).digest()
        derived += block
    return derived[:32], derived[32:48]


def _is_json(data: bytes) -> bool:
    try:
        json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return False
    return True


class LegacyAesCodec(Codec):
    """Opens ``inngest/aes`` and v0 envelopes; writes ``inngest/aes`` (or v0 with ``v0=True``)."""

    name = "legacy-aes"
    strategy = "inngest/aes"
    opens = (NO_STRATEGY,)
    authenticated = False

    def __init__(self, keys: KeySet, *, v0: bool = False, **options: Any) -> None:
        super().__init__(keys, **options)
        if v0:
            self.strategy = NO_STRATEGY

    def encrypt(self, plaintext: bytes) -> bytes:
        salt = os.urandom(SALT_SIZE)
        key, iv = evp_bytes_to_key(self.keys.primary.material, salt)
        padder = padding.PKCS7(128).padder()
        padded = padder.update(plaintext) + padder.finalize()
        encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
        return SALTED + salt + encryptor.update(padded) + encryptor.finalize()

    def decrypt(self, ciphertext: bytes) -> bytes:
        body = ciphertext[len(SALTED) + SALT_SIZE :]
        if not ciphertext.startswith(SALTED) or not body or len(body) % BLOCK:
            raise self.failure("not a crypto-js (OpenSSL Salted__) ciphertext", permanent=True)
        salt = ciphertext[len(SALTED) : len(SALTED) + SALT_SIZE]
        for candidate in self.keys.decryption_keys:
            key, iv = evp_bytes_to_key(candidate.material, salt)
            decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
            padded = decryptor.update(body) + decryptor.finalize()
            unpadder = padding.PKCS7(128).unpadder()
            try:
                plaintext = unpadder.update(padded) + unpadder.finalize()
            except ValueError:
                continue
            if _is_json(plaintext):
                return plaintext
        raise self.failure()
