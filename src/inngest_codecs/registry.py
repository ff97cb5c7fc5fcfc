"""One plugin registry: codecs (``inngest_codecs.codecs``) and stores (``inngest_codecs.stores``).

Built-in plugins are declared in this package's metadata exactly as a third
party declares its own. Entry points are listed once per process, through
stevedore, when a plugin of that group is first looked up (not when the
package is imported); each plugin is imported only when asked for. Codecs
defined in the application join with [`register_codec`][], under the same rules.

The trust rules, because an installed distribution can declare anything:

- a built-in name (``secretbox``, ``aes-gcm``, ``file``) or codec strategy cannot be
  taken by another plugin: such an entry point is skipped with a warning
  naming it, and such a registration is refused;
- two plugins claiming one name, or one strategy, are both refused with an
  error naming both; nothing picks one of them silently;
- a plugin that fails to import, or does not hold a class of the group's kind
  named like its entry point, is skipped with a warning; the others stay available.
"""

from __future__ import annotations

import functools
import threading
import warnings
from typing import Any, Generic, NamedTuple, TypeVar

from .codec import Codec
from .envelope import NO_STRATEGY
from .errors import CodecConflictError, PluginWarning, UnknownCodecError, UnknownStoreError
from .keys import KeySet
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


class CodecInfo(NamedTuple):
    """What a codec is, and where it comes from (``distribution`` is None when registered)."""

    name: str
    strategy: str
    opens: tuple[str, ...]
    distribution: str | None
    version: str | None
    codec_class: type[Codec]


def _origin(entry_point: Any, group: str) -> str:
    """``distribution version`` of an entry point, for messages (read only when needed)."""
    import importlib.metadata

    for candidate in importlib.metadata.entry_points(group=group, name=entry_point.name):
        if candidate.value == entry_point.value and candidate.dist is not None:
            return f"{candidate.dist.metadata['Name']} {candidate.dist.version}"
    return f"an unknown distribution ({entry_point.value})"


def _warn(message: str) -> None:
    warnings.warn(message, PluginWarning, stacklevel=4)


def _claims(plugin: type[Any]) -> tuple[str, ...]:
    """The strategies a codec class claims (stores claim none beyond their name)."""
    if issubclass(plugin, Codec):
        return (plugin.strategy, *plugin.opens)
    return ()


class _Group(Generic[P]):
    """One entry-point group: listed once, each plugin imported when first needed."""

    def __init__(self, group: str, base: type[P], builtins: dict[str, str]) -> None:
        from stevedore import NamedExtensionManager

        self.group, self.builtins = group, builtins
        self.base: type[P] = base
        self.kind = "codec" if base is Codec else "store"
        self._lock = threading.Lock()
        self.entry_points: dict[str, Any] = {}
        self.conflicts: dict[str, str] = {}  # name or strategy -> the error message
        claims: dict[str, list[Any]] = {}
        lister: NamedExtensionManager[Any] = NamedExtensionManager(group, names=[])
        for entry_point in lister.list_entry_points():
            same = claims.setdefault(entry_point.name, [])
            if all(other.value != entry_point.value for other in same):
                same.append(entry_point)
        for name, entry_points in claims.items():
            self._settle_name(name, entry_points)
        self.registered: dict[str, type[Codec]] = _registered if base is Codec else {}
        self.loaded: dict[str, type[P]] = {}
        self.by_claim: dict[str, str] = {}  # strategy -> codec name
        self._tried: set[str] = set()

    @property
    def names(self) -> list[str]:
        return sorted({*self.entry_points, *self.registered})

    def _settle_name(self, name: str, entry_points: list[Any]) -> None:
        if name in self.builtins:
            for entry_point in entry_points:
                if entry_point.value == self.builtins[name]:
                    self.entry_points[name] = entry_point
                else:
                    _warn(
                        f"{_origin(entry_point, self.group)} declares the built-in {self.kind} "
                        f"name {name!r}; skipped (built-in names cannot be replaced)"
                    )
        elif len(entry_points) == 1:
            self.entry_points[name] = entry_points[0]
        else:
            origins = " and ".join(_origin(ep, self.group) for ep in entry_points)
            self.conflicts[name] = (
                f"{self.kind} name {name!r} is declared by {origins}; neither is used: "
                "uninstall one of them"
            )

    def load(self, names: list[str]) -> None:
        with self._lock:
            for name in names:
                if name in self._tried or name not in self.entry_points:
                    continue
                self._tried.add(name)
                entry_point = self.entry_points[name]
                try:
                    plugin = entry_point.load()
                except Exception as exc:  # a broken plugin must not break the others
                    _warn(
                        f"{self.kind} plugin {name!r} ({entry_point.value}) failed to load: "
                        f"{type(exc).__name__}; the others are still available"
                    )
                    continue
                problem = self.refusal(name, plugin, builtin=name in self.builtins)
                if problem is not None:
                    _warn(f"{_origin(entry_point, self.group)}: {problem}; skipped")
                    continue
                self._add(name, plugin, _origin(entry_point, self.group))

    def refusal(self, name: str, plugin: object, *, builtin: bool) -> str | None:
        """Why ``plugin`` may not serve as ``name``, or None when it may."""
        if not (isinstance(plugin, type) and issubclass(plugin, self.base)):
            return f"{self.kind} {name!r} is not a {self.base.__name__} subclass"
        if getattr(plugin, "name", None) != name:
            return f"{self.kind} {name!r} declares name {getattr(plugin, 'name', None)!r}"
        if not builtin:
            taken = [s for s in _claims(plugin) if s in BUILTIN_STRATEGIES]
            if taken:
                return f"codec {name!r} declares the built-in strategy {taken[0]!r}"
        return None

    def _add(self, name: str, plugin: type[P], origin: str) -> None:
        self.loaded[name] = plugin
        for claim in _claims(plugin):
            holder = self.by_claim.get(claim)
            if holder is None and claim not in self.conflicts:
                self.by_claim[claim] = name
            elif holder is not None and holder != name:
                del self.by_claim[claim]
                first = self.entry_points.get(holder)
                origins = f"{_origin(first, self.group) if first else holder} and {origin}"
                self.conflicts[claim] = (
                    f"strategy {claim!r} is declared by codecs {holder!r} and {name!r} "
                    f"({origins}); neither opens it: uninstall one of them"
                )

    def named(self, name: str) -> type[P] | None:
        if name in self.conflicts:
            raise _conflict(self.kind, self.conflicts[name], self.names)
        if name in self.registered:
            return self.registered[name]  # type: ignore[return-value]
        self.load([name])
        return self.loaded.get(name)

    def claiming(self, claim: str) -> type[P] | None:
        for registered in self.registered.values():
            if claim in _claims(registered):
                return registered  # type: ignore[return-value]
        if claim not in self.by_claim and claim not in self.conflicts:
            self.load(sorted(self.entry_points))
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


_registered: dict[str, type[Codec]] = {}
_registering = threading.Lock()


@functools.cache
def _codecs() -> _Group[Codec]:
    return _Group(CODECS, Codec, BUILTINS)  # type: ignore[type-abstract]


@functools.cache
def _stores() -> _Group[Store]:
    return _Group(STORES, Store, BUILTIN_STORES)  # type: ignore[type-abstract]


def refresh() -> None:
    """Forget what was discovered, so newly installed plugins are found (registrations stay)."""
    from stevedore import ExtensionManager

    _codecs.cache_clear()
    _stores.cache_clear()
    for group in (CODECS, STORES):
        ExtensionManager.ENTRY_POINT_CACHE.pop(group, None)


def register_codec(codec: type[Codec]) -> type[Codec]:
    """Make a codec class defined in the application selectable by name and strategy.

    The same trust rules as for installed plugins: a built-in name or strategy,
    or one an installed plugin or another registration already claims, is a
    [`CodecConflictError`][inngest_codecs.CodecConflictError]. Registering the
    same class again does nothing. Returns the class, so it serves as a decorator.
    """
    group = _codecs()
    name = getattr(codec, "name", None)
    problem = group.refusal(str(name), codec, builtin=False)
    if problem is not None or not isinstance(name, str) or not name:
        raise CodecConflictError(f"cannot register {codec!r}: {problem or 'it has no name'}")
    with _registering:
        if _registered.get(name) is codec:
            return codec
        if name in BUILTINS or name in _registered or name in group.entry_points:
            raise CodecConflictError(f"codec name {name!r} is already taken", installed=group.names)
        for claim in _claims(codec):
            holder = group.claiming(claim)
            if holder is not None:
                raise CodecConflictError(
                    f"strategy {claim!r} is already opened by codec {holder.name!r}",
                    installed=group.names,
                )
        _registered[name] = codec
    return codec


def unregister_codec(name: str) -> None:
    """Forget a codec registered with [`register_codec`][] (tests, reloads)."""
    with _registering:
        _registered.pop(name, None)


def available_codecs() -> dict[str, CodecInfo]:
    """Codecs by name, with the distribution and version providing each (registered: None).

    Codecs refused by the trust rules are left out, with a warning.
    """
    group = _codecs()
    group.load(sorted(group.entry_points))
    for message in group.conflicts.values():
        _warn(message)
    found = {}
    for name, cls in sorted({**group.loaded, **_registered}.items()):
        origin = group.origin(name) if name not in _registered else None
        dist, version = origin if origin else (None, None)
        found[name] = CodecInfo(name, cls.strategy, tuple(cls.opens), dist, version, cls)
    return found


def codec_class(name: str) -> type[Codec]:
    """The codec class registered under ``name``, or [`UnknownCodecError`][]."""
    group = _codecs()
    found = group.named(name)
    if found is None:
        raise UnknownCodecError(
            f"no codec named {name!r} is installed (installed codecs: "
            f"{', '.join(group.names) or 'none'}); install the distribution that provides it",
            installed=group.names,
        )
    return found


def codec_for_strategy(strategy: str) -> type[Codec]:
    """The codec class that opens envelopes of ``strategy``, or [`UnknownCodecError`][]."""
    group = _codecs()
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
    group = _stores()
    group.load(sorted(group.entry_points))
    return sorted(group.loaded)


def store_class(name: str) -> type[Store]:
    """The store class registered under ``name``, or [`UnknownStoreError`][]."""
    group = _stores()
    found = group.named(name)
    if found is None:
        raise UnknownStoreError(
            f"no store named {name!r} is installed (installed stores: "
            f"{', '.join(group.names) or 'none'}); install the distribution that provides it",
            installed=group.names,
        )
    return found


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
            installed=_stores().names,
        )
    return store_class(scheme).from_url(store)
