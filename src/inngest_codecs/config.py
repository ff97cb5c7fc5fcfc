"""One settings model for every way of configuring the package.

Each setting has one canonical name, used as the keyword argument of
``EncryptionMiddleware.factory``, as the key of a configuration mapping
(``from_config``), and, upper-cased behind ``INNGEST_ENCRYPTION_``, as an
environment variable (``from_env``); the command line uses it as a flag where
the setting applies there. `SETTINGS` is the table; docs/configuration.md
shows it, generated from here.

Values are checked when the settings are built, at start-up: a mistake raises
[`KeyConfigError`][] naming the setting and what it
accepts, never a key. Unknown names (a mapping key, a keyword, an
``INNGEST_ENCRYPTION_*`` variable) are refused with the closest known name.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

from . import config_values
from .compression import DEFAULT_MAX_DECOMPRESSED_BYTES
from .encryptor import DEFAULT_EVENT_FIELD, Encryptor
from .errors import KeyConfigError
from .limits import (
    DEFAULT_MAX_EVENT_BYTES,
    DEFAULT_MAX_RUN_STATE_BYTES,
    DEFAULT_MAX_STEP_OUTPUT_BYTES,
    SizeLimits,
)
from .tenants import TenantFrom

ENV_PREFIX = "INNGEST_ENCRYPTION_"
ENV_KEY = ENV_PREFIX + "KEY"
ENV_FALLBACK_KEYS = ENV_PREFIX + "FALLBACK_KEYS"
ENV_CODEC = ENV_PREFIX + "CODEC"


class Setting(NamedTuple):
    """One setting: its name, what it takes, its default, where it can be set."""

    name: str
    kind: str  # how it is read and checked: see _READERS
    default: Any
    help: str
    cli: str | None = None
    aliases: tuple[str, ...] = ()
    choices: tuple[str, ...] = ()

    @property
    def env(self) -> str:
        """The environment variable (``event_encryption_field`` keeps its short old name)."""
        short = "EVENT_FIELD" if self.name == "event_encryption_field" else self.name.upper()
        return ENV_PREFIX + short


REQUIRED = object()

SETTINGS: tuple[Setting, ...] = (
    Setting(
        "key",
        "key",
        REQUIRED,
        "the key that encrypts (and decrypts)",
        cli="--key",
        aliases=("secret_key",),
    ),
    Setting(
        "fallback_keys",
        "keys",
        (),
        "older keys, tried when decrypting only",
        cli="--fallback-key",
        aliases=("fallback_decryption_keys",),
    ),
    Setting(
        "codec",
        "name",
        "secretbox",
        "the codec that encrypts (any installed codec name)",
        cli="--codec",
    ),
    Setting(
        "codec_options",
        "mapping",
        None,
        "options passed to the codec",
        cli="--codec-option",
        aliases=("options",),
    ),
    Setting("decrypt_only", "bool", False, "decrypt what arrives, encrypt nothing new"),
    Setting(
        "event_encryption_field",
        "fields",
        DEFAULT_EVENT_FIELD,
        "event data field(s) encrypted on every event sent",
    ),
    Setting(
        "encrypt_errors", "bool", False, "encrypt the message and stack of step and function errors"
    ),
    Setting(
        "on_decryption_failure",
        "choice",
        "retry",
        "what a value no key opens does to the run",
        choices=("retry", "fail", "keep"),
    ),
    Setting(
        "max_signature_age",
        "seconds_or_off",
        300.0,
        "seconds a signed request stays acceptable (off: no check)",
    ),
    Setting(
        "max_clock_skew", "seconds", 300.0, "seconds a request's signature may lie in the future"
    ),
    Setting("cache_size", "count", 512, "opened values whose plaintext is remembered"),
    Setting(
        "compression",
        "optional_choice",
        None,
        "compress values before encryption when that saves bytes",
        cli="--compression",
        choices=("zstd",),
    ),
    Setting(
        "uncompressed",
        "names",
        (),
        "event fields and step ids whose values are never compressed",
    ),
    Setting(
        "max_decompressed_bytes",
        "bytes",
        DEFAULT_MAX_DECOMPRESSED_BYTES,
        "the most one compressed value may decompress to",
    ),
    Setting(
        "offload_over",
        "bytes_or_off",
        None,
        "values whose envelope would be larger go to offload_store",
    ),
    Setting(
        "offload_store",
        "optional_name",
        None,
        "URL of the object store for large values (needed to read them too)",
        cli="--offload-store",
    ),
    Setting(
        "max_step_output_bytes",
        "bytes_or_off",
        DEFAULT_MAX_STEP_OUTPUT_BYTES,
        "refuse a step or function output larger than this, as sent",
    ),
    Setting(
        "max_event_bytes",
        "bytes_or_off",
        DEFAULT_MAX_EVENT_BYTES,
        "refuse an event larger than this, as sent",
    ),
    Setting(
        "max_run_state_bytes",
        "bytes_or_off",
        DEFAULT_MAX_RUN_STATE_BYTES,
        "refuse an output that takes a run's state over this",
    ),
    Setting(
        "tenant_keys",
        "tenant_keys",
        None,
        "each tenant's own key (or key, fallback_keys, codec, codec_options)",
    ),
    Setting(
        "tenant_from",
        "tenant_from",
        None,
        "where an event names its tenant: a dotted path such as data.tenant_id",
    ),
    Setting(
        "revoked_key_ids",
        "names",
        (),
        "key ids whose values are refused for good (crypto-shredding)",
    ),
    Setting(
        "allow_plaintext_ai_infer",
        "bool",
        False,
        "let step.ai.infer send its body and API key to Inngest in plaintext",
    ),
    Setting(
        "bind_to_place",
        "bool",
        True,
        "bind each value to its place (event and field, function and step) where the codec "
        "carries associated data; off while readers without binding still run",
    ),
)
BY_NAME = {s.name: s for s in SETTINGS}
_ALIASES = {alias: s.name for s in SETTINGS for alias in s.aliases}


def _hint(name: str, known: Sequence[str]) -> str:
    import difflib  # only when a name is wrong

    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else f"; known: {', '.join(sorted(known))}"


def _read(setting: Setting, value: Any, where: str, from_text: bool) -> Any:
    if setting.kind in ("choice", "optional_choice"):
        reader = config_values.choice(setting.choices, setting.kind == "optional_choice")
    else:
        reader = config_values.READERS[setting.kind]
    return reader(value, where, from_text)


class EncryptionSettings:
    """Checked values of every setting in `SETTINGS`, as read-only attributes."""

    key: Any
    fallback_keys: tuple[str | bytes, ...]
    codec: str
    codec_options: dict[str, Any]
    decrypt_only: bool
    event_encryption_field: tuple[str, ...]
    encrypt_errors: bool
    on_decryption_failure: str
    max_signature_age: float | None
    max_clock_skew: float
    cache_size: int
    compression: str | None
    uncompressed: tuple[str, ...]
    max_decompressed_bytes: int
    offload_over: int | None
    offload_store: str | None
    max_step_output_bytes: int | None
    max_event_bytes: int | None
    max_run_state_bytes: int | None
    tenant_keys: dict[str, Any] | None
    tenant_from: TenantFrom | None
    revoked_key_ids: tuple[str, ...]
    allow_plaintext_ai_infer: bool
    bind_to_place: bool

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
        given: dict[str, tuple[str, Any]] = {}
        for raw_name, value in values.items():
            name = _ALIASES.get(raw_name, raw_name)
            if name not in BY_NAME:
                hint = _hint(raw_name, [*BY_NAME, *_ALIASES])
                raise KeyConfigError(f"unknown setting {label(raw_name)}{hint}")
            if name in given:
                raise KeyConfigError(
                    f"{label(name)} is given twice (as {label(given[name][0])} and "
                    f"{label(raw_name)})"
                )
            given[name] = (raw_name, value)
        for setting in SETTINGS:
            if setting.name in given:
                raw_name, value = given[setting.name]
                value = _read(setting, value, label(raw_name), text)
            elif setting.default is REQUIRED:
                raise KeyConfigError(f"the setting {label(setting.name)} is missing")
            else:
                value = _read(setting, setting.default, setting.name, False)
            object.__setattr__(self, setting.name, value)

    @classmethod
    def from_env(
        cls,
        environ: Mapping[str, str] | None = None,
        *,
        overrides: Mapping[str, Any] | None = None,
    ) -> EncryptionSettings:
        """Settings from ``INNGEST_ENCRYPTION_*`` variables; unknown ones are refused.

        ``overrides`` (by canonical name, ``None`` meaning not given) win over
        the environment: the command line passes its flags this way, and
        messages name them by their flag.
        """
        env = os.environ if environ is None else environ
        by_env = {s.env: s.name for s in SETTINGS}
        values: dict[str, Any] = {}
        for variable, text in env.items():
            if not variable.startswith(ENV_PREFIX):
                continue
            if variable not in by_env:
                raise KeyConfigError(f"unknown variable {variable}{_hint(variable, list(by_env))}")
            if text.strip():
                values[by_env[variable]] = text
        given = {name: value for name, value in (overrides or {}).items() if value is not None}
        values.update(given)
        if "key" not in values:
            raise KeyConfigError(f"{ENV_KEY} is not set")

        def label(name: str) -> str:
            setting = BY_NAME.get(name)
            if setting is None:
                return repr(name)
            return (setting.cli or repr(name)) if name in given else setting.env

        return cls(values, text=True, label=label)

    @classmethod
    def from_mapping(cls, config: Mapping[str, Any]) -> EncryptionSettings:
        """Settings from a mapping, as loaded from TOML, YAML or JSON."""
        if not isinstance(config, Mapping):
            raise KeyConfigError(
                f"the configuration must be a mapping, not {type(config).__name__}"
            )
        return cls(config, text=True)

    def encryptor(self) -> Encryptor:
        """An Encryptor built from these settings (raises on a bad key or codec now)."""
        return Encryptor(
            self.key,
            codec=self.codec,
            fallback_keys=self.fallback_keys,
            cache_size=self.cache_size,
            compression=self.compression,
            max_decompressed_bytes=self.max_decompressed_bytes,
            offload_over=self.offload_over,
            offload_store=self.offload_store,
            tenant_keys=self.tenant_keys,
            revoked_key_ids=self.revoked_key_ids,
            **self.codec_options,
        )

    @property
    def size_limits(self) -> SizeLimits:
        return SizeLimits(
            max_step_output_bytes=self.max_step_output_bytes,
            max_event_bytes=self.max_event_bytes,
            max_run_state_bytes=self.max_run_state_bytes,
        )

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("settings are read-only; build new ones")

    def __repr__(self) -> str:
        return (
            f"EncryptionSettings(codec={self.codec!r}, keys={1 + len(self.fallback_keys)}, "
            f"decrypt_only={self.decrypt_only}, event_field={self.event_encryption_field!r})"
        )


def _default_text(setting: Setting) -> str:
    if setting.default is REQUIRED:
        return "required"
    if setting.default in ((), None):
        return "none"
    if isinstance(setting.default, bool):
        return str(setting.default).lower()
    if isinstance(setting.default, float) and setting.default.is_integer():
        return f"{int(setting.default):,}"
    if isinstance(setting.default, (int, float)):
        return f"{setting.default:,}"
    return f"`{setting.default}`"


def settings_table() -> str:
    """The Markdown table of every setting, as docs/configuration.md shows it."""
    rows = [
        "| setting | environment variable | command line | takes | default | what it does |",
        "|---|---|---|---|---|---|",
    ]
    for s in SETTINGS:
        name = f"`{s.name}`" + "".join(f" (or `{alias}`)" for alias in s.aliases)
        takes = (
            f"one of {', '.join(s.choices)}"
            if s.kind == "choice"
            else f"{', '.join(s.choices)}, or off (None)"
            if s.kind == "optional_choice"
            else config_values.KIND_TEXT[s.kind]
        )
        cli = f"`{s.cli}`" if s.cli else "—"
        default = _default_text(s)
        rows.append(f"| {name} | `{s.env}` | {cli} | {takes} | {default} | {s.help} |")
    return "\n".join(rows) + "\n"
