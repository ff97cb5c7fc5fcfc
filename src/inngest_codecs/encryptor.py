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
from .codec import Codec
from .compression import DEFAULT_MAX_DECOMPRESSED_BYTES
from .errors import CodecError, EncodingError
from .keys import KeyInput, KeySet
from .layers import Layers, Opener

if TYPE_CHECKING:
    from .offload.store import Store

DEFAULT_EVENT_FIELD = "encrypted"
_ENVELOPE_FIELDS = frozenset(envelope.FIELDS)
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
        compression: str | None = None,
        max_decompressed_bytes: int = DEFAULT_MAX_DECOMPRESSED_BYTES,
        offload_over: int | None = None,
        offload_store: str | Store | None = None,
        tenant_keys: Mapping[str, object] | None = None,
        revoked_key_ids: Sequence[str] = (),
        **options: Any,
    ) -> None:
        """``cache_size`` > 0 remembers the plaintext of that many recently made or
        opened envelopes, so a value opened again skips base64 and decryption
        (the JSON is still parsed afresh, so callers never share objects).
        Inngest sends every memoized step output again on every call of a run,
        which is where this pays; an envelope this Encryptor just made is
        remembered too, so the next call opens it from memory. The plaintext
        stays in memory while cached.

        ``compression="zstd"`` compresses values of 1 KiB or more before
        encryption when that makes them smaller. Compressed values open whatever
        this is set to, up to ``max_decompressed_bytes`` each. ``offload_over``
        puts every value whose envelope would be larger than that many bytes in
        ``offload_store`` (a [`Store`][inngest_codecs.offload.Store] or its URL)
        and returns a small envelope referring to it; a reader needs
        ``offload_store`` to open those.

        ``tenant_keys`` maps tenant ids to their own keys (see `inngest_codecs.tenants`):
        [`Encryptor.for_tenant`][] gives the Encryptor of a tenant, which shares every
        other setting. With tenants, every envelope names the id of the key that
        wrote it, and a value under a key listed in ``revoked_key_ids`` is refused
        for good (crypto-shredding).
        """
        self._keys = KeySet.build(key, fallback_keys)
        self._cache = _PlaintextCache(cache_size) if cache_size > 0 else None
        self._codec = registry.codec_class(codec)(self._keys, **options)
        self._layers = Layers(
            self._codec,
            compression=compression,
            max_decompressed_bytes=max_decompressed_bytes,
            offload_over=offload_over,
            offload_store=offload_store,
        )
        self._openers: dict[str, Opener] = {
            strategy: self._codec for strategy in (self._codec.strategy, *self._codec.opens)
        }
        self._revoked = frozenset(revoked_key_ids)
        self._own_ids = frozenset(self._codec.key_ids)
        self._mark: str | None = None
        self._tenants: dict[str, Encryptor] = {}
        if tenant_keys is not None:
            shared = dict(
                codec=codec,
                cache_size=cache_size,
                compression=compression,
                max_decompressed_bytes=max_decompressed_bytes,
                offload_over=offload_over,
                offload_store=offload_store,
                revoked_key_ids=revoked_key_ids,
            )
            self._mark = self._codec.key_ids[0]
            from . import tenants  # only where keys are chosen per tenant

            for tenant, spec in tenants.check_tenant_keys(tenant_keys).items():
                member = Encryptor(**{**shared, **tenants.tenant_spec(tenant, spec)})
                member._mark = member._codec.key_ids[0]
                self._tenants[tenant] = member

    def for_tenant(self, tenant: str | None) -> Encryptor:
        """The Encryptor of ``tenant``; this one (the default key) for no or an unknown tenant."""
        if tenant is None:
            return self
        return self._tenants.get(tenant, self)

    @property
    def tenants(self) -> tuple[str, ...]:
        return tuple(self._tenants)

    @property
    def codec(self) -> Codec:
        """The codec that encrypts."""
        return self._codec

    @property
    def keys(self) -> KeySet:
        return self._keys

    @property
    def does_io(self) -> bool:
        """Whether sealing or opening may wait on a key service or a store (of any tenant)."""
        return (
            self._codec.does_io
            or self._layers.does_io
            or any(member.does_io for member in self._tenants.values())
        )

    def _opener(self, strategy: str) -> Opener:
        codec = self._openers.get(strategy)
        if codec is None:
            codec = self._layers.opener(strategy, self._opener)
            if codec is None:
                codec = registry.codec_for_strategy(strategy)(self._keys)
            self._openers[strategy] = codec
        return codec

    def encrypt(self, value: object, *, compress: bool = True) -> dict[str, Any]:
        """The envelope holding ``value`` (any JSON value, including ``None``).

        ``compress=False`` leaves this one value uncompressed whatever
        ``compression`` says (see the security model on when to).
        """
        try:
            return self._seal(value, compress)
        except CodecError as error:
            telemetry.failed(error, "seal")
            raise

    def _seal(self, value: object, compress: bool) -> dict[str, Any]:
        plaintext = strictjson.dumps(value)
        size = len(plaintext)
        cache = self._cache
        remembered = plaintext if cache is not None and len(plaintext) <= CACHEABLE_SIZE else None
        if self._layers.writes:
            sealed = self._layers.seal(plaintext, compress=compress)
        else:
            blob = self._codec.encrypt(plaintext)
            del plaintext  # a large plaintext is not held while its base64 is written
            sealed = envelope.build(self._codec.strategy, blob)
        if self._mark is not None:
            sealed[envelope.KEY_ID] = self._mark
        if cache is not None and remembered is not None:
            cache.put(_cache_key(sealed), remembered)
        telemetry.sealed(self._codec, sealed, size)
        return sealed

    def decrypt(self, value: object) -> object:
        """The plaintext of an envelope; any other value is returned as it is."""
        if not envelope.is_envelope(value):
            return value
        try:
            return self._open(value)  # type: ignore[arg-type]
        except CodecError as error:
            telemetry.failed(error, "open")
            raise

    def _open(self, value: dict[str, Any]) -> object:
        if envelope.KEY_ID in value:
            from .tenants import check_key_id  # only envelopes written per tenant name a key

            check_key_id(value[envelope.KEY_ID], self._own_ids, self._revoked)
        opened = strictjson.loads(self._plaintext(value))
        telemetry.opened(self._codec, value)
        return opened

    def _plaintext(self, sealed: dict[str, Any]) -> bytes:
        if self._cache is None:
            strategy, blob = envelope.parse(sealed)
            return (self._openers.get(strategy) or self._opener(strategy)).decrypt(blob)
        key = _cache_key(sealed)
        plaintext = self._cache.get(key) if type(key[0]) is str and type(key[1]) is str else None
        telemetry.cached(plaintext is not None)
        if plaintext is None:
            strategy, blob = envelope.parse(sealed)
            plaintext = (self._openers.get(strategy) or self._opener(strategy)).decrypt(blob)
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

    def encrypt_event_data(
        self,
        data: Mapping[str, Any],
        field: str | Sequence[str] = DEFAULT_EVENT_FIELD,
        *,
        compress: bool = True,
    ) -> dict[str, Any]:
        """``data`` with ``data[field]`` (or each of several fields) encrypted; others stay plain.

        A field that already holds an envelope these keys open is left as it is.
        A value that only looks like one (``"__ENCRYPTED__": true`` beside other
        data, or ciphertext no configured key opens) is encrypted like any other.
        ``compress=False`` keeps these fields uncompressed whatever the setting.
        """
        fields = (field,) if isinstance(field, str) else field
        sealed = dict(data)
        for name in fields:
            if name in sealed and not self.opens(sealed[name]):
                sealed[name] = self.encrypt(sealed[name], compress=compress)
        return sealed

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
