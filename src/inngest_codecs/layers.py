"""What the Encryptor puts between a value and its codec: compression and the claim check.

Each layer is marked by a suffix on the codec's strategy in the envelope, so a
reader that does not know it refuses the envelope by name:

- ``<strategy>+zstd``: the codec's plaintext is a zstd frame of the JSON.
- ``<strategy>+offload``: the codec's plaintext is a claim-check reference; the
  object it names holds the value's codec bytes under the strategy it gives
  (``<strategy>`` or ``<strategy>+zstd``).

Every reader opens both, whatever it is configured to write; a claim check
needs the store it names.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from . import compression as compressing
from . import envelope, registry, telemetry
from .codec import Codec, decrypt_at, encrypt_at
from .errors import ConfigError, DecryptionError

if TYPE_CHECKING:  # the claim check is imported when first used: most services never do
    from .offload.store import Store

OFFLOADED = "+offload"
"""Appended to a codec's strategy in the envelope of a claim check."""
LAYERS = (compressing.SUFFIX, OFFLOADED)


class Decrypter(Protocol):
    """Whatever decrypts the bytes of an envelope: a codec, or a codec under a layer."""

    def decrypt(self, ciphertext: bytes) -> bytes: ...


def split(strategy: str) -> tuple[str, str | None]:
    """``(codec strategy, layer suffix or None)``: one suffix, on a strategy without one."""
    for suffix in LAYERS:
        if strategy.endswith(suffix):
            base = strategy[: -len(suffix)]
            if base and not base.endswith(LAYERS):
                return base, suffix
    return strategy, None


class _Decompressing:
    binds_associated_data = True  # passes it to the codec beneath, which may carry it

    def __init__(self, inner: Decrypter, limit: int, strategy: str) -> None:
        self._inner, self._limit, self._strategy = inner, limit, strategy

    def decrypt(self, ciphertext: bytes, associated_data: bytes | None = None) -> bytes:
        frame = decrypt_at(self._inner, ciphertext, associated_data)
        return compressing.decompress(frame, self._limit, self._strategy)


class _Redeeming:
    binds_associated_data = True  # the reference and its object are bound to one place

    def __init__(
        self,
        inner: Decrypter,
        store: Store | None,
        opener: Callable[[str], Decrypter],
        strategy: str,
    ) -> None:
        self._inner, self._store, self._opener, self._strategy = inner, store, opener, strategy

    def decrypt(self, ciphertext: bytes, associated_data: bytes | None = None) -> bytes:
        from .offload import claim

        opened = decrypt_at(self._inner, ciphertext, associated_data)
        reference = claim.Reference.from_bytes(opened, self._strategy)
        if reference.strategy.endswith(OFFLOADED):
            raise DecryptionError(
                "a claim check refers to another claim check",
                strategy=self._strategy,
                permanent=True,
            )
        blob = claim.redeem(self._store, reference)
        return decrypt_at(self._opener(reference.strategy), blob, associated_data)


class Layers:
    """The layers one Encryptor writes, and the openers for every layered strategy it reads."""

    def __init__(
        self,
        codec: Codec,
        *,
        compression: str | None = None,
        max_decompressed_bytes: int = compressing.DEFAULT_MAX_DECOMPRESSED_BYTES,
        offload_over: int | None = None,
        offload_store: str | Store | None = None,
    ) -> None:
        for setting, amount in (
            ("max_decompressed_bytes", max_decompressed_bytes),
            ("offload_over", offload_over),
        ):
            if amount is not None and (type(amount) is not int or amount <= 0):
                raise ConfigError(f"{setting} must be a positive number of bytes")
        if offload_over is not None and offload_store is None:
            raise ConfigError("offload_over needs an offload_store to put values in")
        self._codec = codec
        self._compression = compressing.check(compression)
        self._limit = max_decompressed_bytes
        self._store: Store | None = None
        if offload_store is not None:
            self._store = registry.open_store(offload_store)
        self._offload = (offload_over, self._store) if offload_over and self._store else None
        self.does_io = self._store is not None and self._store.does_io
        """Whether opening or sealing may wait on a store."""
        self.writes = self._compression is not None or offload_over is not None
        """Whether `seal` does anything the codec alone would not."""

    def seal(
        self, plaintext: bytes, *, compress: bool = True, associated_data: bytes | None = None
    ) -> dict[str, Any]:
        """The envelope of ``plaintext``: compressed when that is on and saves bytes,
        claim-checked when the envelope would be larger than ``offload_over``. The
        value, and a claim check's reference and object, are bound to ``associated_data``
        when the codec carries it."""
        codec, strategy = self._codec, self._codec.strategy
        if compress and self._compression is not None:
            frame = compressing.compress(plaintext)
            if frame is not None:
                telemetry.compressed(len(plaintext), len(frame))
                plaintext, strategy = frame, strategy + compressing.SUFFIX
        blob = encrypt_at(codec, plaintext, associated_data)
        if self._offload is not None:
            over, store = self._offload
            if envelope.size(strategy, envelope.base64_length(len(blob))) > over:
                from .offload import claim

                reference = claim.check_in(store, blob, strategy)
                blob = encrypt_at(codec, reference.to_bytes(), associated_data)
                strategy = codec.strategy + OFFLOADED
        return envelope.build(strategy, blob)

    def opener(self, strategy: str, opener: Callable[[str], Decrypter]) -> Decrypter | None:
        """The opener of a layered ``strategy`` (``opener`` gives those of the others), or None."""
        base, layer = split(strategy)
        if layer == compressing.SUFFIX:
            return _Decompressing(opener(base), self._limit, strategy)
        if layer == OFFLOADED:
            return _Redeeming(opener(base), self._store, opener, strategy)
        return None
