"""Codec discovery through the entry-point group ``inngest_codecs.codecs``.

Built-in codecs are declared in this package's metadata exactly as a third
party declares its own. Entry points are listed once per process, through
stevedore, when a codec is first looked up (not when the package is imported);
each codec is imported only when its name, or a strategy no loaded codec
declares, asks for it.

The trust rules, because an installed distribution can declare anything:

- a built-in name (``secretbox``, ``aes-gcm``) or strategy cannot be taken by
  another distribution: such an entry point is skipped with a warning naming it;
- two distributions declaring one name, or one strategy, are both refused
  with an error naming both; nothing picks one of them silently;
- a plugin that fails to import, or does not hold a
  [`Codec`][] named like its entry point, is skipped
  with a warning; the other codecs stay available.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Sequence
from typing import Any, NamedTuple

from .codec import Codec
from .envelope import NO_STRATEGY
from .errors import UnknownCodecError
from .keys import KeyInput, KeySet

GROUP = "inngest_codecs.codecs"
BUILTINS = {
    "secretbox": "inngest_codecs.codecs.secretbox:SecretBoxCodec",
    "aes-gcm": "inngest_codecs.codecs.aesgcm:AesGcmCodec",
}
"""Built-in codec names and the only entry-point values allowed to hold them."""
BUILTIN_STRATEGIES = {"inngest/libsodium": "secretbox", "inngest-codecs/aes-256-gcm": "aes-gcm"}
"""Strategies only the built-in codecs may declare."""


class CodecPluginWarning(UserWarning):
    """An installed codec plugin could not be used."""


class CodecConflictError(UnknownCodecError):
    """Two installed distributions claim one codec name or strategy; neither is used."""


class CodecInfo(NamedTuple):
    """What an installed codec is, and where it comes from."""

    name: str
    strategy: str
    opens: tuple[str, ...]
    distribution: str | None
    version: str | None
    codec_class: type[Codec]


def _origin(entry_point: Any, group: str = GROUP) -> str:
    """``distribution version`` of an entry point, for messages (read only when needed)."""
    import importlib.metadata

    for candidate in importlib.metadata.entry_points(group=group, name=entry_point.name):
        if candidate.value == entry_point.value and candidate.dist is not None:
            return f"{candidate.dist.metadata['Name']} {candidate.dist.version}"
    return f"an unknown distribution ({entry_point.value})"


def _warn(message: str) -> None:
    warnings.warn(message, CodecPluginWarning, stacklevel=4)


class _Registry:
    """Entry points listed once; each codec imported only when first needed."""

    def __init__(self) -> None:
        # Imported here, not with the package: a program that only needs the
        # package's types would pay for entry-point machinery it never uses.
        import threading

        from stevedore import NamedExtensionManager

        self._lock = threading.Lock()
        lister: NamedExtensionManager[Any] = NamedExtensionManager(GROUP, names=[])
        self._entry_points: dict[str, Any] = {}
        self._conflicts: dict[str, str] = {}  # name or strategy -> the error message
        claims: dict[str, list[Any]] = {}
        for entry_point in lister.list_entry_points():
            same = claims.setdefault(entry_point.name, [])
            if all(other.value != entry_point.value for other in same):
                same.append(entry_point)
        for name, entry_points in claims.items():
            self._settle_name(name, entry_points)
        self.names = sorted(self._entry_points)
        self.by_name: dict[str, CodecInfo] = {}
        self.by_strategy: dict[str, CodecInfo] = {}
        self._tried: set[str] = set()

    def _settle_name(self, name: str, entry_points: list[Any]) -> None:
        if name in BUILTINS:
            for entry_point in entry_points:
                if entry_point.value == BUILTINS[name]:
                    self._entry_points[name] = entry_point
                else:
                    _warn(
                        f"{_origin(entry_point)} declares the built-in codec name {name!r}; "
                        "skipped (built-in names cannot be replaced)"
                    )
        elif len(entry_points) == 1:
            self._entry_points[name] = entry_points[0]
        else:
            origins = " and ".join(_origin(ep) for ep in entry_points)
            self._conflicts[name] = (
                f"codec name {name!r} is declared by {origins}; neither is used: "
                "uninstall one of them"
            )

    def _load(self, names: Sequence[str]) -> None:
        with self._lock:
            for name in names:
                if name in self._tried:
                    continue
                self._tried.add(name)
                entry_point = self._entry_points[name]
                try:
                    plugin = entry_point.load()
                except Exception as exc:  # a broken plugin must not break the others
                    _warn(
                        f"codec plugin {name!r} ({entry_point.value}) failed to load: "
                        f"{type(exc).__name__}; the other codecs are still available"
                    )
                    continue
                info = self._check(name, entry_point, plugin)
                if info is not None:
                    self._add(info, entry_point)

    def _check(self, name: str, entry_point: Any, plugin: object) -> CodecInfo | None:
        if not (isinstance(plugin, type) and issubclass(plugin, Codec)):
            _warn(f"codec plugin {name!r} is not a Codec subclass; skipped")
            return None
        if getattr(plugin, "name", None) != name:
            _warn(
                f"codec plugin {name!r} declares name {getattr(plugin, 'name', None)!r}; "
                "the entry-point name must match; skipped"
            )
            return None
        strategies = (plugin.strategy, *plugin.opens)
        if name not in BUILTINS:
            taken = [s for s in strategies if s in BUILTIN_STRATEGIES]
            if taken:
                _warn(
                    f"{_origin(entry_point)} declares codec {name!r} with the built-in "
                    f"strategy {taken[0]!r}; skipped (built-in strategies cannot be replaced)"
                )
                return None
        return CodecInfo(name, plugin.strategy, tuple(plugin.opens), None, None, plugin)

    def _add(self, info: CodecInfo, entry_point: Any) -> None:
        self.by_name[info.name] = info
        for strategy in (info.strategy, *info.opens):
            holder = self.by_strategy.get(strategy)
            if holder is None and strategy not in self._conflicts:
                self.by_strategy[strategy] = info
            elif holder is not None and holder is not info:
                del self.by_strategy[strategy]
                origins = f"{_origin(self._entry_points[holder.name])} and {_origin(entry_point)}"
                self._conflicts[strategy] = (
                    f"strategy {strategy!r} is declared by codecs {holder.name!r} and "
                    f"{info.name!r} ({origins}); neither opens it: uninstall one of them"
                )

    def named(self, name: str) -> CodecInfo | None:
        if name in self._conflicts:
            raise CodecConflictError(self._conflicts[name], installed=self.names)
        if name not in self.by_name and name in self._entry_points:
            self._load([name])
        return self.by_name.get(name)

    def for_strategy(self, strategy: str) -> CodecInfo | None:
        if strategy not in self.by_strategy and strategy not in self._conflicts:
            self._load(self.names)
        if strategy in self._conflicts:
            raise CodecConflictError(self._conflicts[strategy], installed=self.names)
        return self.by_strategy.get(strategy)

    def load_all(self) -> dict[str, CodecInfo]:
        self._load(self.names)
        for message in self._conflicts.values():
            _warn(message)
        return dict(sorted(self.by_name.items()))

    def origin(self, name: str) -> tuple[str, str] | None:
        """``(distribution, version)`` of the entry point actually used for ``name``."""
        import importlib.metadata

        chosen = self._entry_points[name]
        for candidate in importlib.metadata.entry_points(group=GROUP, name=name):
            if candidate.value == chosen.value and candidate.dist is not None:
                return candidate.dist.metadata["Name"], candidate.dist.version
        return None


@functools.cache
def _registry() -> _Registry:
    return _Registry()


def refresh() -> None:
    """Forget what was discovered, so newly installed plugins are found."""
    from stevedore import ExtensionManager

    _registry.cache_clear()
    ExtensionManager.ENTRY_POINT_CACHE.pop(GROUP, None)


def available_codecs() -> dict[str, CodecInfo]:
    """Installed codecs by name, with the distribution and version providing each.

    Codecs refused by the trust rules are left out, with a warning.
    """
    registry = _registry()
    found = {}
    for name, info in registry.load_all().items():
        origin = registry.origin(name)
        found[name] = info._replace(distribution=origin[0], version=origin[1]) if origin else info
    return found


def _install_hint(registry: _Registry) -> str:
    return f"installed codecs: {', '.join(registry.names) or 'none'}"


def codec_class(name: str) -> type[Codec]:
    """The codec class registered under ``name``, or [`UnknownCodecError`][]."""
    registry = _registry()
    info = registry.named(name)
    if info is None:
        raise UnknownCodecError(
            f"no codec named {name!r} is installed ({_install_hint(registry)}); "
            f"install the distribution that provides it",
            installed=registry.names,
        )
    return info.codec_class


def codec_for_strategy(strategy: str) -> type[Codec]:
    """The codec class that opens envelopes of ``strategy``, or [`UnknownCodecError`][]."""
    registry = _registry()
    info = registry.for_strategy(strategy)
    if info is not None:
        return info.codec_class
    if strategy == NO_STRATEGY:
        what = "an envelope without __STRATEGY__ (the TypeScript package's v0 AES format)"
        hint = "install inngest-codecs-legacy to open it"
    else:
        what = f"strategy {strategy!r}"
        hint = "install the distribution that provides it"
    raise UnknownCodecError(
        f"no installed codec opens {what} ({_install_hint(registry)}); {hint}",
        installed=registry.names,
    )


def load_codec(
    name: str,
    key: KeyInput | list[KeyInput] | tuple[KeyInput, ...],
    *,
    fallback_keys: KeyInput | Sequence[KeyInput] | None = (),
    **options: Any,
) -> Codec:
    """An instance of the codec ``name`` bound to ``key`` and ``fallback_keys``."""
    return codec_class(name)(KeySet.build(key, fallback_keys), **options)
