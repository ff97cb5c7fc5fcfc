"""One settings class for every way of configuring the package.

Each setting is declared once, as an attribute of [`EncryptionSettings`][]: its
type, default, parser (``kind``), command-line flag and doc line. Its name is
the keyword argument of ``EncryptionMiddleware.factory``, the key of a
configuration mapping (``from_config``), and, upper-cased behind
``INNGEST_ENCRYPTION_``, the environment variable (``from_env``). `SETTINGS`
lists them; docs/configuration.md shows the table, generated from here. The
settings build what they describe: the Encryptor, the tenant router, the size guard.

Values are checked when the settings are built, at start-up: a mistake raises
[`KeyConfigError`][] naming the setting and what it
accepts, never a key. Unknown names (a mapping key, a keyword, an
``INNGEST_ENCRYPTION_*`` variable) are refused with the closest known name.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any

from . import config_env, keycheck, registry
from .compression import DEFAULT_MAX_DECOMPRESSED_BYTES
from .encryptor import DEFAULT_CODEC, DEFAULT_EVENT_FIELD, Encryptor
from .errors import ConfigError, KeyConfigError
from .for_inngest.limits import (
    DEFAULT_MAX_EVENT_BYTES,
    DEFAULT_MAX_RUN_STATE_BYTES,
    DEFAULT_MAX_STEP_OUTPUT_BYTES,
    SizeGuard,
    SizeLimits,
)
from .indexer import BlindIndex, Indexer
from .keys import KeySet
from .offload.store import Store
from .revocation import ids_of
from .setting import ENV_PREFIX, REQUIRED, Setting, read_settings
from .tenants import TenantFrom, TenantRouter, UnknownTenants, check_tenant_keys

ENV_KEY = ENV_PREFIX + "KEY"
ENV_FALLBACK_KEYS = ENV_PREFIX + "FALLBACK_KEYS"
ENV_CODEC = ENV_PREFIX + "CODEC"


class EncryptionSettings:
    """Checked values of every setting, as read-only attributes; the builders of what they
    describe."""

    key: Setting[Any] = Setting(
        "key",
        REQUIRED,
        "the key that encrypts (and decrypts)",
        cli="--key",
        aliases=("secret_key",),
    )
    fallback_keys: Setting[tuple[Any, ...]] = Setting(
        "keys",
        (),
        "older keys, tried when decrypting only",
        cli="--fallback-key",
        aliases=("fallback_decryption_keys",),
    )
    codec: Setting[str] = Setting(
        "name", DEFAULT_CODEC, "the codec that encrypts (any installed codec name)", cli="--codec"
    )
    codec_options: Setting[dict[str, Any]] = Setting(
        "mapping",
        None,
        "options passed to the codec, and only to it",
        cli="--codec-option",
        aliases=("options",),
    )
    decrypt_only: Setting[bool] = Setting(
        "bool", False, "decrypt what arrives, encrypt nothing new"
    )
    event_encryption_field: Setting[tuple[str, ...] | Callable[[str], bool]] = Setting(
        "fields",
        DEFAULT_EVENT_FIELD,
        "event data field(s) encrypted on every event sent (steps and outputs always are)",
    )
    encrypt_errors: Setting[bool] = Setting(
        "bool", False, "encrypt the message and stack of step and function errors"
    )
    on_decryption_failure: Setting[str] = Setting(
        "choice",
        "retry",
        "what a value no key opens does to the run",
        choices=("retry", "fail", "keep"),
    )
    max_signature_age: Setting[float | None] = Setting(
        "seconds_or_off", 300.0, "seconds a signed request stays acceptable (off: no check)"
    )
    max_clock_skew: Setting[float] = Setting(
        "seconds", 300.0, "seconds a request's signature may lie in the future"
    )
    cache_size: Setting[int] = Setting("count", 512, "opened values whose plaintext is remembered")
    compression: Setting[str | None] = Setting(
        "optional_choice",
        None,
        "compress values before encryption when that saves bytes",
        cli="--compression",
        choices=("zstd",),
    )
    uncompressed: Setting[tuple[str, ...]] = Setting(
        "names", (), "event fields and step ids whose values are never compressed"
    )
    plain_fields: Setting[tuple[str, ...]] = Setting(
        "names",
        (),
        "fields of events a run sends that stay plain (* for all) unless they hold opened values",
    )
    max_decompressed_bytes: Setting[int] = Setting(
        "bytes", DEFAULT_MAX_DECOMPRESSED_BYTES, "the most one compressed value may decompress to"
    )
    offload_over: Setting[int | None] = Setting(
        "bytes_or_off", None, "values whose envelope would be larger go to offload_store"
    )
    offload_store: Setting[str | Store | None] = Setting(
        "store",
        None,
        "the object store for large values (needed to read them too)",
        cli="--offload-store",
    )
    max_step_output_bytes: Setting[int | None] = Setting(
        "bytes_or_off",
        DEFAULT_MAX_STEP_OUTPUT_BYTES,
        "refuse a step or function output larger than this, as sent",
    )
    max_event_bytes: Setting[int | None] = Setting(
        "bytes_or_off", DEFAULT_MAX_EVENT_BYTES, "refuse an event larger than this, as sent"
    )
    max_run_state_bytes: Setting[int | None] = Setting(
        "bytes_or_off",
        DEFAULT_MAX_RUN_STATE_BYTES,
        "refuse an output that takes a run's state over this",
    )
    tenant_keys: Setting[dict[str, Any] | None] = Setting(
        "tenant_keys",
        None,
        "each tenant's own key (or key, fallback_keys, codec, codec_options)",
    )
    tenant_from: Setting[TenantFrom | None] = Setting(
        "tenant_from",
        None,
        "where an event names its tenant: a dotted path such as data.tenant_id",
    )
    unknown_tenants: Setting[UnknownTenants] = Setting(
        "choice",
        "refuse",
        "what a tenant id without a key gets: refused, or the default key",
        choices=("refuse", "default"),
    )
    revoked_tenants: Setting[tuple[str, ...]] = Setting(
        "names", (), "tenants erased for good: nothing is read or written for them"
    )
    revoked_key_ids: Setting[tuple[str, ...]] = Setting(
        "names", (), "key ids whose values are refused for good, wherever the key is configured"
    )
    allow_plaintext_ai_infer: Setting[bool] = Setting(
        "bool", False, "let step.ai.infer send its body and API key to Inngest in plaintext"
    )
    bind_to_place: Setting[bool] = Setting(
        "bool",
        True,
        "bind each value to its place (event and field, function and step) where the codec "
        "carries associated data; off while readers without binding still run",
    )
    indexes: Setting[tuple[BlindIndex, ...]] = Setting(
        "indexes",
        None,
        "blind indexes: a keyed tag of an encrypted value, written to a plain field "
        "(see flow-control.md)",
    )
    index_key: Setting[str | bytes | None] = Setting(
        "optional_key", None, "the key index keys derive from (default: the encryption key)"
    )
    index_next_key: Setting[str | bytes | None] = Setting(
        "optional_key",
        None,
        "while the index key changes, the next one: each index also writes next_to",
    )

    def __init__(
        self,
        values: Mapping[str, Any],
        *,
        text: bool = False,
        label: Callable[[str], str] = repr,
    ) -> None:
        """``values`` by canonical name or alias.

        ``text=True`` reads strings as the environment and config files write
        them ("true", "a,b", "off", a JSON object). ``label`` turns a name as
        given into how messages should name it.
        """
        read = read_settings(SETTINGS, values, text=text, label=label)
        self.__dict__.update(read)

    @classmethod
    def from_env(
        cls,
        environ: Mapping[str, str] | None = None,
        *,
        overrides: Mapping[str, Any] | None = None,
        on_unknown: Callable[[str], None] | None = None,
    ) -> EncryptionSettings:
        """Settings from ``INNGEST_ENCRYPTION_*`` variables (see `config_env`).

        ``overrides`` (by canonical name, ``None`` meaning not given) win over
        the environment: the command line passes its flags this way, and
        messages name them by their flag. Unknown variables are refused, or
        passed to ``on_unknown`` (commands that only read use it to warn).
        Without a codec, a generated key's own codec is used, else the default.
        """
        from_environment = config_env.read_environment(
            os.environ if environ is None else environ, SETTINGS, ENV_PREFIX, on_unknown
        )
        values: dict[str, Any] = {name: found.text for name, found in from_environment.items()}
        given = {name: value for name, value in (overrides or {}).items() if value is not None}
        values.update(given)
        if "key" not in values:
            raise KeyConfigError(f"{ENV_KEY} is not set (nor {ENV_KEY}_FILE)")
        made_for = keycheck.made_for(values["key"])
        if "codec" not in values and made_for is not None:  # a generated key names its codec
            values["codec"] = made_for

        def label(name: str) -> str:
            setting = BY_NAME.get(name)
            if setting is None:
                return repr(name)
            if name in given:
                return setting.cli or repr(name)
            return from_environment[name].variable if name in from_environment else name

        return cls(values, text=True, label=label)

    @classmethod
    def from_mapping(cls, config: Mapping[str, Any]) -> EncryptionSettings:
        """Settings from a mapping, as loaded from TOML, YAML or JSON."""
        if not isinstance(config, Mapping):
            raise ConfigError(f"the configuration must be a mapping, not {type(config).__name__}")
        return cls(config, text=True)

    def encryptor(self, **keys: Any) -> Encryptor:
        """The default Encryptor (raises on a bad key or codec now).

        ``keys`` (``key``, ``fallback_keys``, ``codec``, ``codec_options``) replace
        these settings' own: the tenant router builds each tenant's Encryptor so,
        and every other setting is shared.
        """
        chosen = {
            "key": self.key,
            "fallback_keys": self.fallback_keys,
            "codec": self.codec,
            "codec_options": self.codec_options,
            **keys,
        }
        return Encryptor(
            chosen["key"],
            codec=chosen["codec"],
            fallback_keys=chosen["fallback_keys"],
            codec_options=chosen["codec_options"],
            cache_size=self.cache_size,
            compression=self.compression,
            max_decompressed_bytes=self.max_decompressed_bytes,
            offload_over=self.offload_over,
            offload_store=self.offload_store,
            revoked_key_ids=self.revoked_key_ids,
            name_key=self.tenant_keys is not None,
        )

    def tenants(self) -> TenantRouter:
        """The tenant router: the default Encryptor, and one per tenant of ``tenant_keys``.

        A tenant whose encrypting key is revoked (its id in ``revoked_key_ids``)
        counts as revoked, like one listed in ``revoked_tenants``.
        """
        revoked = set(self.revoked_tenants)
        members: dict[str, Encryptor] = {}
        for tenant, spec in check_tenant_keys(self.tenant_keys or {}).items():
            codec = spec.codec or self.codec
            if self._is_revoked(spec.key, codec):
                revoked.add(tenant)
                continue
            options = spec.codec_options
            if options is None:
                options = self.codec_options if codec == self.codec else {}
            members[tenant] = self.encryptor(
                key=spec.key, fallback_keys=spec.fallback_keys, codec=codec, codec_options=options
            )
        return TenantRouter(
            self.encryptor(),
            members,
            revoked_tenants=revoked,
            unknown_tenants=self.unknown_tenants,
        )

    def _is_revoked(self, key: object, codec: str) -> bool:
        cls = registry.codec_class(codec)
        primary = KeySet.build(key, kind=cls.key_kind).primary
        return not ids_of(primary, cls).isdisjoint(self.revoked_key_ids)

    def indexer(self, tenants: TenantRouter) -> Indexer:
        """The writer of the blind indexes' tags, with the keys of ``tenants``."""
        return Indexer(
            self.indexes,
            tenants,
            fields=self.event_encryption_field,
            index_key=self.index_key,
            next_key=self.index_next_key,
        )

    def size_guard(self) -> SizeGuard:
        """A size guard for Inngest's limits as these settings set them."""
        return SizeGuard(
            SizeLimits(
                max_step_output_bytes=self.max_step_output_bytes,
                max_event_bytes=self.max_event_bytes,
                max_run_state_bytes=self.max_run_state_bytes,
            )
        )

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("settings are read-only; build new ones")

    def __repr__(self) -> str:
        return (
            f"EncryptionSettings(codec={self.codec!r}, keys={1 + len(self.fallback_keys)}, "
            f"decrypt_only={self.decrypt_only}, event_field={self.event_encryption_field!r})"
        )


SETTINGS: tuple[Setting[Any], ...] = tuple(
    value for value in vars(EncryptionSettings).values() if isinstance(value, Setting)
)
BY_NAME = {s.name: s for s in SETTINGS}
