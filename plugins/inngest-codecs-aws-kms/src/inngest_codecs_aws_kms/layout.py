"""The byte layout of an aws-kms value, format version 1 (``docs/format.md`` is the spec)::

    version (1 byte, 0x01)
        || key ARN length (2 bytes, big-endian) || key ARN (ASCII)
        || wrapped key length (2 bytes, big-endian) || wrapped data key
        || nonce (12 bytes) || AES-256-GCM ciphertext || tag (16 bytes)

Everything before the nonce is the *header*; it is the same for every value
sealed under one data key. The associated data is::

    header || strategy (ASCII) || encoded encryption context

so the version, the KMS key, the wrapped key and the context are all bound to
the ciphertext.

Format version 2 binds a value to its place (the associated data the caller
gives): a version-1 value behind a prefix that carries the place, the prefix
also leading the associated data::

    prefix = version (1 byte, 0x02) || place length (2 bytes, big-endian) || place
    value  = prefix || version-1 value
    aad    = prefix || version-1 aad
"""

from __future__ import annotations

import struct
from collections.abc import Mapping
from typing import NamedTuple

from .identifiers import is_key_arn

VERSION = 1
BOUND_VERSION = 2
STRATEGY = "inngest-codecs/aws-kms"
STRATEGY_BYTES = STRATEGY.encode("ascii")
CONTEXT_KEY = "inngest-codecs"
"""Encryption-context entry the codec adds itself, naming the format."""
CONTEXT_VALUE = f"aws-kms/v{VERSION}"
NONCE_SIZE = 12
TAG_SIZE = 16
MIN_SIZE = 1 + 2 + 2 + NONCE_SIZE + TAG_SIZE
_LENGTH = struct.Struct(">H")


class Malformed(ValueError):
    """The bytes do not follow the layout (the message says where, never what)."""


class Sealed(NamedTuple):
    """A split value: ``header`` and ``sealed`` are slices of the input, nothing is checked."""

    header: bytes
    wrapped_key: bytes
    nonce: bytes
    sealed: memoryview

    @property
    def key_arn(self) -> str:
        """The KMS key ARN in the header, or :class:`Malformed` when it is not one."""
        length = _LENGTH.unpack_from(self.header, 1)[0]
        try:
            key_arn = self.header[3 : 3 + length].decode("ascii")
        except UnicodeDecodeError:
            raise Malformed("its key ARN is not ASCII") from None
        if not is_key_arn(key_arn):
            raise Malformed("its key ARN is not a KMS key ARN")
        return key_arn


def _field(data: bytes) -> bytes:
    if len(data) >= 1 << 16:
        raise ValueError("a header field is longer than 65535 bytes")
    return _LENGTH.pack(len(data)) + data


def header(key_arn: str, wrapped_key: bytes) -> bytes:
    """The header of every value sealed under one data key."""
    return bytes([VERSION]) + _field(key_arn.encode("ascii")) + _field(wrapped_key)


def encode_context(context: Mapping[str, str]) -> bytes:
    """The encryption context as bytes: a count, then each entry sorted by key.

    ``count (2 bytes) || for each entry: len(key) (2) || key || len(value) (2) || value``,
    all UTF-8, lengths big-endian, entries sorted by the UTF-8 bytes of their keys.
    """
    entries = sorted((k.encode("utf-8"), v.encode("utf-8")) for k, v in context.items())
    return _LENGTH.pack(len(entries)) + b"".join(_field(k) + _field(v) for k, v in entries)


def parse(blob: bytes) -> Sealed:
    """Split a version-1 value into its parts, or raise :class:`Malformed`.

    Only the lengths are checked here: the key ARN is read (and checked) when
    asked for, since a value whose header is already known needs no more.
    """
    if len(blob) < MIN_SIZE:
        raise Malformed("too short")
    offset = 1
    for name in ("key ARN", "wrapped key"):
        (length,) = _LENGTH.unpack_from(blob, offset)
        offset += 2 + length
        if not length or offset + NONCE_SIZE + TAG_SIZE > len(blob):
            raise Malformed(f"its {name} length does not fit")
    return Sealed(
        header=blob[:offset],
        wrapped_key=blob[offset - length : offset],
        nonce=blob[offset : offset + NONCE_SIZE],
        sealed=memoryview(blob)[offset + NONCE_SIZE :],
    )


def bound_prefix(place: bytes) -> bytes:
    """The prefix of a version-2 value bound to ``place``."""
    return bytes([BOUND_VERSION]) + _field(place)


def split_bound(blob: bytes) -> tuple[bytes, bytes]:
    """``(prefix, version-1 value)`` of a version-2 value, or :class:`Malformed`."""
    if len(blob) < 3:
        raise Malformed("too short")
    end = 3 + _LENGTH.unpack_from(blob, 1)[0]
    if len(blob) < end + MIN_SIZE:
        raise Malformed("its place length does not fit")
    return blob[:end], blob[end:]
