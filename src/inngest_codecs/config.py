"""Settings read from the environment or from a mapping (as loaded from TOML or YAML).

Environment variables:

=================================== ===============================================
``INNGEST_ENCRYPTION_KEY``          the primary key (required)
``INNGEST_ENCRYPTION_FALLBACK_KEYS`` fallback keys, comma-separated (decrypt only)
``INNGEST_ENCRYPTION_CODEC``        codec name, default ``secretbox``
``INNGEST_ENCRYPTION_DECRYPT_ONLY`` ``true``/``false`` (also 1/0, yes/no, on/off)
``INNGEST_ENCRYPTION_EVENT_FIELD``  event data field to encrypt, default ``encrypted``
=================================== ===============================================

A mapping uses the keys ``key``, ``fallback_keys`` (a list, or a comma-separated
string), ``codec``, ``decrypt_only``, ``event_encryption_field`` and an optional
``options`` table passed to the codec.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from .encryptor import DEFAULT_EVENT_FIELD, Encryptor
from .errors import KeyConfigError

ENV_KEY = "INNGEST_ENCRYPTION_KEY"
ENV_FALLBACK_KEYS = "INNGEST_ENCRYPTION_FALLBACK_KEYS"
ENV_CODEC = "INNGEST_ENCRYPTION_CODEC"
ENV_DECRYPT_ONLY = "INNGEST_ENCRYPTION_DECRYPT_ONLY"
ENV_EVENT_FIELD = "INNGEST_ENCRYPTION_EVENT_FIELD"

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}
_MAPPING_KEYS = {
    "key",
    "fallback_keys",
    "codec",
    "decrypt_only",
    "event_encryption_field",
    "options",
}


def split_keys(text: str) -> tuple[str, ...]:
    """Comma-separated keys; blank items are dropped."""
    return tuple(part.strip() for part in text.split(",") if part.strip())


def parse_bool(text: str, name: str) -> bool:
    lowered = text.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise KeyConfigError(f"{name} must be true or false")


class EncryptionSettings:
    """Everything needed to build an :class:`Encryptor` and the middleware."""

    __slots__ = (
        "codec",
        "decrypt_only",
        "event_encryption_field",
        "fallback_keys",
        "key",
        "options",
    )

    def __init__(
        self,
        key: str | bytes,
        fallback_keys: tuple[str | bytes, ...] = (),
        codec: str = "secretbox",
        decrypt_only: bool = False,
        event_encryption_field: str = DEFAULT_EVENT_FIELD,
        options: Mapping[str, Any] | None = None,
    ) -> None:
        self.key = key
        self.fallback_keys = fallback_keys
        self.codec = codec
        self.decrypt_only = decrypt_only
        self.event_encryption_field = event_encryption_field
        self.options: Mapping[str, Any] = dict(options or {})

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> EncryptionSettings:
        env = os.environ if environ is None else environ
        key = env.get(ENV_KEY, "")
        if not key.strip():
            raise KeyConfigError(f"{ENV_KEY} is not set")
        return cls(
            key=key,
            fallback_keys=split_keys(env.get(ENV_FALLBACK_KEYS, "")),
            codec=env.get(ENV_CODEC, "").strip() or "secretbox",
            decrypt_only=parse_bool(env.get(ENV_DECRYPT_ONLY, ""), ENV_DECRYPT_ONLY),
            event_encryption_field=env.get(ENV_EVENT_FIELD, "").strip() or DEFAULT_EVENT_FIELD,
        )

    @classmethod
    def from_mapping(cls, config: Mapping[str, Any]) -> EncryptionSettings:
        unknown = set(config) - _MAPPING_KEYS
        if unknown:
            raise KeyConfigError(f"unknown encryption setting(s): {', '.join(sorted(unknown))}")
        if not config.get("key"):
            raise KeyConfigError("the encryption setting 'key' is missing")
        fallbacks = config.get("fallback_keys") or ()
        decrypt_only = config.get("decrypt_only", False)
        if isinstance(decrypt_only, str):
            decrypt_only = parse_bool(decrypt_only, "decrypt_only")
        return cls(
            key=config["key"],
            fallback_keys=split_keys(fallbacks) if isinstance(fallbacks, str) else tuple(fallbacks),
            codec=config.get("codec") or "secretbox",
            decrypt_only=bool(decrypt_only),
            event_encryption_field=config.get("event_encryption_field") or DEFAULT_EVENT_FIELD,
            options=dict(config.get("options") or {}),
        )

    def encryptor(self, cache_size: int = 0) -> Encryptor:
        """An Encryptor built from these settings (raises on a bad key or codec now)."""
        return Encryptor(
            self.key,
            codec=self.codec,
            fallback_keys=self.fallback_keys,
            cache_size=cache_size,
            **self.options,
        )

    def __repr__(self) -> str:
        return (
            f"EncryptionSettings(codec={self.codec!r}, keys={1 + len(self.fallback_keys)}, "
            f"decrypt_only={self.decrypt_only}, event_field={self.event_encryption_field!r})"
        )
