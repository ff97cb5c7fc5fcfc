"""The operator keyring: every configured key opens what it wrote, and says whose it is.

An operator reading stored data (the CLI, the codec server) does not know in
advance which tenant or which key wrote a value. The keyring holds every key the
settings name (the default key, its fallbacks, each tenant's keys) and every key
in a keys directory (such as ``/run/secrets``), one [`Encryptor`][] per key, and
reports which tenant and key id opened each value.

The ``__KEY__`` hint an envelope carries only decides the order keys are tried
in; what decides is which key actually opens the value (authenticated
decryption). Revoked key ids are never loaded, so they never open anything.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from . import envelope, layers, registry
from .config import EncryptionSettings
from .encryptor import Encryptor
from .errors import CodecError, ConfigError, DecryptionError, KeyConfigError, KeyRevokedError
from .keys import KeySet
from .revocation import ids_of
from .tenants import check_tenant_keys

ENV_KEYS_DIR = "INNGEST_CODECS_KEYS_DIR"
TENANT_FILE_PREFIX = "tenant."
MAX_KEY_FILE_BYTES = 4096


@dataclass(frozen=True)
class Opening:
    """An opened value, with the tenant and key id of the key that opened it, where known."""

    value: object
    tenant: str | None = None
    key_id: str | None = None


@runtime_checkable
class EnvelopeOpener(Protocol):
    """What opens envelopes and says with which key (the [`Keyring`][])."""

    def open(self, value: dict[str, Any]) -> Opening: ...


def key_id_hint(value: dict[str, Any]) -> str | None:
    """The key id an envelope names, unauthenticated: ``__KEY__``, or the id its codec's
    format carries (aes-gcm); ``None`` when it names none."""
    named = value.get(envelope.KEY_ID)
    if isinstance(named, str):
        return named
    try:
        strategy, blob = envelope.parse(value)
        return registry.codec_for_strategy(layers.split(strategy)[0]).key_id_of(blob)
    except CodecError:
        return None


@dataclass(frozen=True)
class KeyringEntry:
    """One key: whose it is (``tenant``, ``None`` for keys of no tenant), where it was
    configured (``source``), its id, and the Encryptor holding only it."""

    tenant: str | None
    source: str
    key_id: str
    encryptor: Encryptor
    ids: frozenset[str] = frozenset()  # every id the key goes by (key id, fingerprint)


def _split(keys: object) -> list[Any]:
    if keys is None:
        return []
    return list(keys) if isinstance(keys, (list, tuple)) else [keys]


class Keyring:
    """Opens an envelope with whichever configured key wrote it (see the module docstring)."""

    def __init__(self, entries: Iterable[KeyringEntry], revoked_key_ids: Iterable[str] = ()):
        self.revoked = frozenset(revoked_key_ids)
        unique: dict[tuple[str | None, str], KeyringEntry] = {}
        for entry in entries:
            if entry.ids.isdisjoint(self.revoked):
                unique.setdefault((entry.tenant, entry.key_id), entry)
        self.entries = tuple(unique.values())

    @classmethod
    def from_settings(cls, settings: EncryptionSettings, *, keys_dir: str | None = None) -> Keyring:
        """Every key ``settings`` name (tenants in ``revoked_tenants`` left out), then every
        key file in ``keys_dir``; each Encryptor is built by the settings, so it shares
        every other setting (compression, offload store, codec options)."""
        entries: list[KeyringEntry] = []

        def add(tenant: str | None, source: str, key: Any, codec: str, options: Any) -> None:
            kind = registry.codec_class(codec)
            primary = KeySet.build(key, kind=kind.key_kind).primary
            ids = ids_of(primary, kind)
            if not ids.isdisjoint(settings.revoked_key_ids):
                return  # never loaded, so it never opens anything
            encryptor = settings.encryptor(
                key=key, fallback_keys=(), codec=codec, codec_options=options
            )
            entries.append(KeyringEntry(tenant, source, kind.key_id(primary), encryptor, ids))

        shared = (settings.codec, settings.codec_options)
        for index, key in enumerate([*_split(settings.key), *settings.fallback_keys]):
            add(None, "default key" if index == 0 else f"fallback key #{index}", key, *shared)
        for tenant, spec in check_tenant_keys(settings.tenant_keys or {}).items():
            if tenant in settings.revoked_tenants:
                continue
            codec = spec.codec or settings.codec
            options = spec.codec_options
            if options is None:
                options = settings.codec_options if codec == settings.codec else {}
            for index, key in enumerate([*_split(spec.key), *_split(spec.fallback_keys)]):
                suffix = f" key #{index}" if index else ""
                add(tenant, f"tenant {tenant!a}{suffix}", key, codec, options)
        for name, key in read_keys_dir(keys_dir) if keys_dir else ():
            owner = name[len(TENANT_FILE_PREFIX) :] if name.startswith(TENANT_FILE_PREFIX) else ""
            add(owner or None, f"key file {name!a}", key, *shared)
        return cls(entries, settings.revoked_key_ids)

    def writer(self, tenant: str) -> Encryptor:
        """The Encryptor of ``tenant``'s encrypting key; [`ConfigError`][] when it has none."""
        for entry in self.entries:
            if entry.tenant == tenant and entry.source == f"tenant {tenant!a}":
                return entry.encryptor
        raise ConfigError(f"no key of tenant {tenant[:64]!a} is configured here")

    @property
    def tenants(self) -> frozenset[str]:
        return frozenset(e.tenant for e in self.entries if e.tenant is not None)

    def open(self, value: dict[str, Any]) -> Opening:
        """The plaintext of ``value``, with the tenant and key id of the key that opened it.

        Raises [`KeyRevokedError`][] when no key opens it and it names a revoked key,
        [`DecryptionError`][] when no key opens it (naming the key id it names, if
        any), and whatever the Encryptor raises for a malformed envelope or a
        strategy no installed codec opens.
        """
        hint = key_id_hint(value)
        bare = {k: v for k, v in value.items() if k != envelope.KEY_ID}  # the hint decides nothing
        ordered = sorted(self.entries, key=lambda e: e.key_id != hint)
        for entry in ordered:
            try:
                plaintext = entry.encryptor.decrypt(bare)
            except KeyRevokedError:
                raise
            except DecryptionError:
                continue
            return Opening(plaintext, entry.tenant, entry.key_id)
        raise self._refusal(hint)

    def decrypt(self, value: object) -> object:
        """Like [`Encryptor.decrypt`][]: the plaintext of an envelope, any other value as it is."""
        if not envelope.is_envelope(value):
            return value
        return self.open(value).value  # type: ignore[arg-type]

    def _refusal(self, hint: str | None) -> DecryptionError:
        ids = sorted({e.key_id for e in self.entries})
        if hint is not None and hint in self.revoked:
            return KeyRevokedError(
                f"written under key id {hint!a}, which is revoked: the value is erased",
                permanent=True,
                key_ids=ids,
            )
        if hint is not None:
            return DecryptionError(
                f"written under key id {hint!a}, which is not configured here (no default, "
                "fallback, tenant or key-file key has that id)",
                keys_tried=len(self.entries),
                key_ids=ids,
            )
        return DecryptionError(
            "no configured key opens this value", keys_tried=len(self.entries), key_ids=ids
        )

    def __repr__(self) -> str:
        return f"<Keyring keys={len(self.entries)} tenants={len(self.tenants)}>"


def read_keys_dir(directory: str) -> list[tuple[str, str]]:
    """``(file name, key)`` for each key file in ``directory``: regular, not hidden, at most
    4 KiB of UTF-8 text (anything else there is skipped, as ``/run/secrets`` holds more)."""
    root = Path(directory)
    if not root.is_dir():
        raise KeyConfigError(f"the keys directory {str(root)!a} does not exist")
    found: list[tuple[str, str]] = []
    for path in sorted(root.iterdir()):
        if path.name.startswith(".") or not path.is_file():
            continue
        if path.stat().st_size > MAX_KEY_FILE_BYTES:
            continue
        try:
            key = path.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError):
            continue
        if key:
            found.append((path.stem if path.suffix == ".key" else path.name, key))
    return found


def keyring_from_env(
    environ: Mapping[str, str] | None = None,
    *,
    overrides: Mapping[str, Any] | None = None,
    keys_dir: str | None = None,
    on_unknown: Callable[[str], None] | None = None,
) -> tuple[EncryptionSettings, Keyring]:
    """The settings from the environment (``_FILE`` variables read, see
    [`config_env`][inngest_codecs.config_env]) and their keyring; ``keys_dir`` defaults
    to ``$INNGEST_CODECS_KEYS_DIR``; ``on_unknown`` as for ``EncryptionSettings.from_env``."""
    env = os.environ if environ is None else environ
    settings = EncryptionSettings.from_env(env, overrides=overrides, on_unknown=on_unknown)
    directory = keys_dir or env.get(ENV_KEYS_DIR, "").strip() or None
    return settings, Keyring.from_settings(settings, keys_dir=directory)


__all__ = [
    "ENV_KEYS_DIR",
    "EnvelopeOpener",
    "Keyring",
    "KeyringEntry",
    "Opening",
    "key_id_hint",
    "keyring_from_env",
    "read_keys_dir",
]
