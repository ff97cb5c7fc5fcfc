"""Plugin discovery through entry points, under the trust rules (see `inngest_codecs.registry`).

One `PluginGroup` per entry-point group: its entry points are listed once,
through stevedore, when a plugin other than a built-in one is first needed;
each plugin is imported only when asked for, checked, and then kept.
"""

from __future__ import annotations

import functools
import threading
import warnings
from typing import Any, Generic, TypeVar

from .codec import Codec
from .errors import CodecConflictError, PluginWarning, UnknownStoreError
from .offload.store import Store

CODECS = "inngest_codecs.codecs"
STORES = "inngest_codecs.stores"
BUILTINS = {
    "secretbox": "inngest_codecs.codecs.secretbox:SecretBoxCodec",
    "aes-gcm": "inngest_codecs.codecs.aesgcm:AesGcmCodec",
}
"""Built-in codec names and the only entry-point values allowed to hold them."""
BUILTIN_STRATEGIES = {"inngest/libsodium": "secretbox", "inngest-codecs/aes-256-gcm": "aes-gcm"}
"""Strategies only the built-in codecs may declare."""
BUILTIN_STORES = {"file": "inngest_codecs.offload.local:LocalDirectoryStore"}

P = TypeVar("P", Codec, Store)


def origin_of(entry_point: Any, group: str) -> str:
    """``distribution version`` of an entry point, for messages (read only when needed)."""
    import importlib.metadata

    for candidate in importlib.metadata.entry_points(group=group, name=entry_point.name):
        if candidate.value == entry_point.value and candidate.dist is not None:
            return f"{candidate.dist.metadata['Name']} {candidate.dist.version}"
    return f"an unknown distribution ({entry_point.value})"


def warn(message: str) -> None:
    warnings.warn(message, PluginWarning, stacklevel=5)


def claims(plugin: type[Any]) -> tuple[str, ...]:
    """The strategies a codec class claims (stores claim none beyond their name)."""
    if issubclass(plugin, Codec):
        return (plugin.strategy, *plugin.opens)
    return ()


class PluginGroup(Generic[P]):
    """One entry-point group: listed when first needed, each plugin imported when first needed.

    A built-in name can only ever be served by the built-in entry-point value, so
    looking one up imports it directly; the group is listed (and any plugin
    declaring a built-in name is warned about) when anything else is needed.
    """

    def __init__(self, group: str, base: type[P], builtins: dict[str, str]) -> None:
        self.group, self.builtins = group, builtins
        self.base: type[P] = base
        self.kind = "codec" if base is Codec else "store"
        self._lock = threading.RLock()
        self._entry_points: dict[str, Any] | None = None
        self._conflicts: dict[str, str] = {}  # name or strategy -> the error message
        self.registered: dict[str, type[Codec]] = registered if base is Codec else {}
        self.loaded: dict[str, type[P]] = {}
        self.by_claim: dict[str, str] = {}  # strategy -> codec name
        self._tried: set[str] = set()
        self.skipped: list[str] = []
        """What the trust rules skipped, as warned (the conflicts are kept apart)."""

    @property
    def entry_points(self) -> dict[str, Any]:
        """The usable entry points by name (listing the group the first time)."""
        return self._listed()

    @property
    def conflicts(self) -> dict[str, str]:
        """Why a name or strategy is refused (found while listing, and as plugins load)."""
        self._listed()
        return self._conflicts

    def _listed(self) -> dict[str, Any]:
        with self._lock:
            if self._entry_points is None:
                from stevedore import NamedExtensionManager

                self._entry_points = {}
                claims: dict[str, list[Any]] = {}
                lister: NamedExtensionManager[Any] = NamedExtensionManager(self.group, names=[])
                for entry_point in lister.list_entry_points():
                    same = claims.setdefault(entry_point.name, [])
                    if all(other.value != entry_point.value for other in same):
                        same.append(entry_point)
                for name, entry_points in claims.items():
                    self._settle_name(name, entry_points)
            return self._entry_points

    @property
    def names(self) -> list[str]:
        return sorted({*self.entry_points, *self.registered})

    def _settle_name(self, name: str, entry_points: list[Any]) -> None:
        assert self._entry_points is not None
        if name in self.builtins:
            for entry_point in entry_points:
                if entry_point.value == self.builtins[name]:
                    self._entry_points[name] = entry_point
                else:
                    self._skip(
                        f"{origin_of(entry_point, self.group)} declares the built-in {self.kind} "
                        f"name {name!r}; skipped (built-in names cannot be replaced)"
                    )
        elif len(entry_points) == 1:
            self._entry_points[name] = entry_points[0]
        else:
            origins = " and ".join(origin_of(ep, self.group) for ep in entry_points)
            self._conflicts[name] = (
                f"{self.kind} name {name!r} is declared by {origins}; neither is used: "
                "uninstall one of them"
            )

    def _skip(self, message: str) -> None:
        self.skipped.append(message)
        warn(message)

    def _load_builtin(self, name: str) -> None:
        import importlib

        with self._lock:
            if name not in self.loaded:
                module, _, attribute = self.builtins[name].partition(":")
                self._add(name, getattr(importlib.import_module(module), attribute))

    def load_all(self) -> None:
        """Import every plugin of the group (each refused one is warned about)."""
        self.load(sorted(self.entry_points))

    def load(self, names: list[str]) -> None:
        with self._lock:
            for name in names:
                if name in self._tried or name not in self.entry_points:
                    continue
                self._tried.add(name)
                if name in self.builtins:
                    self._load_builtin(name)
                    continue
                entry_point = self.entry_points[name]
                try:
                    plugin = entry_point.load()
                except Exception as exc:  # a broken plugin must not break the others
                    self._skip(
                        f"{self.kind} plugin {name!r} ({entry_point.value}) failed to load: "
                        f"{type(exc).__name__}; the others are still available"
                    )
                    continue
                problem = self.refusal(name, plugin)
                if problem is not None:
                    self._skip(f"{origin_of(entry_point, self.group)}: {problem}; skipped")
                    continue
                self._add(name, plugin)

    def refusal(self, name: str, plugin: object) -> str | None:
        """Why ``plugin`` (not a built-in one) may not serve as ``name``, or None when it may."""
        if not (isinstance(plugin, type) and issubclass(plugin, self.base)):
            return f"{self.kind} {name!r} is not a {self.base.__name__} subclass"
        if getattr(plugin, "name", None) != name:
            return f"{self.kind} {name!r} declares name {getattr(plugin, 'name', None)!r}"
        taken = [s for s in claims(plugin) if s in BUILTIN_STRATEGIES]
        if taken:
            return f"codec {name!r} declares the built-in strategy {taken[0]!r}"
        return None

    def _add(self, name: str, plugin: type[P]) -> None:
        self.loaded[name] = plugin
        for claim in claims(plugin):
            holder = self.by_claim.get(claim)
            if holder is None and claim not in self._conflicts:
                self.by_claim[claim] = name
            elif holder is not None and holder != name:
                del self.by_claim[claim]
                self._conflicts[claim] = (
                    f"strategy {claim!r} is declared by codecs {holder!r} and {name!r} "
                    f"({self._origin_text(holder)} and {self._origin_text(name)}); "
                    "neither opens it: uninstall one of them"
                )

    def _origin_text(self, name: str) -> str:
        entry_point = self.entry_points.get(name)
        return name if entry_point is None else origin_of(entry_point, self.group)

    def named(self, name: str) -> type[P] | None:
        if name in self.builtins:
            self._load_builtin(name)
            return self.loaded[name]
        if name in self.conflicts:
            raise _conflict(self.kind, self.conflicts[name], self.names)
        if name in self.registered:
            return self.registered[name]  # type: ignore[return-value]
        self.load([name])
        return self.loaded.get(name)

    def claiming(self, claim: str) -> type[P] | None:
        if BUILTIN_STRATEGIES.get(claim) in self.builtins:
            return self.named(BUILTIN_STRATEGIES[claim])
        for registered in self.registered.values():
            if claim in claims(registered):
                return registered  # type: ignore[return-value]
        if claim not in self.by_claim and claim not in self.conflicts:
            self.load_all()
        if claim in self.conflicts:
            raise _conflict(self.kind, self.conflicts[claim], self.names)
        found = self.by_claim.get(claim)
        return None if found is None else self.loaded[found]

    def origin(self, name: str) -> tuple[str, str] | None:
        """``(distribution, version)`` of the entry point actually used for ``name``."""
        import importlib.metadata

        chosen = self.entry_points.get(name)
        for candidate in importlib.metadata.entry_points(group=self.group, name=name):
            if chosen is not None and candidate.value == chosen.value and candidate.dist:
                return candidate.dist.metadata["Name"], candidate.dist.version
        return None


def _conflict(kind: str, message: str, names: list[str]) -> Exception:
    if kind == "codec":
        return CodecConflictError(message, installed=names)
    return UnknownStoreError(message, installed=names)


registered: dict[str, type[Codec]] = {}
"""Codecs registered in-process (`inngest_codecs.registry.register_codec`), by name."""


@functools.cache
def codecs() -> PluginGroup[Codec]:
    return PluginGroup(CODECS, Codec, BUILTINS)  # type: ignore[type-abstract]


@functools.cache
def stores() -> PluginGroup[Store]:
    return PluginGroup(STORES, Store, BUILTIN_STORES)  # type: ignore[type-abstract]
