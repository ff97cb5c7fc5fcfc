"""Codec discovery through the entry-point group ``inngest_codecs.codecs``.

Built-in codecs are declared in this package's metadata exactly as a third
party declares its own; there is no special case. Discovery runs once per
process, on first use. A plugin that fails to import, or that does not hold a
:class:`~inngest_codecs.codec.Codec`, is reported in a warning and skipped.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib.metadata
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from stevedore import ExtensionManager

from .codec import Codec
from .envelope import NO_STRATEGY
from .errors import UnknownCodecError
from .keys import KeyInput, KeySet

GROUP = "inngest_codecs.codecs"


class CodecPluginWarning(UserWarning):
    """An installed codec plugin could not be used."""


@dataclass(frozen=True)
class CodecInfo:
    """What an installed codec is, and where it comes from."""

    name: str
    strategy: str
    opens: tuple[str, ...]
    distribution: str | None
    version: str | None
    codec_class: type[Codec] = field(repr=False, compare=False)


@dataclass(frozen=True)
class _Registry:
    by_name: dict[str, CodecInfo]
    by_strategy: dict[str, CodecInfo]


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


def _index(infos: Iterable[CodecInfo]) -> _Registry:
    by_name: dict[str, CodecInfo] = {}
    by_strategy: dict[str, CodecInfo] = {}
    for info in sorted(infos, key=lambda i: i.name):
        if info.name in by_name:
            continue
        by_name[info.name] = info
        for strategy in (info.strategy, *info.opens):
            if strategy in by_strategy:
                warnings.warn(
                    f"codecs {by_strategy[strategy].name!r} and {info.name!r} both declare "
                    f"strategy {strategy!r}; using {by_strategy[strategy].name!r}",
                    CodecPluginWarning,
                    stacklevel=3,
                )
                continue
            by_strategy[strategy] = info
    return _Registry(by_name, by_strategy)


@functools.cache
def _registry() -> _Registry:
    manager: ExtensionManager[Any] = ExtensionManager(
        GROUP, invoke_on_load=False, on_load_failure_callback=_on_load_failure
    )
    return _index(info for ext in manager.extensions if (info := _info(ext)) is not None)


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
        name: dataclasses.replace(info, distribution=origin[0], version=origin[1])
        if (origin := origins.get(name))
        else info
        for name, info in _registry().by_name.items()
    }


def _install_hint(registry: _Registry) -> str:
    names = ", ".join(sorted(registry.by_name)) or "none"
    return f"installed codecs: {names}"


def codec_class(name: str) -> type[Codec]:
    """The codec class registered under ``name``, or :class:`UnknownCodecError`."""
    registry = _registry()
    info = registry.by_name.get(name)
    if info is None:
        raise UnknownCodecError(
            f"no codec named {name!r} is installed ({_install_hint(registry)}); "
            f"install the distribution that provides it",
            installed=sorted(registry.by_name),
        )
    return info.codec_class


def codec_for_strategy(strategy: str) -> type[Codec]:
    """The codec class that opens envelopes of ``strategy``, or :class:`UnknownCodecError`."""
    registry = _registry()
    info = registry.by_strategy.get(strategy)
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
        installed=sorted(registry.by_name),
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
