"""Compression before encryption: zstd, kept only when it saves bytes, bounded on the way back.

Ciphertext does not compress, so compression has to happen to the plaintext
JSON, before the codec sees it. A compressed value's envelope carries the
strategy of its codec followed by `SUFFIX` (``inngest/libsodium+zstd``),
so a reader that does not know the suffix refuses it by name instead of
handing compressed bytes to a JSON parser.

zstd comes from the standard library (``compression.zstd``, Python 3.14+) or
its backport (``backports.zstd``, the same module for 3.10 to 3.13), imported
the first time a value is compressed or decompressed.
"""

from __future__ import annotations

import functools
import sys
import threading
from types import ModuleType

from .errors import DecompressionError, UnknownCompressionError

ZSTD = "zstd"
SUFFIX = "+" + ZSTD
"""Appended to a codec's strategy in the envelope of a compressed value."""
MIN_BYTES = 1024
"""Plaintexts shorter than this are never compressed: too little to gain for the time spent."""
LEVEL = 3
DEFAULT_MAX_DECOMPRESSED_BYTES = 64 * 1024 * 1024
"""The most a value may decompress to, unless ``max_decompressed_bytes`` says otherwise."""
WINDOW_LOG_MAX = 23
"""Decompression window at most 8 MiB: level 3 writes 2 MiB windows, a forged frame gets no more."""

_local = threading.local()


def check(name: str | None) -> str | None:
    """``name`` when it is a supported compression (``"zstd"``), ``None`` for none."""
    if name is None or name == ZSTD:
        return name
    raise UnknownCompressionError(f"no compression named {name!r}; supported: {ZSTD!r}, or None")


@functools.cache
def _zstd() -> ModuleType:
    if sys.version_info >= (3, 14):
        from compression import zstd
    else:
        from backports import zstd
    return zstd


def compress(plaintext: bytes) -> bytes | None:
    """The zstd frame of ``plaintext`` when it is shorter, else ``None``.

    Values under `MIN_BYTES` are not tried. Each thread keeps its own compressor.
    """
    if len(plaintext) < MIN_BYTES:
        return None
    zstd = _zstd()
    compressor = getattr(_local, "compressor", None)
    if compressor is None:
        compressor = _local.compressor = zstd.ZstdCompressor(level=LEVEL)
    frame: bytes = compressor.compress(plaintext, mode=zstd.ZstdCompressor.FLUSH_FRAME)
    return frame if len(frame) < len(plaintext) else None


def decompress(frame: bytes, limit: int, strategy: str | None = None) -> bytes:
    """The bytes ``frame`` holds, or [`DecompressionError`][].

    Never produces more than ``limit`` bytes: a frame that would is refused
    once ``limit + 1`` bytes are out, whatever size its header claims. One
    complete frame and nothing after it is accepted.
    """
    zstd = _zstd()
    window = {zstd.DecompressionParameter.window_log_max: WINDOW_LOG_MAX}
    decompressor = zstd.ZstdDecompressor(options=window)
    try:
        plaintext: bytes = decompressor.decompress(frame, max_length=limit + 1)
    except zstd.ZstdError:
        raise DecompressionError("compressed value is malformed", strategy=strategy) from None
    if len(plaintext) > limit:
        raise DecompressionError(
            f"compressed value decompresses to more than {limit:,} bytes "
            "(max_decompressed_bytes); refused",
            strategy=strategy,
            limit=limit,
        )
    if not decompressor.eof or decompressor.unused_data:
        raise DecompressionError(
            "compressed value is truncated or has data after its end", strategy=strategy
        )
    return plaintext
