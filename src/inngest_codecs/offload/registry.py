"""Store discovery through the entry-point group ``inngest_codecs.stores``.

The same trust rules as for codecs: the built-in name ``file`` cannot be taken
by another distribution (skipped with a warning), two distributions declaring
one name are both refused, and a plugin that fails to load or is not a
[`Store`][] named like its entry point is skipped with a warning.
"""

from __future__ import annotations

import functools
import urllib.parse
import warnings
from typing import Any

from stevedore import ExtensionManager, NamedExtensionManager

from ..errors import UnknownStoreError
from ..registry import _origin
from .store import Store

GROUP = "inngest_codecs.stores"
BUILTINS = {"file": "inngest_codecs.offload.local:LocalDirectoryStore"}


class StorePluginWarning(UserWarning):
    """An installed store plugin could not be used."""


class _Stores:
    """Entry points listed once; each store class imported when first asked for."""

    def __init__(self) -> None:
        lister: NamedExtensionManager[Any] = NamedExtensionManager(GROUP, names=[])
        claims: dict[str, list[Any]] = {}
        for entry_point in lister.list_entry_points():
            same = claims.setdefault(entry_point.name, [])
            if all(other.value != entry_point.value for other in same):
                same.append(entry_point)
        self.entry_points: dict[str, Any] = {}
        self.conflicts: dict[str, str] = {}
        for name, entry_points in claims.items():
            if name in BUILTINS:
                for entry_point in entry_points:
                    if entry_point.value == BUILTINS[name]:
                        self.entry_points[name] = entry_point
                    else:
                        _warn(f"{_origin(entry_point, GROUP)} declares the built-in store {name!r}")
            elif len(entry_points) == 1:
                self.entry_points[name] = entry_points[0]
            else:
                origins = " and ".join(_origin(ep, GROUP) for ep in entry_points)
                self.conflicts[name] = (
                    f"store {name!r} is declared by {origins}; neither is used: uninstall one"
                )
        self.names = sorted(self.entry_points)
        self._loaded: dict[str, type[Store] | None] = {}

    def load(self, name: str) -> type[Store] | None:
        if name not in self._loaded:
            self._loaded[name] = self._import(name)
        return self._loaded[name]

    def _import(self, name: str) -> type[Store] | None:
        entry_point = self.entry_points.get(name)
        if entry_point is None:
            return None
        try:
            plugin = entry_point.load()
        except Exception as exc:  # a broken plugin must not break the others
            _warn(f"store plugin {name!r} failed to load: {type(exc).__name__}")
            return None
        if not (isinstance(plugin, type) and issubclass(plugin, Store)):
            _warn(f"store plugin {name!r} is not a Store subclass")
            return None
        if getattr(plugin, "name", None) != name:
            _warn(f"store plugin {name!r} declares name {plugin.name!r}; they must match")
            return None
        return plugin


def _warn(message: str) -> None:
    warnings.warn(message + "; skipped", StorePluginWarning, stacklevel=4)


@functools.cache
def _stores() -> _Stores:
    return _Stores()


def refresh() -> None:
    """Forget what was discovered, so newly installed stores are found."""
    _stores.cache_clear()
    ExtensionManager.ENTRY_POINT_CACHE.pop(GROUP, None)


def available_stores() -> list[str]:
    """Names (URL schemes) of the installed stores that load."""
    stores = _stores()
    return [name for name in stores.names if stores.load(name) is not None]


def store_class(name: str) -> type[Store]:
    """The store class registered under ``name``, or [`UnknownStoreError`][]."""
    stores = _stores()
    if name in stores.conflicts:
        raise UnknownStoreError(stores.conflicts[name], installed=stores.names)
    found = stores.load(name)
    if found is None:
        raise UnknownStoreError(
            f"no store named {name!r} is installed (installed stores: "
            f"{', '.join(stores.names) or 'none'}); install the distribution that provides it",
            installed=stores.names,
        )
    return found


def open_store(store: str | Store) -> Store:
    """``store`` itself, or the store its URL describes (the scheme names the store)."""
    if isinstance(store, Store):
        return store
    scheme = urllib.parse.urlsplit(store).scheme
    if not scheme:
        raise UnknownStoreError(
            "a store is given as a URL whose scheme names it, such as file:///var/lib/offload "
            "or s3://bucket/prefix",
            installed=_stores().names,
        )
    return store_class(scheme).from_url(store)
