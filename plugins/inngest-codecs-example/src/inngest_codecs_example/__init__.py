"""ChaCha20-Poly1305 as a third-party codec for inngest-codecs."""

from __future__ import annotations

import hashlib
import os
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

from inngest_codecs import Codec, KeySet

NONCE_SIZE = 12


class ChaCha20Poly1305Codec(Codec):
    """ChaCha20-Poly1305 with SHA-256 of the key as the cipher key."""

    name = "chacha20-poly1305"  # what users write
    strategy = "inngest-codecs-example/chacha20-poly1305"  # in every envelope, forever

    def __init__(self, keys: KeySet, **options: Any) -> None:
        super().__init__(keys, **options)  # refuses unknown options
        self._encryption = ChaCha20Poly1305(hashlib.sha256(keys.primary.material).digest())
        self._decryption = [
            ChaCha20Poly1305(hashlib.sha256(key.material).digest()) for key in keys.decryption_keys
        ]

    def encrypt(self, plaintext: bytes) -> bytes:
        nonce = os.urandom(NONCE_SIZE)
        return nonce + self._encryption.encrypt(nonce, plaintext, None)

    def decrypt(self, ciphertext: bytes) -> bytes:
        nonce, sealed = ciphertext[:NONCE_SIZE], ciphertext[NONCE_SIZE:]
        if len(nonce) < NONCE_SIZE:
            raise self.failure("ciphertext is too short", permanent=True)  # never opens
        for aead in self._decryption:
            try:
                return aead.decrypt(nonce, sealed, None)
            except InvalidTag:
                continue
        raise self.failure()  # a DecryptionError
