"""What can be told about a key without using it: the codec it was made for, and its strength.

Generated keys ([`Codec.generate_key`][]) read ``<codec name>:<random>``, the
random part 256 bits in base64url (43 characters). The name says which codec
the key was made for, so settings that name no codec can use that one, and a
key never starts with ``-`` (where a command line would take it for a flag).

A key is weak when it holds fewer than 32 bytes of material (a short
passphrase), and too short for its codec when it spells fewer random bits than
the codec's key has: a generated key cut short, or a key of hex digits (``openssl
rand -hex 16`` gives 128 bits, not 256). Nothing here ever returns or quotes a key.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple

from . import registry
from .errors import CodecError
from .keys import SECRET

STRONG_BYTES = 32
"""Key material below this many bytes is flagged as weak."""
CODEC_BITS = 256
"""Bits of key the built-in codecs need (both use 256-bit keys)."""

_GENERATED = re.compile(r"(?P<codec>[a-z0-9][a-z0-9._-]*):(?P<random>[A-Za-z0-9_-]+)")
_RANDOM_CHARS = 43  # base64url of 32 bytes, without padding
_HEX = re.compile(r"(?:[0-9a-fA-F]{2})+")


def made_for(key: object) -> str | None:
    """The codec a generated key was made for (``None`` for any other key)."""
    if not isinstance(key, str):
        return None
    found = _GENERATED.fullmatch(key.strip())
    if found is None or len(found["random"]) != _RANDOM_CHARS:
        return None
    return found["codec"]


class Finding(NamedTuple):
    """One thing to say about a key: ``level`` is ``"warning"`` or ``"error"``."""

    level: str
    message: str


def key_bits(key: str | bytes) -> tuple[int, str]:
    """``(bits, how the key spells them)``: the most randomness the key can hold."""
    if isinstance(key, bytes):
        return 8 * len(key), "raw bytes"
    text = key.strip()
    generated = _GENERATED.fullmatch(text)
    if generated is not None and len(generated["random"]) <= _RANDOM_CHARS:
        return 6 * len(generated["random"]) // 8 * 8, f"a key generated for {generated['codec']}"
    if len(text) >= 16 and _HEX.fullmatch(text):
        return 4 * len(text), "hex digits"
    return 8 * len(text.encode("utf-8", "surrogatepass")), "text"


def check(key: str | bytes, role: str = "the key", codec_bits: int = CODEC_BITS) -> list[Finding]:
    """What is wrong with ``key`` for a codec of ``codec_bits``-bit keys (nothing: ``[]``)."""
    bits, spelled = key_bits(key)
    if spelled in ("text", "raw bytes"):
        if bits >= 8 * STRONG_BYTES:
            return []
        return [
            Finding(
                "warning",
                f"{role} is weak: {bits // 8} bytes of {spelled}, fewer than {STRONG_BYTES} "
                "(inngest-codecs keygen makes a strong one)",
            )
        ]
    if bits >= codec_bits:
        return []
    return [
        Finding(
            "error",
            f"{role} is too short: {spelled} giving {bits} bits, fewer than the {codec_bits} "
            "its codec needs (inngest-codecs keygen makes a full one)",
        )
    ]


def mismatch(key: object, codec: str, role: str = "the key") -> Finding | None:
    """A warning when a generated key was made for another codec than ``codec``."""
    wanted = made_for(key)
    if wanted is None or wanted == codec:
        return None
    return Finding(
        "warning",
        f"{role} was generated for {wanted} but the codec is {codec} "
        f"(set the codec to {wanted}, or make a key with keygen --codec {codec})",
    )


def holds_material(codec: str) -> bool:
    """Whether ``codec`` takes secret key material (not a reference to a key held by a
    key service)."""
    try:
        return registry.codec_class(codec).key_kind == SECRET
    except CodecError:  # no such codec installed: nothing to measure
        return False


def findings(key: object, fallback_keys: Sequence[object], codec: str) -> list[Finding]:
    """Everything `check` and `mismatch` find in the key and each fallback key."""
    found: list[Finding] = []
    if not holds_material(codec):
        return found
    roles = ["the key", *(f"fallback key #{i}" for i in range(1, len(fallback_keys) + 1))]
    for role, given in zip(roles, (key, *fallback_keys), strict=True):
        if isinstance(given, (str, bytes)):
            found += check(given, role)
        wrong = mismatch(given, codec, role)
        found += [wrong] if wrong else []
    return found
