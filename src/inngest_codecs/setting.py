"""A setting, declared once: what it takes, its default, its doc line, where it can be set;
and the reading of every setting at once, by name or alias."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Generic, TypeVar, overload

from . import config_values
from .config_env import hint
from .errors import ConfigError, KeyConfigError

ENV_PREFIX = "INNGEST_ENCRYPTION_"
T = TypeVar("T")
REQUIRED: Any = object()


class Setting(Generic[T]):
    """One setting, declared as an attribute of [`EncryptionSettings`][]: what it takes
    (``kind``: see `config_values.READERS`), its default, its doc line, where it can be set."""

    def __init__(
        self,
        kind: str,
        default: Any,
        help: str,
        *,
        cli: str | None = None,
        aliases: tuple[str, ...] = (),
        choices: tuple[str, ...] = (),
    ) -> None:
        self.kind, self.default, self.help = kind, default, help
        self.cli, self.aliases, self.choices = cli, aliases, choices
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, instance: None, owner: type) -> Setting[T]: ...
    @overload
    def __get__(self, instance: object, owner: type) -> T: ...
    def __get__(self, instance: object, owner: type) -> Setting[T] | T:
        if instance is None:
            return self
        raise AttributeError(self.name)  # values live in the instance's __dict__

    @property
    def env(self) -> str:
        """The environment variable (``event_encryption_field`` keeps its short old name)."""
        short = "EVENT_FIELD" if self.name == "event_encryption_field" else self.name.upper()
        return ENV_PREFIX + short

    def read(self, value: Any, where: str, from_text: bool) -> Any:
        if self.kind in ("choice", "optional_choice"):
            reader = config_values.choice(self.choices, self.kind == "optional_choice")
        else:
            reader = config_values.READERS[self.kind]
        return reader(value, where, from_text)


def read_settings(
    settings: Sequence[Setting[Any]],
    values: Mapping[str, Any],
    *,
    text: bool,
    label: Callable[[str], str],
) -> dict[str, Any]:
    """Every setting's checked value: given (by name or alias), else its default.

    An unknown name, a setting given twice, or a required one missing is a
    [`ConfigError`][inngest_codecs.ConfigError] naming it as ``label`` says.
    """
    by_name = {s.name: s for s in settings}
    aliases = {alias: s.name for s in settings for alias in s.aliases}
    given: dict[str, tuple[str, Any]] = {}
    for raw_name, value in values.items():
        name = aliases.get(raw_name, raw_name)
        if name not in by_name:
            raise ConfigError(
                f"unknown setting {label(raw_name)}{hint(raw_name, [*by_name, *aliases])}"
            )
        if name in given:
            raise ConfigError(
                f"{label(name)} is given twice (as {label(given[name][0])} and {label(raw_name)})"
            )
        given[name] = (raw_name, value)
    read: dict[str, Any] = {}
    for setting in settings:
        if setting.name in given:
            raw_name, value = given[setting.name]
            read[setting.name] = setting.read(value, label(raw_name), text)
        elif setting.default is REQUIRED:
            raise KeyConfigError(f"the setting {label(setting.name)} is missing")
        else:
            read[setting.name] = setting.read(setting.default, setting.name, False)
    return read
