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

import contextlib
import difflib
import json
import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

from .compression import DEFAULT_MAX_DECOMPRESSED_BYTES
from .encryptor import DEFAULT_EVENT_FIELD, Encryptor
from .errors import KeyConfigError
from .keys import KeySet
from .limits import (
    DEFAULT_MAX_EVENT_BYTES,
    DEFAULT_MAX_RUN_STATE_BYTES,
    DEFAULT_MAX_STEP_OUTPUT_BYTES,
    SizeLimits,
)

ENV_PREFIX = "INNGEST_ENCRYPTION_"
ENV_KEY = ENV_PREFIX + "KEY"
ENV_FALLBACK_KEYS = ENV_PREFIX + "FALLBACK_KEYS"
ENV_CODEC = ENV_PREFIX + "CODEC"
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


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
        "allow_plaintext_ai_infer",
        "bool",
        False,
        "let step.ai.infer send its body and API key to Inngest in plaintext",
    ),
)
BY_NAME = {s.name: s for s in SETTINGS}
_ALIASES = {alias: s.name for s in SETTINGS for alias in s.aliases}


def _hint(name: str, known: Sequence[str]) -> str:
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else f"; known: {', '.join(sorted(known))}"


def split_keys(text: str) -> tuple[str, ...]:
    """Comma-separated keys; blank items are dropped."""
    return tuple(part.strip() for part in text.split(",") if part.strip())


def parse_bool(text: str, name: str) -> bool:
    lowered = text.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise KeyConfigError(f"{name} must be true or false (or 1/0, yes/no, on/off)")


# Readers: (value, where, from_text) -> checked value. ``where`` names the
# setting as the user wrote it; ``from_text`` says the value came from text.


def _key(value: Any, where: str, from_text: bool) -> Any:
    try:
        KeySet.build(value)  # the key rules live there; their errors name types, never keys
    except KeyConfigError as error:
        raise KeyConfigError(f"{where}: {error}") from None
    return value


def _keys(value: Any, where: str, from_text: bool) -> tuple[str | bytes, ...]:
    if value is None:
        return ()
    if from_text and isinstance(value, str):
        value = split_keys(value)
    try:
        KeySet.build("placeholder", value)
    except KeyConfigError as error:
        raise KeyConfigError(f"{where}: {error}") from None
    return tuple(value) if isinstance(value, (list, tuple)) else (value,)


def _name(value: Any, where: str, from_text: bool) -> str:
    if not isinstance(value, str) or not value.strip():
        raise KeyConfigError(f"{where} must be a non-empty str")
    return value.strip()


def _mapping(value: Any, where: str, from_text: bool) -> dict[str, Any]:
    if value is None:
        return {}
    if from_text and isinstance(value, str):
        try:
            value = json.loads(value) if value.strip() else {}
        except ValueError:
            raise KeyConfigError(f"{where} must be a JSON object") from None
    if not isinstance(value, Mapping) or not all(isinstance(k, str) for k in value):
        raise KeyConfigError(f"{where} must be a mapping of option names to values")
    return dict(value)


def _bool(value: Any, where: str, from_text: bool) -> bool:
    if from_text and isinstance(value, str):
        return parse_bool(value, where)
    if not isinstance(value, bool):
        raise KeyConfigError(f"{where} must be true or false, not {type(value).__name__}")
    return value


def _fields(value: Any, where: str, from_text: bool) -> tuple[str, ...]:
    names = split_keys(value) if isinstance(value, str) else value
    if not isinstance(names, (list, tuple)) or not names:
        raise KeyConfigError(f"{where} must be a field name or a list of field names")
    if not all(isinstance(n, str) and n.strip() for n in names):
        raise KeyConfigError(f"{where} must hold non-empty field names")
    return tuple(n.strip() for n in names)


def _number(value: Any, where: str, from_text: bool, *, integer: bool) -> float:
    if from_text and isinstance(value, str):
        with contextlib.suppress(ValueError):
            value = int(value) if integer else float(value)
    kinds = (int,) if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, kinds) or not value >= 0:
        what = "a whole number" if integer else "a number of seconds"
        raise KeyConfigError(f"{where} must be {what}, 0 or more")
    return value


def _seconds(value: Any, where: str, from_text: bool) -> float:
    return float(_number(value, where, from_text, integer=False))


def _seconds_or_off(value: Any, where: str, from_text: bool) -> float | None:
    off = from_text and isinstance(value, str) and value.strip().lower() in {"off", "none"}
    if value is None or off:
        return None
    return _seconds(value, where, from_text)


def _count(value: Any, where: str, from_text: bool) -> int:
    return int(_number(value, where, from_text, integer=True))


def _bytes(value: Any, where: str, from_text: bool) -> int:
    size = _count(value, where, from_text)
    if size == 0:
        raise KeyConfigError(f"{where} must be a number of bytes, 1 or more")
    return size


def _bytes_or_off(value: Any, where: str, from_text: bool) -> int | None:
    off = from_text and isinstance(value, str) and value.strip().lower() in {"off", "none"}
    return None if value is None or off else _bytes(value, where, from_text)


def _optional_name(value: Any, where: str, from_text: bool) -> str | None:
    return None if value is None else _name(value, where, from_text)


def _choice(setting: Setting) -> Callable[[Any, str, bool], str | None]:
    optional = setting.kind == "optional_choice"

    def read(value: Any, where: str, from_text: bool) -> str | None:
        if optional and (value is None or (from_text and value in ("", "off", "none"))):
            return None
        if value not in setting.choices:
            allowed = ", ".join(setting.choices) + (", or None (off)" if optional else "")
            raise KeyConfigError(f"{where} must be one of {allowed}")
        return str(value)

    return read


_READERS: dict[str, Callable[[Any, str, bool], Any]] = {
    "key": _key,
    "keys": _keys,
    "name": _name,
    "mapping": _mapping,
    "bool": _bool,
    "fields": _fields,
    "seconds": _seconds,
    "seconds_or_off": _seconds_or_off,
    "count": _count,
    "bytes": _bytes,
    "bytes_or_off": _bytes_or_off,
    "optional_name": _optional_name,
}


def _read(setting: Setting, value: Any, where: str, from_text: bool) -> Any:
    choices = setting.kind in ("choice", "optional_choice")
    reader = _choice(setting) if choices else _READERS[setting.kind]
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
    max_decompressed_bytes: int
    offload_over: int | None
    offload_store: str | None
    max_step_output_bytes: int | None
    max_event_bytes: int | None
    max_run_state_bytes: int | None
    allow_plaintext_ai_infer: bool

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


_KIND_TEXT = {
    "key": "str or bytes; a list: the first encrypts, the rest are fallbacks",
    "keys": "list of str or bytes (text: comma-separated)",
    "name": "str",
    "mapping": "mapping (text: a JSON object)",
    "bool": "bool (text: true/false, 1/0, yes/no, on/off)",
    "fields": "str or list of str (text: comma-separated)",
    "seconds": "seconds, 0 or more",
    "seconds_or_off": "seconds, or off (None)",
    "count": "whole number, 0 or more",
    "bytes": "bytes",
    "bytes_or_off": "bytes, or off (None)",
    "optional_name": "str, or none",
}


def _default_text(setting: Setting) -> str:
    if setting.default is REQUIRED:
        return "required"
    if setting.default in ((), None):
        return "none"
    if isinstance(setting.default, bool):
        return str(setting.default).lower()
    if isinstance(setting.default, (int, float)):
        return f"{setting.default:g}"
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
            else _KIND_TEXT[s.kind]
        )
        cli = f"`{s.cli}`" if s.cli else "—"
        default = _default_text(s)
        rows.append(f"| {name} | `{s.env}` | {cli} | {takes} | {default} | {s.help} |")
    return "\n".join(rows) + "\n"
