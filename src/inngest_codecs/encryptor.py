"""The Encryptor: JSON values in, envelopes out, and back.

One codec (chosen by name) encrypts. Any envelope whose strategy an installed
codec declares is opened with the same keys, so changing ``codec=`` keeps
existing data readable. Nothing here depends on Inngest: an Encryptor serves a
queue, a cache or a webhook just as well.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from . import envelope, registry, strictjson, telemetry
from .codec import Codec, decrypt_at, encrypt_at
from .compression import DEFAULT_MAX_DECOMPRESSED_BYTES
from .errors import (
    CodecError,
    ConfigError,
    DecryptionError,
    KeyConfigError,
)
from .keys import Key, KeySet
from .layers import Decrypter, Layers
from .place import Place
from .revocation import Revocable, ids_of, keys_beside

if TYPE_CHECKING:
    from .offload.store import Store

DEFAULT_CODEC = "secretbox"
DEFAULT_EVENT_FIELD = "encrypted"
_ENVELOPE_FIELDS = frozenset(envelope.FIELDS)
CACHEABLE_SIZE = 1 << 20
_Key = tuple[Any, Any, "bytes | None"]


class _PlaintextCache:
    """The plaintext bytes of recent envelopes, least recently used first out.

    Keyed by (strategy, base64 data, place): only the very same ciphertext under
    the very same label, opened at the very same place, hits. Values larger
    than ``CACHEABLE_SIZE`` are not kept.

    A plain dict in insertion order is the recency list: a hit moves its entry
    to the end, eviction drops the first. Each dict operation is atomic, so
    threads need no lock; a race costs at most one extra decryption or one
    entry evicted early, never a wrong plaintext.
    """

    def __init__(self, capacity: int) -> None:
        self._capacity = capacity
        self._items: dict[_Key, bytes] = {}

    def get(self, key: _Key) -> bytes | None:
        found = self._items.pop(key, None)
        if found is not None:
            self._items[key] = found
        return found

    def put(self, key: _Key, plaintext: bytes) -> None:
        if len(plaintext) > CACHEABLE_SIZE:
            return
        items = self._items
        items[key] = plaintext
        while len(items) > self._capacity:
            try:
                items.pop(next(iter(items)), None)
            except (RuntimeError, StopIteration):  # another thread changed it meanwhile
                continue


def _cache_key(sealed: Mapping[str, Any]) -> tuple[Any, Any]:
    return sealed.get(envelope.STRATEGY, envelope.NO_STRATEGY), sealed.get(envelope.DATA)


class Encryptor:
    """Encrypts JSON values into envelopes and opens envelopes of any installed codec."""

    def __init__(
        self,
        key: object = None,
        *,
        codec: str | Codec | None = None,
        fallback_keys: object = (),
        codec_options: Mapping[str, Any] | None = None,
        cache_size: int = 0,
        compression: str | None = None,
        max_decompressed_bytes: int = DEFAULT_MAX_DECOMPRESSED_BYTES,
        offload_over: int | None = None,
        offload_store: str | Store | None = None,
        revoked_key_ids: Sequence[str] = (),
        name_key: bool = False,
    ) -> None:
        """``key`` is the key that encrypts (a list: the first encrypts, the rest are
        fallbacks), or a [`Codec`][] object, which holds its own keys. ``codec`` is
        a codec name (default ``"secretbox"``) or a [`Codec`][] object;
        ``codec_options`` go to a codec chosen by name, and nothing else does.

        Envelopes of other strategies open with the keys given here that are of
        the kind their codec takes (see `inngest_codecs.keys`): a key reference
        (a KMS key ARN) never opens a secretbox or aes-gcm value, and a secret key
        never goes to a key service.

        ``cache_size`` > 0 remembers the plaintext of that many recently made or
        opened envelopes, so a value opened again skips base64 and decryption
        (the JSON is still parsed afresh, so callers never share objects).
        Inngest sends every memoized step output again on every call of a run,
        which is where this pays. The plaintext stays in memory while cached.

        ``compression="zstd"`` compresses values of 1 KiB or more before
        encryption when that makes them smaller. Compressed values open whatever
        this is set to, up to ``max_decompressed_bytes`` each. ``offload_over``
        puts every value whose envelope would be larger than that many bytes in
        ``offload_store`` (a [`Store`][inngest_codecs.offload.Store] or its URL)
        and returns a small envelope referring to it; a reader needs
        ``offload_store`` to open those.

        A value that opens only under a key whose id is in ``revoked_key_ids``
        is refused for good ([`KeyRevokedError`][inngest_codecs.KeyRevokedError]):
        revocation is decided by the key that actually opens a value.
        ``name_key=True`` writes the encrypting key's id into every envelope
        (``"__KEY__"``), so operator tools can find the key among many; it is a
        hint, and never decides anything.
        """
        if isinstance(key, Codec):
            if codec is not None:
                raise ConfigError("give the codec once: as the first argument or as codec=")
            key, codec = None, key
        self._revoked = frozenset(revoked_key_ids)
        self._cache = _PlaintextCache(cache_size) if cache_size > 0 else None
        if isinstance(codec, Codec):
            if key is not None or codec_options:
                raise ConfigError(
                    "a codec object holds its own keys and options; give keys for other "
                    "formats as fallback_keys"
                )
            self._codec = codec
            self._keys = keys_beside(getattr(codec, "keys", None), fallback_keys, codec.key_kind)
            dead = None
        else:
            cls = registry.codec_class(codec or DEFAULT_CODEC)
            self._keys = keys = KeySet.build(key, fallback_keys, kind=cls.key_kind)
            live, dead = self._split(keys, cls)
            if live is None or live.primary != keys.primary:
                raise KeyConfigError("the encryption key's id is listed in revoked_key_ids")
            self._codec = cls.with_options(live, codec_options or {})
        self._layers = Layers(
            self._codec,
            compression=compression,
            max_decompressed_bytes=max_decompressed_bytes,
            offload_over=offload_over,
            offload_store=offload_store,
        )
        opener: Decrypter = self._codec
        if dead is not None:
            opener = Revocable(self._codec, type(self._codec)(dead), self._codec.strategy)
        self._openers: dict[str, Decrypter] = {
            strategy: opener for strategy in (self._codec.strategy, *self._codec.opens)
        }
        self._mark = self._codec.key_ids[0] if name_key else None
        self._strategy = self._codec.strategy
        # Where the codec alone writes and nothing is cached, values take the shortest path.
        self._direct = (
            None if self._layers.writes or self._cache is not None else self._codec.encrypt
        )

    def _split(self, keys: KeySet | None, cls: type[Codec]) -> tuple[KeySet | None, KeySet | None]:
        """``(live, revoked)``: the keys of the kind ``cls`` takes, by whether they are revoked."""
        if keys is None:
            return None, None

        def revoked(key: Key) -> bool:
            return not ids_of(key, cls).isdisjoint(self._revoked)

        kind = cls.key_kind
        return keys.of_kind(kind, lambda k: not revoked(k)), keys.of_kind(kind, revoked)

    @property
    def codec(self) -> Codec:
        """The codec that encrypts."""
        return self._codec

    @property
    def keys(self) -> KeySet | None:
        """Every key this Encryptor holds, of every kind (None: a codec object without keys)."""
        return self._keys

    @property
    def does_io(self) -> bool:
        """Whether sealing or opening may wait on a key service or a store."""
        return self._codec.does_io or self._layers.does_io

    def _opener(self, strategy: str) -> Decrypter:
        opener = self._openers.get(strategy)
        if opener is None:
            opener = self._layers.opener(strategy, self._opener)
            if opener is None:
                cls = registry.codec_for_strategy(strategy)
                live, dead = self._split(self._keys, cls)
                if live is None and dead is None:
                    raise DecryptionError(
                        f"no configured key is of the kind codec {cls.name!r} takes "
                        f"({cls.key_kind})",
                        strategy=strategy,
                    )
                if dead is None:
                    opener = cls(live)  # type: ignore[arg-type]  # live is set: see above
                else:
                    opener = Revocable(None if live is None else cls(live), cls(dead), strategy)
            self._openers[strategy] = opener
        return opener

    def encrypt(
        self, value: object, *, compress: bool = True, place: Place | None = None
    ) -> dict[str, Any]:
        """The envelope holding ``value`` (any JSON value, including ``None``).

        ``compress=False`` leaves this one value uncompressed whatever
        ``compression`` says (see the security model on when to). With a
        ``place``, a codec that carries associated data binds the value to it:
        opened as another place, it is refused ([`MisplacedValueError`][]).
        """
        try:
            if place is None and self._direct is not None:  # the common case, in fewest calls
                plaintext = strictjson.dumps(value, exact=False)
                size = len(plaintext)
                blob = self._direct(plaintext)
                del plaintext  # a large plaintext is not held while its base64 is written
                sealed = envelope.build(self._strategy, blob)
            else:
                sealed, size = self._seal(value, compress, place)
            if self._mark is not None:
                sealed[envelope.KEY_ID] = self._mark
            if telemetry.recording:
                telemetry.sealed(self._codec, sealed, size)
            return sealed
        except CodecError as error:
            telemetry.failed(error, "seal")
            raise

    def _seal(
        self, value: object, compress: bool, place: Place | None
    ) -> tuple[dict[str, Any], int]:
        """The envelope and the plaintext's size, through the layers and the cache."""
        plaintext = strictjson.dumps(value)
        size = len(plaintext)
        bound = None if place is None else place.associated_data
        cache = self._cache
        remembered = plaintext if cache is not None and size <= CACHEABLE_SIZE else None
        if self._layers.writes:
            sealed = self._layers.seal(plaintext, compress=compress, associated_data=bound)
        else:
            blob = encrypt_at(self._codec, plaintext, bound)
            del plaintext  # a large plaintext is not held while its base64 is written
            sealed = envelope.build(self._strategy, blob)
        if cache is not None and remembered is not None:
            cache.put((*_cache_key(sealed), bound), remembered)
        return sealed, size

    def decrypt(self, value: object, *, place: Place | None = None) -> object:
        """The plaintext of an envelope; any other value is returned as it is.

        With a ``place``, a value bound to another place is refused
        ([`MisplacedValueError`][]); values bound to none (written without a place,
        or before binding existed) open anywhere. Without, nothing is checked.
        """
        if not envelope.is_envelope(value):
            return value
        sealed: dict[str, Any] = value  # type: ignore[assignment]  # an envelope is a dict
        try:
            if place is None and self._cache is None and envelope.KEY_ID not in sealed:
                # The common case, in fewest calls: no hint to check, no place, no cache.
                strategy, blob = envelope.parse(sealed)
                opener = self._openers.get(strategy) or self._opener(strategy)
                plaintext = opener.decrypt(blob)
                del blob  # a large ciphertext is not held while its plaintext is read
                opened = strictjson.loads(plaintext)
            else:
                opened = self._open(sealed, place)
        except CodecError as error:
            telemetry.failed(error, "open")
            raise
        if telemetry.recording:
            telemetry.opened(self._codec, sealed)
        return opened

    def _open(self, value: dict[str, Any], place: Place | None = None) -> object:
        envelope.key_hint(value)  # refuses a malformed hint
        bound = None if place is None else place.associated_data
        return strictjson.loads(self._plaintext(value, bound))

    def _plaintext(self, sealed: dict[str, Any], bound: bytes | None = None) -> bytes:
        if self._cache is None:
            strategy, blob = envelope.parse(sealed)
            return decrypt_at(self._openers.get(strategy) or self._opener(strategy), blob, bound)
        # The place is part of the key: a plaintext cached at one place never opens at another.
        key = (*_cache_key(sealed), bound)
        plaintext = self._cache.get(key) if type(key[0]) is str and type(key[1]) is str else None
        if telemetry.recording:
            telemetry.cached(plaintext is not None)
        if plaintext is None:
            strategy, blob = envelope.parse(sealed)
            opener = self._openers.get(strategy) or self._opener(strategy)
            plaintext = decrypt_at(opener, blob, bound)
            self._cache.put(key, plaintext)
        return plaintext

    def opens(self, value: object) -> bool:
        """Whether ``value`` is exactly an envelope (nothing beside its fields) these keys open.

        What passes this check carries nothing but ciphertext, so it may be sent
        as it is; anything else that merely looks like an envelope may not.
        """
        if not envelope.is_envelope(value) or not _ENVELOPE_FIELDS.issuperset(value):  # type: ignore[arg-type]
            return False
        try:
            self._open(value)  # type: ignore[arg-type]
        except CodecError:
            return False
        return True

    def __repr__(self) -> str:
        return f"<Encryptor codec={self._codec.name!r} keys={self._keys!r}>"
