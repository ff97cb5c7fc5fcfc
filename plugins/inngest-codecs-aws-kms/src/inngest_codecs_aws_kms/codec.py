"""The ``aws-kms`` codec: envelope encryption with AWS KMS data keys and AES-256-GCM.

Encrypting asks KMS ``GenerateDataKey`` for a data key under the primary KMS
key, then seals values with it until one of the cache limits is reached; the
wrapped data key travels in every value. Decrypting unwraps a data key with
KMS ``Decrypt`` once, only under a KMS key of the key set, and keeps it for
the values that follow. KMS is asked with the configured key's own id, in the
configured key's region: a value's header never chooses either, and a header
naming a KMS key outside the key set is refused without asking.

Failures say what a caller should do:

- ``EncryptionError``: KMS could not give a data key (disabled key, access
  denied, network); nothing was produced, trying again later may work.
- ``DecryptionError(permanent=False)``: the data key is wrapped under a KMS key
  outside the key set, or KMS refused to unwrap it (disabled, unknown, access
  denied, altered or another encryption context); a configuration change may
  open the value.
- ``DecryptionError(permanent=True)``: the bytes are malformed, or the data key
  opened and the value fails its tag (it was altered).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from inngest_codecs import Codec, DecryptionError, Key, KeyConfigError, KeySet
from inngest_codecs.errors import EncodingError, EncryptionError
from inngest_codecs.keys import REFERENCE

from . import layout
from .caches import DataKey, DecryptionKeyCache, EncryptionKeyCache
from .identifiers import KmsKey, is_key_arn, kms_key
from .kms import KmsClients, KmsRefusal

DEFAULT_MAX_AGE = 300.0
DEFAULT_MAX_VALUES = 1 << 20
DEFAULT_MAX_BYTES = 1 << 32
DEFAULT_DECRYPT_CACHE_SIZE = 1000
DEFAULT_CONNECT_TIMEOUT = 3.0
DEFAULT_READ_TIMEOUT = 5.0
DEFAULT_FAILURE_MAX_AGE = 1.0
MAX_VALUES_LIMIT = 1 << 32
"""Values per data key at most: random 96-bit nonces stay safe up to 2**32 (NIST SP 800-38D)."""


def _positive(name: str, value: object, *, integer: bool, at_most: int | None = None) -> Any:
    """``value`` when it is a positive number (an int when ``integer``), else KeyConfigError."""
    kinds = (int,) if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, kinds):
        raise KeyConfigError(f"aws-kms option {name} must be {'an int' if integer else 'a number'}")
    if not 0 < value <= (at_most if at_most is not None else float("inf")):
        bound = f" and at most {at_most}" if at_most is not None else ""
        raise KeyConfigError(f"aws-kms option {name} must be greater than 0{bound}")
    return value


def _context(given: object) -> dict[str, str]:
    if given is None:
        given = {}
    if not isinstance(given, Mapping):
        raise KeyConfigError("aws-kms option encryption_context must be a mapping of str to str")
    for name, value in given.items():
        if not isinstance(name, str) or not isinstance(value, str) or not name:
            raise KeyConfigError(
                "aws-kms option encryption_context must map non-empty str keys to str values"
            )
    if layout.CONTEXT_KEY in given:
        raise KeyConfigError(
            f"aws-kms encryption context key {layout.CONTEXT_KEY!r} is reserved for the codec"
        )
    return {**given, layout.CONTEXT_KEY: layout.CONTEXT_VALUE}


class AwsKmsCodec(Codec):
    """AES-256-GCM under data keys from AWS KMS; strategy ``inngest-codecs/aws-kms``.

    Options: ``encryption_context`` (str to str, default none), ``max_age``
    (seconds a data key encrypts and an unwrapped key is kept, default 300),
    ``max_values`` (values per data key, default 2**20), ``max_bytes``
    (plaintext bytes per data key, default 2**32), ``decrypt_cache_size``
    (unwrapped data keys kept, default 1000), ``connect_timeout`` and
    ``read_timeout`` (seconds a KMS request may take to connect, and to send
    its next bytes: defaults 3 and 5), ``failure_max_age`` (seconds a failed
    KMS call is remembered, its callers failing at once: default 1).
    """

    name = "aws-kms"
    strategy = layout.STRATEGY
    key_kind = REFERENCE
    binds_associated_data = True
    does_io = True  # calls AWS KMS: async apps run it off the event loop

    def __init__(
        self,
        keys: KeySet,
        *,
        encryption_context: Mapping[str, str] | None = None,
        max_age: float = DEFAULT_MAX_AGE,
        max_values: int = DEFAULT_MAX_VALUES,
        max_bytes: int = DEFAULT_MAX_BYTES,
        decrypt_cache_size: int = DEFAULT_DECRYPT_CACHE_SIZE,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        read_timeout: float = DEFAULT_READ_TIMEOUT,
        failure_max_age: float = DEFAULT_FAILURE_MAX_AGE,
        **options: Any,
    ) -> None:
        super().__init__(keys, **options)
        found = (kms_key(key) for key in keys.decryption_keys)
        self._kms_keys: tuple[KmsKey, ...] = tuple(dict.fromkeys(k for k in found if k))
        if not self._kms_keys:
            raise KeyConfigError(
                "aws-kms keys are KMS key ids, key ARNs, alias names or alias ARNs; "
                "none of the configured keys is one"
            )
        self._primary = kms_key(keys.primary)
        self._context = _context(encryption_context)
        self._aad_tail = layout.STRATEGY_BYTES + layout.encode_context(self._context)
        max_age = _positive("max_age", max_age, integer=False)
        failure_max_age = _positive("failure_max_age", failure_max_age, integer=False)
        self._encrypting = EncryptionKeyCache(
            max_age,
            _positive("max_values", max_values, integer=True, at_most=MAX_VALUES_LIMIT),
            _positive("max_bytes", max_bytes, integer=True),
            failure_max_age,
        )
        self._unwrapped = DecryptionKeyCache(
            _positive("decrypt_cache_size", decrypt_cache_size, integer=True),
            max_age,
            failure_max_age,
        )
        self._kms = KmsClients(
            _positive("connect_timeout", connect_timeout, integer=False),
            _positive("read_timeout", read_timeout, integer=False),
        )

    @classmethod
    def key_id(cls, key: Key) -> str:
        """A KMS key's id is the key id, ARN or alias as configured (public, not a secret)."""
        return key.material.decode("utf-8", "replace")

    @property
    def key_ids(self) -> tuple[str, ...]:
        return tuple(key.text for key in self._kms_keys)

    @classmethod
    def key_id_of(cls, ciphertext: bytes) -> str | None:
        try:
            if ciphertext[:1] == bytes([layout.BOUND_VERSION]):
                ciphertext = layout.split_bound(ciphertext)[1]
            if not ciphertext or ciphertext[0] != layout.VERSION:
                return None
            return layout.parse(ciphertext).key_arn
        except layout.Malformed:
            return None

    @classmethod
    def generate_key(cls) -> str:
        raise KeyConfigError(
            "aws-kms keys live in AWS KMS: create one (aws kms create-key) and use its ARN"
        )

    # Encryption.

    def encrypt(self, plaintext: bytes, associated_data: bytes | None = None) -> bytes:
        data_key = self._encrypting.reserve(len(plaintext), self._new_data_key)
        nonce = os.urandom(layout.NONCE_SIZE)
        if associated_data is None:
            sealed = data_key.aead.encrypt(nonce, plaintext, data_key.aad)
            return data_key.header + nonce + sealed
        try:
            prefix = layout.bound_prefix(associated_data)
        except ValueError:
            raise EncodingError("associated data longer than 65535 bytes") from None
        sealed = data_key.aead.encrypt(nonce, plaintext, prefix + data_key.aad)
        return prefix + data_key.header + nonce + sealed

    def _new_data_key(self) -> DataKey:
        primary = self._primary
        if primary is None:
            raise KeyConfigError(
                "aws-kms encrypts under the primary key, which is not a KMS key id, key ARN, "
                "alias name or alias ARN"
            )
        try:
            key_arn, secret, wrapped = self._kms.generate_data_key(
                primary.text, primary.region, self._context
            )
        except KmsRefusal as refusal:
            raise EncryptionError(f"{refusal}; nothing was encrypted") from None
        if not is_key_arn(key_arn) or len(secret) != 32 or not wrapped:
            raise EncryptionError(
                f"AWS KMS GenerateDataKey with KMS key {primary.text} gave an unexpected answer"
            )
        data_key = self._data_key(layout.header(key_arn, wrapped), secret)
        self._unwrapped.put(data_key)  # this process opens its own values without KMS
        return data_key

    def _data_key(self, header: bytes, secret: bytes) -> DataKey:
        return DataKey(AESGCM(secret), header, header + self._aad_tail)

    # Decryption.

    def decrypt(self, ciphertext: bytes, associated_data: bytes | None = None) -> bytes:
        if ciphertext[:1] != bytes([layout.BOUND_VERSION]):
            return self._open(ciphertext, b"")
        try:
            prefix, value = layout.split_bound(ciphertext)
        except layout.Malformed as error:
            raise self.failure(f"not an aws-kms value: {error}", permanent=True) from None
        plaintext = self._open(value, prefix)
        written = prefix[3:]
        if associated_data is not None and written != associated_data:
            raise self.misplaced(written, associated_data)
        return plaintext

    def _open(self, ciphertext: bytes, prefix: bytes) -> bytes:
        """Open a version-1 value whose associated data ``prefix`` leads."""
        if len(ciphertext) < layout.MIN_SIZE:
            raise self.failure("ciphertext is too short for aws-kms", permanent=True)
        if ciphertext[0] != layout.VERSION:
            raise self.failure(f"unsupported aws-kms format version {ciphertext[0]}")
        try:
            value = layout.parse(ciphertext)
        except layout.Malformed as error:
            raise self.failure(f"not an aws-kms value: {error}", permanent=True) from None
        data_key = self._unwrapped.get(value.header) or self._unwrapped.open(
            value.header, lambda: self._unwrap(value)
        )
        try:
            return data_key.aead.decrypt(value.nonce, value.sealed, prefix + data_key.aad)
        except InvalidTag:
            raise self.failure(
                "the value was altered (its data key opened, its tag does not match)",
                permanent=True,
            ) from None

    def _unwrap(self, value: layout.Sealed) -> DataKey:
        """The data key of ``value``, from KMS, under a KMS key of the key set only."""
        try:
            key_arn = value.key_arn
        except layout.Malformed as error:
            raise self.failure(f"not an aws-kms value: {error}", permanent=True) from None
        candidates = [key for key in self._kms_keys if key.holds(key_arn) is not False]
        if not candidates:
            raise self.failure(
                f"its data key is wrapped under KMS key {key_arn}, which is not in the key set"
            )
        refusals = []
        for key in candidates:
            try:
                secret = self._kms.decrypt(key.text, key.region, value.wrapped_key, self._context)
            except KmsRefusal as refusal:
                refusals.append(str(refusal))
                continue
            if len(secret) != 32:
                refusals.append(f"AWS KMS Decrypt with KMS key {key.text} gave no 256-bit key")
                continue
            return self._data_key(value.header, secret)
        raise self.failure("; ".join(refusals))

    def failure(
        self, message: str = "no configured key opens this value", *, permanent: bool = False
    ) -> DecryptionError:
        error = super().failure(message, permanent=permanent)
        error.keys_tried = len(self._kms_keys)
        return error

    def __repr__(self) -> str:
        return f"<AwsKmsCodec keys={list(self.key_ids)} context={sorted(self._context)}>"
