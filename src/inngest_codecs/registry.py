"""One plugin registry: codecs (``inngest_codecs.codecs``) and stores (``inngest_codecs.stores``).

Built-in plugins are declared in this package's metadata exactly as a third
party declares its own. Entry points are listed once per process, through
stevedore, when a plugin of that group other than a built-in one is first
looked up (not when the package is imported: a built-in name can only ever
mean the built-in class, so it is imported without listing); each plugin is
imported only when asked for. Codecs
defined in the application join with [`register_codec`][], under the same rules.

The trust rules, because an installed distribution can declare anything:

- a built-in name (``secretbox``, ``aes-gcm``, ``file``) or codec strategy cannot be
  taken by another plugin: such an entry point is skipped with a warning
  naming it (when the group is listed; `inngest-codecs doctor` lists it),
  and such a registration is refused;
- two plugins claiming one name, or one strategy, are both refused with an
  error naming both; nothing picks one of them silently;
- a plugin that fails to import, or does not hold a class of the group's kind
  named like its entry point, is skipped with a warning; the others stay available.
"""

from __future__ import annotations

import threading
from typing import Any, NamedTuple

from . import plugins
from .codec import Codec
from .envelope import NO_STRATEGY
from .errors import CodecConflictError, UnknownCodecError, UnknownPluginError, UnknownStoreError
from .keys import KeySet
from .offload.store import Store
from .plugins import BUILTIN_STRATEGIES, BUILTINS, CODECS, STORES, P, claims

__all__ = ["BUILTINS", "BUILTIN_STRATEGIES", "CODECS", "STORES"]


class CodecInfo(NamedTuple):
    """What a codec is, and where it comes from (``distribution`` is None when registered)."""

    name: str
    strategy: str
    opens: tuple[str, ...]
    distribution: str | None
    version: str | None
    codec_class: type[Codec]


_registering = threading.Lock()


def refresh() -> None:
    """Forget what was discovered, so newly installed plugins are found (registrations stay)."""
    from stevedore import ExtensionManager

    plugins.codecs.cache_clear()
    plugins.stores.cache_clear()
    for group in (CODECS, STORES):
        ExtensionManager.ENTRY_POINT_CACHE.pop(group, None)


def register_codec(codec: type[Codec]) -> type[Codec]:
    """Make a codec class defined in the application selectable by name and strategy.

    The same trust rules as for installed plugins: a built-in name or strategy,
    or one an installed plugin or another registration already claims, is a
    [`CodecConflictError`][inngest_codecs.CodecConflictError]. Registering the
    same class again does nothing. Returns the class, so it serves as a decorator.
    """
    group = plugins.codecs()
    name = getattr(codec, "name", None)
    problem = group.refusal(str(name), codec)
    if problem is not None or not isinstance(name, str) or not name:
        raise CodecConflictError(f"cannot register {codec!r}: {problem or 'it has no name'}")
    with _registering:
        if plugins.registered.get(name) is codec:
            return codec
        if name in BUILTINS or name in plugins.registered or name in group.entry_points:
            raise CodecConflictError(f"codec name {name!r} is already taken", installed=group.names)
        for claim in claims(codec):
            holder = group.claiming(claim)
            if holder is not None:
                raise CodecConflictError(
                    f"strategy {claim!r} is already opened by codec {holder.name!r}",
                    installed=group.names,
                )
        plugins.registered[name] = codec
    return codec


def unregister_codec(name: str) -> None:
    """Forget a codec registered with [`register_codec`][] (tests, reloads)."""
    with _registering:
        plugins.registered.pop(name, None)


def available_codecs() -> dict[str, CodecInfo]:
    """Codecs by name, with the distribution and version providing each (registered: None).

    Codecs refused by the trust rules are left out, with a warning.
    """
    group = plugins.codecs()
    group.load_all()
    for message in group.conflicts.values():
        plugins.warn(message)
    found = {}
    for name, cls in sorted({**group.loaded, **plugins.registered}.items()):
        origin = group.origin(name) if name not in plugins.registered else None
        dist, version = origin if origin else (None, None)
        found[name] = CodecInfo(name, cls.strategy, tuple(cls.opens), dist, version, cls)
    return found


def refused_plugins() -> list[str]:
    """Why each refused codec or store plugin is refused (lists both groups)."""
    found = []
    for group in (plugins.codecs(), plugins.stores()):
        group.load_all()
        found += [*group.skipped, *group.conflicts.values()]
    return found


def _named(group: plugins.PluginGroup[P], name: str, missing: type[UnknownPluginError]) -> type[P]:
    found = group.named(name)
    if found is None:
        raise missing(
            f"no {group.kind} named {name!r} is installed (installed {group.kind}s: "
            f"{', '.join(group.names) or 'none'}); install the distribution that provides it",
            installed=group.names,
        )
    return found


def codec_class(name: str) -> type[Codec]:
    """The codec class registered under ``name``, or [`UnknownCodecError`][]."""
    return _named(plugins.codecs(), name, UnknownCodecError)


def codec_for_strategy(strategy: str) -> type[Codec]:
    """The codec class that opens envelopes of ``strategy``, or [`UnknownCodecError`][]."""
    group = plugins.codecs()
    found = group.claiming(strategy)
    if found is not None:
        return found
    if strategy == NO_STRATEGY:
        what = "an envelope without __STRATEGY__ (the TypeScript package's v0 AES format)"
        hint = "install inngest-codecs-legacy to open it"
    else:
        what = f"strategy {strategy!r}"
        hint = "install the distribution that provides it"
    raise UnknownCodecError(
        f"no installed codec opens {what} (installed codecs: {', '.join(group.names) or 'none'})"
        f"; {hint}",
        installed=group.names,
    )


def load_codec(name: str, key: object, *, fallback_keys: object = (), **options: Any) -> Codec:
    """An instance of the codec ``name`` bound to ``key`` and ``fallback_keys`` (of its kind)."""
    cls = codec_class(name)
    return cls.with_options(KeySet.build(key, fallback_keys, kind=cls.key_kind), options)


def available_stores() -> list[str]:
    """Names (URL schemes) of the installed stores that load."""
    group = plugins.stores()
    group.load_all()
    return sorted(group.loaded)


def store_class(name: str) -> type[Store]:
    """The store class registered under ``name``, or [`UnknownStoreError`][]."""
    return _named(plugins.stores(), name, UnknownStoreError)


def open_store(store: str | Store) -> Store:
    """``store`` itself, or the store its URL describes (the scheme names the store)."""
    if isinstance(store, Store):
        return store
    import urllib.parse

    scheme = urllib.parse.urlsplit(store).scheme
    if not scheme:
        raise UnknownStoreError(
            "a store is given as a URL whose scheme names it, such as file:///var/lib/offload "
            "or s3://bucket/prefix",
            installed=plugins.stores().names,
        )
    return store_class(scheme).from_url(store)
