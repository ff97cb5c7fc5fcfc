"""Codec discovery through the entry-point group ``inngest_codecs.codecs``.

Built-in codecs are declared in this package's metadata exactly as a third
party declares its own; there is no special case. Discovery runs once per
process, on first use. A plugin that fails to import, or that does not hold a
:class:`~inngest_codecs.codec.Codec`, is reported in a warning and skipped.
"""

from __future__ import annotations

import functools
import importlib.metadata
import threading
import warnings
from collections.abc import Iterable
from typing import Any, NamedTuple

from stevedore import ExtensionManager, NamedExtensionManager

from .codec import Codec
from .envelope import NO_STRATEGY
from .errors import UnknownCodecError
from .keys import KeyInput, KeySet

GROUP = "inngest_codecs.codecs"


class CodecPluginWarning(UserWarning):
    """An installed codec plugin could not be used."""


class CodecInfo(NamedTuple):
    """What an installed codec is, and where it comes from."""

    name: str
    strategy: str
    opens: tuple[str, ...]
    distribution: str | None
    version: str | None
    codec_class: type[Codec]


def _on_load_failure(manager: object, entry_point: Any, exc: BaseException) -> None:
    warnings.warn(
        f"codec plugin {entry_point.name!r} ({entry_point.value}) failed to load: "
        f"{type(exc).__name__}; the other codecs are still available",
        CodecPluginWarning,
        stacklevel=2,
    )


def _info(extension: Any) -> CodecInfo | None:
    plugin = extension.plugin
    if not (isinstance(plugin, type) and issubclass(plugin, Codec)):
        warnings.warn(
            f"codec plugin {extension.name!r} is not a Codec subclass; skipped",
            CodecPluginWarning,
            stacklevel=3,
        )
        return None
    if getattr(plugin, "name", None) != extension.name:
        warnings.warn(
            f"codec plugin {extension.name!r} declares name "
            f"{getattr(plugin, 'name', None)!r}; the entry-point name must match; skipped",
            CodecPluginWarning,
            stacklevel=3,
        )
        return None
    return CodecInfo(
        name=plugin.name,
        strategy=plugin.strategy,
        opens=tuple(plugin.opens),
        distribution=None,
        version=None,
        codec_class=plugin,
    )


class _Registry:
    """Entry points listed once; each codec imported only when first needed.

    Importing every plugin up front would make every process pay for codecs it
    never uses, so a name loads its own entry point, and only a strategy no
    loaded codec declares (or a listing) loads the rest, in name order.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        lister: NamedExtensionManager[Any] = NamedExtensionManager(GROUP, names=[])
        self.names = sorted(set(lister.entry_points_names()))
        self.by_name: dict[str, CodecInfo] = {}
        self.by_strategy: dict[str, CodecInfo] = {}
        self._tried: set[str] = set()

    def _load(self, names: list[str]) -> None:
        with self._lock:
            wanted = [name for name in names if name not in self._tried]
            if not wanted:
                return
            self._tried.update(wanted)
            manager: NamedExtensionManager[Any] = NamedExtensionManager(
                GROUP, names=wanted, name_order=True, on_load_failure_callback=_on_load_failure
            )
            for extension in manager.extensions:
                info = _info(extension)
                if info is not None and info.name not in self.by_name:
                    self._add(info)

    def _add(self, info: CodecInfo) -> None:
        self.by_name[info.name] = info
        for strategy in (info.strategy, *info.opens):
            holder = self.by_strategy.setdefault(strategy, info)
            if holder is not info:
                warnings.warn(
                    f"codecs {holder.name!r} and {info.name!r} both declare "
                    f"strategy {strategy!r}; using {holder.name!r}",
                    CodecPluginWarning,
                    stacklevel=5,
                )

    def named(self, name: str) -> CodecInfo | None:
        if name not in self.by_name and name in self.names:
            self._load([name])
        return self.by_name.get(name)

    def for_strategy(self, strategy: str) -> CodecInfo | None:
        if strategy not in self.by_strategy:
            self.load_all()
        return self.by_strategy.get(strategy)

    def load_all(self) -> dict[str, CodecInfo]:
        self._load(self.names)
        return dict(sorted(self.by_name.items()))


@functools.cache
def _registry() -> _Registry:
    return _Registry()


def refresh() -> None:
    """Forget what was discovered, so newly installed plugins are found."""
    _registry.cache_clear()
    _distributions.cache_clear()
    ExtensionManager.ENTRY_POINT_CACHE.pop(GROUP, None)


@functools.cache
def _distributions() -> dict[str, tuple[str, str]]:
    """Entry-point name -> (distribution, version); read only when asked for."""
    found = {}
    for entry_point in importlib.metadata.entry_points(group=GROUP):
        dist = entry_point.dist
        if dist is not None and entry_point.name not in found:
            found[entry_point.name] = (dist.metadata["Name"], dist.version)
    return found


def available_codecs() -> dict[str, CodecInfo]:
    """Installed codecs by name, with the distribution and version providing each."""
    origins = _distributions()
    return {
        name: info._replace(distribution=origin[0], version=origin[1])
        if (origin := origins.get(name))
        else info
        for name, info in _registry().load_all().items()
    }


def _install_hint(registry: _Registry) -> str:
    return f"installed codecs: {', '.join(registry.names) or 'none'}"


def codec_class(name: str) -> type[Codec]:
    """The codec class registered under ``name``, or :class:`UnknownCodecError`."""
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
    """The codec class that opens envelopes of ``strategy``, or :class:`UnknownCodecError`."""
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
    fallback_keys: KeyInput | Iterable[KeyInput] | None = (),
    **options: Any,
) -> Codec:
    """An instance of the codec ``name`` bound to ``key`` and ``fallback_keys``."""
    return codec_class(name)(KeySet.build(key, fallback_keys), **options)
