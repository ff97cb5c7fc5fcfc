"""Revocation decided by the key that opens a value, and the keys a codec object opens with.

An Encryptor keeps its revoked keys apart from the live ones. Live keys open
values; revoked keys are tried only after the live ones failed, to tell an
erased value ([`KeyRevokedError`][inngest_codecs.KeyRevokedError], final) from
one whose key is simply not configured (retriable). The envelope's ``__KEY__``
decides nothing: nothing authenticates it.
"""

from __future__ import annotations

from .codec import Codec, decrypt_at
from .errors import DecryptionError, KeyRevokedError
from .keys import Key, KeyKind, KeySet, parse_keys
from .layers import Decrypter


def keys_beside(own: KeySet | None, fallback_keys: object, kind: KeyKind) -> KeySet | None:
    """A codec object's own keys, then the fallback keys given beside it."""
    extra = parse_keys(fallback_keys, kind, "the fallback keys")
    if own is None and not extra:
        return None
    every = tuple(dict.fromkeys((*(own.decryption_keys if own else ()), *extra)))
    return KeySet(own.primary if own else every[0], every)


class Revocable:
    """Opens with the live keys; a value only revoked keys open is refused for good."""

    __slots__ = ("dead", "live", "strategy")
    binds_associated_data = True  # passed to the codecs it holds, which may carry it

    def __init__(self, live: Decrypter | None, dead: Decrypter | None, strategy: str) -> None:
        self.live, self.dead, self.strategy = live, dead, strategy

    def decrypt(self, ciphertext: bytes, associated_data: bytes | None = None) -> bytes:
        failure: DecryptionError | None = None
        if self.live is not None:
            try:
                return decrypt_at(self.live, ciphertext, associated_data)
            except DecryptionError as error:
                if error.permanent or self.dead is None:
                    raise
                failure = error
        try:
            decrypt_at(self.dead, ciphertext, None)
        except DecryptionError:
            if failure is not None:
                raise failure from None
            raise DecryptionError(
                "no configured key opens this value", strategy=self.strategy
            ) from None
        raise KeyRevokedError(
            "the value opens only under a revoked key: it is erased",
            strategy=self.strategy,
            permanent=True,
        )


def ids_of(key: Key, codec: type[Codec]) -> frozenset[str]:
    """Every id ``key`` goes by with ``codec``: its fingerprint and the codec's key id.

    A key is revoked when ``revoked_key_ids`` lists either."""
    return frozenset({key.fingerprint, codec.key_id(key)})
