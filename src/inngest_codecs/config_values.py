"""What each kind of setting takes, and how a value of it is read and checked.

A reader takes ``(value, where, from_text)``: the value as given, how messages
should name the setting, and whether the value came from text (the environment
or a config file), where ``"true"``, ``"a,b"``, ``"off"`` and JSON objects are
read as what they spell. Every mistake is a `KeyConfigError` naming the
setting and what it takes, never a key.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
from typing import Any

from .errors import ConfigError, KeyConfigError
from .indexer import read_indexes
from .keys import KeySet
from .offload.store import Store
from .tenants import TenantFrom, tenant_spec

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def split_keys(text: str) -> tuple[str, ...]:
    """Comma-separated keys; blank items are dropped."""
    return tuple(part.strip() for part in text.split(",") if part.strip())


def parse_bool(text: str, name: str) -> bool:
    lowered = text.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ConfigError(f"{name} must be true or false (or 1/0, yes/no, on/off)")


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
        raise ConfigError(f"{where} must be a non-empty str")
    return value.strip()


def _mapping(value: Any, where: str, from_text: bool) -> dict[str, Any]:
    if value is None:
        return {}
    if from_text and isinstance(value, str):
        try:
            import json  # only for settings given as text

            value = json.loads(value) if value.strip() else {}
        except ValueError:
            raise ConfigError(f"{where} must be a JSON object") from None
    if not isinstance(value, Mapping) or not all(isinstance(k, str) for k in value):
        raise ConfigError(f"{where} must be a mapping of option names to values")
    return dict(value)


def _bool(value: Any, where: str, from_text: bool) -> bool:
    if from_text and isinstance(value, str):
        return parse_bool(value, where)
    if not isinstance(value, bool):
        raise ConfigError(f"{where} must be true or false, not {type(value).__name__}")
    return value


def _fields(value: Any, where: str, from_text: bool) -> tuple[str, ...] | Callable[[str], bool]:
    """Names, ``False`` (no field: the TypeScript option's ``false``), or a function
    choosing a field by its name (the TypeScript option's function)."""
    off = from_text and isinstance(value, str) and value.strip().lower() in ("false", "off")
    if value is False or off:
        return ()
    if callable(value):
        return value  # type: ignore[no-any-return]
    names = split_keys(value) if isinstance(value, str) else value
    if not isinstance(names, (list, tuple)) or not names:
        raise ConfigError(
            f"{where} must be a field name, a list of field names, False, or a function "
            "of a field name"
        )
    if not all(isinstance(n, str) and n.strip() for n in names):
        raise ConfigError(f"{where} must hold non-empty field names")
    return tuple(n.strip() for n in names)


def _number(value: Any, where: str, from_text: bool, *, integer: bool) -> float:
    if from_text and isinstance(value, str):
        with contextlib.suppress(ValueError):
            value = int(value) if integer else float(value)
    kinds = (int,) if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, kinds) or not value >= 0:
        what = "a whole number" if integer else "a number of seconds"
        raise ConfigError(f"{where} must be {what}, 0 or more")
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
        raise ConfigError(f"{where} must be a number of bytes, 1 or more")
    return size


def _bytes_or_off(value: Any, where: str, from_text: bool) -> int | None:
    off = from_text and isinstance(value, str) and value.strip().lower() in {"off", "none"}
    return None if value is None or off else _bytes(value, where, from_text)


def _optional_name(value: Any, where: str, from_text: bool) -> str | None:
    return None if value is None else _name(value, where, from_text)


def _store(value: Any, where: str, from_text: bool) -> str | Store | None:
    """A store URL, or a `Store` object as it is (with its own client and settings)."""
    if isinstance(value, Store):
        return value
    if value is not None and not isinstance(value, str):
        raise ConfigError(f"{where} must be a store URL or a Store object")
    return _optional_name(value, where, from_text)


def _names(value: Any, where: str, from_text: bool) -> tuple[str, ...]:
    if value is None:
        return ()
    names = split_keys(value) if isinstance(value, str) else value
    if not isinstance(names, (list, tuple)) or not all(isinstance(n, str) for n in names):
        raise ConfigError(f"{where} must be a list of str")
    return tuple(names)


def _tenant_keys(value: Any, where: str, from_text: bool) -> dict[str, Any] | None:
    if value is None:
        return None
    tenants = _mapping(value, where, from_text)
    for tenant, spec in tenants.items():
        _key(tenant_spec(tenant, spec).key, f"{where}[{tenant!r}]", from_text)
    return tenants


def _optional_key(value: Any, where: str, from_text: bool) -> Any:
    return None if value is None else _key(value, where, from_text)


def _tenant_from(value: Any, where: str, from_text: bool) -> TenantFrom | None:
    if value is None or callable(value):
        return value  # type: ignore[no-any-return]
    return _name(value, where, from_text)


def choice(choices: tuple[str, ...], optional: bool) -> Callable[[Any, str, bool], str | None]:
    """A reader of one of ``choices`` (or ``None``, when ``optional``)."""

    def read(value: Any, where: str, from_text: bool) -> str | None:
        if optional and (value is None or (from_text and value in ("", "off", "none"))):
            return None
        if value not in choices:
            allowed = ", ".join(choices) + (", or None (off)" if optional else "")
            raise ConfigError(f"{where} must be one of {allowed}")
        return str(value)

    return read


READERS: dict[str, Callable[[Any, str, bool], Any]] = {
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
    "store": _store,
    "names": _names,
    "tenant_keys": _tenant_keys,
    "tenant_from": _tenant_from,
    "optional_key": _optional_key,
    "indexes": read_indexes,
}


KIND_TEXT = {
    "key": "str or bytes; a list: the first encrypts, the rest are fallbacks",
    "keys": "list of str or bytes (text: comma-separated)",
    "name": "str",
    "mapping": "mapping (text: a JSON object)",
    "bool": "bool (text: true/false, 1/0, yes/no, on/off)",
    "fields": "str or list of str (text: comma-separated); false: none; in code, also a "
    "function of a field name that says whether to encrypt it",
    "seconds": "seconds, 0 or more",
    "seconds_or_off": "seconds, or off (None)",
    "count": "whole number, 0 or more",
    "bytes": "bytes",
    "bytes_or_off": "bytes, or off (None)",
    "optional_name": "str, or none",
    "store": "URL (in code, also a Store object), or none",
    "names": "list of str (text: comma-separated)",
    "tenant_keys": "mapping of tenant id to key (text: a JSON object)",
    "tenant_from": "dotted path (in code, also a function of the event)",
    "optional_key": "str or bytes, or none",
    "indexes": "mapping of index name to from, to, normalize, next_to, bytes (text: JSON)",
}
"""How the settings table describes what each kind takes."""
