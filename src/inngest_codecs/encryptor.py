"""The Encryptor: JSON values in, envelopes out, and back.

One codec (chosen by name) encrypts. Any envelope whose strategy an installed
codec declares is opened with the same keys, so changing ``codec=`` keeps
existing data readable. Nothing here depends on Inngest: an Encryptor serves a
queue, a cache or a webhook just as well.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from . import envelope, registry, strictjson
from .codec import Codec
from .errors import EncodingError
from .keys import KeyInput, KeySet

DEFAULT_EVENT_FIELD = "encrypted"
CACHEABLE_SIZE = 1 << 20


class _PlaintextCache:
    """The plaintext bytes of recent envelopes, least recently used first out.

    Keyed by (strategy, base64 data): only the very same ciphertext under the
    very same label hits. Values larger than ``CACHEABLE_SIZE`` are not kept.

    A plain dict in insertion order is the recency list: a hit moves its entry
    to the end, eviction drops the first. Each dict operation is atomic, so
    threads need no lock; a race costs at most one extra decryption or one
    entry evicted early, never a wrong plaintext.
    """

    def __init__(self, capacity: int) -> None:
        self._capacity = capacity
        self._items: dict[tuple[str, str], bytes] = {}

    def get(self, key: tuple[str, str]) -> bytes | None:
        found = self._items.pop(key, None)
        if found is not None:
            self._items[key] = found
        return found

    def put(self, key: tuple[str, str], plaintext: bytes) -> None:
        if len(plaintext) > CACHEABLE_SIZE:
            return
        items = self._items
        items[key] = plaintext
        while len(items) > self._capacity:
            try:
                items.pop(next(iter(items)), None)
            except (RuntimeError, StopIteration):  # another thread changed it meanwhile
                continue


def _log_warning(message: str, *args: object) -> None:
    import logging  # only when there is something to say: it is slow to import

    logging.getLogger("inngest_codecs").warning(message, *args)


def _cache_key(sealed: Mapping[str, Any]) -> tuple[Any, Any]:
    return sealed.get(envelope.STRATEGY, envelope.NO_STRATEGY), sealed.get(envelope.DATA)


class Encryptor:
    """Encrypts JSON values into envelopes and opens envelopes of any installed codec."""

    def __init__(
        self,
        key: KeyInput | list[KeyInput] | tuple[KeyInput, ...],
        *,
        codec: str = "secretbox",
        fallback_keys: KeyInput | Sequence[KeyInput] | None = (),
        cache_size: int = 0,
        **options: Any,
    ) -> None:
        """``cache_size`` > 0 remembers the plaintext of that many recently made or
        opened envelopes, so a value opened again skips base64 and decryption
        (the JSON is still parsed afresh, so callers never share objects).
        Inngest sends every memoized step output again on every call of a run,
        which is where this pays; an envelope this Encryptor just made is
        remembered too, so the next call opens it from memory. The plaintext
        stays in memory while cached.
        """
        self._keys = KeySet.build(key, fallback_keys)
        self._cache = _PlaintextCache(cache_size) if cache_size > 0 else None
        self._codec = registry.codec_class(codec)(self._keys, **options)
        self._openers: dict[str, Codec] = {
            strategy: self._codec for strategy in (self._codec.strategy, *self._codec.opens)
        }

    @property
    def codec(self) -> Codec:
        """The codec that encrypts."""
        return self._codec

    @property
    def keys(self) -> KeySet:
        return self._keys

    def _opener(self, strategy: str) -> Codec:
        codec = self._openers.get(strategy)
        if codec is None:
            codec = registry.codec_for_strategy(strategy)(self._keys)
            self._openers[strategy] = codec
        return codec

    def encrypt(self, value: object) -> dict[str, Any]:
        """The envelope holding ``value`` (any JSON value, including ``None``)."""
        plaintext = strictjson.dumps(value)
        blob = self._codec.encrypt(plaintext)
        cache = self._cache
        remembered = plaintext if cache is not None and len(plaintext) <= CACHEABLE_SIZE else None
        del plaintext  # a large plaintext is not held while its base64 is written
        sealed = envelope.build(self._codec.strategy, blob)
        if cache is not None and remembered is not None:
            cache.put(_cache_key(sealed), remembered)
        return sealed

    def decrypt(self, value: object) -> object:
        """The plaintext of an envelope; any other value is returned as it is."""
        if not envelope.is_envelope(value):
            return value
        return strictjson.loads(self._plaintext(value))  # type: ignore[arg-type]

    def _plaintext(self, sealed: dict[str, Any]) -> bytes:
        if self._cache is None:
            strategy, blob = envelope.parse(sealed)
            return (self._openers.get(strategy) or self._opener(strategy)).decrypt(blob)
        key = _cache_key(sealed)
        plaintext = self._cache.get(key) if type(key[0]) is str and type(key[1]) is str else None
        if plaintext is None:
            strategy, blob = envelope.parse(sealed)
            plaintext = (self._openers.get(strategy) or self._opener(strategy)).decrypt(blob)
            self._cache.put(key, plaintext)
        return plaintext

    def encrypt_event_data(
        self, data: Mapping[str, Any], field: str = DEFAULT_EVENT_FIELD
    ) -> dict[str, Any]:
        """``data`` with ``data[field]`` encrypted; other fields stay plain.

        A field that already holds an envelope is left alone, with a warning.
        """
        if field not in data:
            return dict(data)
        if envelope.is_envelope(data[field]):
            _log_warning("event field %r is already encrypted; left as it is", field)
            return dict(data)
        return {**data, field: self.encrypt(data[field])}

    def decrypt_event_data(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """``data`` with every field holding an envelope opened.

        When ``data`` is itself one envelope, its plaintext (an object) is
        merged over the plain fields beside the envelope's own.
        """
        if envelope.is_envelope(data):
            opened = self.decrypt(data)
            if not isinstance(opened, dict):
                raise EncodingError(
                    f"encrypted event data opened to {type(opened).__name__}, not an object"
                )
            plain = {k: v for k, v in data.items() if k not in envelope.FIELDS}
            return {**plain, **opened}
        return {k: self.decrypt(v) if envelope.is_envelope(v) else v for k, v in data.items()}

    def __repr__(self) -> str:
        return f"<Encryptor codec={self._codec.name!r} keys={self._keys!r}>"
