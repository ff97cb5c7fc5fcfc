"""Blind indexes: a keyed tag of an encrypted value, equal for equal values.

Flow control (concurrency, throttle, idempotency, ``wait_for_event`` matches) needs a
value Inngest can compare. A blind index gives it one without the value: the tag is
HMAC-SHA-256 of the value under a key derived for that index alone, so it is equal for
equal values and tells nothing else to whoever lacks the key. The derivation, byte by
byte (docs/format.md):

- index key = HKDF-SHA-256 (RFC 5869) with salt empty (32 zero bytes), input key
  material the key's bytes (the UTF-8 of a trimmed string key, or raw bytes), info
  ``LABEL`` + 0x00 + the index name (UTF-8) [+ 0x00 + the tenant id (UTF-8)], 32 bytes.
- value = the normalised value as JSON text in UTF-8 (``JSON.stringify`` of a string
  or a safe integer), so the string ``"1"`` and the number ``1`` differ.
- tag = base64url, unpadded, of HMAC-SHA-256(index key, value), cut to ``bytes``.

No value (missing, ``null``, or text empty after normalising) gives no tag, never the
tag of an empty string.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from typing import Any

from .errors import ConfigError, EncodingError
from .keys import _JS_WHITESPACE, KeyInput, KeySet

LABEL = b"inngest-codecs/blind-index/v1"
FULL_BYTES = 32
MIN_BYTES = 16
MAX_SAFE_INTEGER = 2**53 - 1
_NAMED = frozenset({"trim", "lower", "digits"})
_NAME = re.compile(r"[A-Za-z0-9_.-]{1,64}")
_LAST = re.compile(r"last:([1-9][0-9]{0,3})")

Normalizer = tuple[str, ...] | Callable[[Any], Any]
"""Named steps applied in order (``("trim", "lower")``), or, in Python, a function."""


def derive_key(material: bytes, name: str, tenant: str | None = None) -> bytes:
    """The index key of ``name`` (and ``tenant``) from a key's bytes: HKDF-SHA-256.

    cryptography's HKDF and HMAC rather than ``hmac``, whose import loads OpenSSL's
    hashlib (about 8 ms of cold start; see the aes-gcm codec), and only when a tag is
    made: the settings read this module whether or not indexes are configured.
    """
    from cryptography.hazmat.primitives.hashes import SHA256
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    info = LABEL + b"\0" + name.encode("utf-8")
    if tenant is not None:
        info += b"\0" + tenant.encode("utf-8")
    return HKDF(SHA256(), FULL_BYTES, None, info).derive(material)


def apply_normalizer(value: Any, steps: Normalizer, where: str = "the value") -> Any:
    """``value`` after the normaliser. Named steps read text; a whole number becomes
    its decimal text first."""
    if callable(steps):
        return steps(value)
    for step in steps:
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(int(value))  # an IntEnum prints its name otherwise
        if not isinstance(value, str):
            raise EncodingError(f"{where}: {type(value).__name__} cannot be normalised")
        if step == "trim":
            value = value.strip(_JS_WHITESPACE)
        elif step == "lower":
            value = value.lower()
        elif step == "digits":
            value = "".join(c for c in value if "0" <= c <= "9")
        else:
            value = value[-int(step[5:]) :]
    return value


def canonical(value: Any, where: str = "the value") -> bytes | None:
    """The bytes a tag is computed over, or ``None`` for no value."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            return json.dumps(value, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise EncodingError(f"{where} is not valid Unicode text") from None
    if isinstance(value, int) and not isinstance(value, bool):
        if abs(value) > MAX_SAFE_INTEGER:
            raise EncodingError(f"{where} is an integer beyond 2**53 - 1, which JSON may round")
        return str(int(value)).encode("ascii")
    raise EncodingError(f"{where} is {type(value).__name__}; an index takes text or an integer")


def tag(
    index_key: bytes, value: Any, length: int = FULL_BYTES, where: str = "the value"
) -> str | None:
    """The tag of an already normalised value, or ``None`` for no value."""
    from cryptography.hazmat.primitives.hashes import SHA256  # see derive_key
    from cryptography.hazmat.primitives.hmac import HMAC

    message = canonical(value, where)
    if message is None:
        return None
    mac = HMAC(index_key, SHA256())
    mac.update(message)
    digest = mac.finalize()[:length]
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def blind_index(
    key: KeyInput,
    name: str,
    value: Any,
    *,
    tenant: str | None = None,
    normalize: object = (),
    length: int = FULL_BYTES,
) -> str | None:
    """The tag the middleware writes for ``value`` under index ``name``.

    ``key`` is the key the index derives from (``index_key``, or the encryption key),
    as configured: a string key is trimmed as the codecs trim it.
    """
    material = KeySet.build(key).primary.material
    normalized = apply_normalizer(value, parse_normalizer(normalize, "normalize"))
    index_key = derive_key(material, check_name(name), tenant)
    return tag(index_key, normalized, check_length(length, "length"))


def check_name(name: object) -> str:
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise ConfigError(
            "an index name is 1 to 64 letters, digits, '_', '.' or '-' (it labels the key)"
        )
    return name


def check_length(length: object, where: str) -> int:
    if isinstance(length, bool) or not isinstance(length, int):
        length = -1
    if not MIN_BYTES <= length <= FULL_BYTES:
        raise ConfigError(f"{where} must be a whole number from 16 to 32")
    return length


def parse_normalizer(value: object, where: str) -> Normalizer:
    """Named steps as a list, or comma-separated text; or a function."""
    if callable(value):
        return value
    steps = value.split(",") if isinstance(value, str) else value
    if not isinstance(steps, (list, tuple)) or not all(isinstance(s, str) for s in steps):
        raise ConfigError(f"{where} must be a list of normaliser names, or a function")
    steps = tuple(s.strip() for s in steps if s.strip())
    for step in steps:
        if step not in _NAMED and not _LAST.fullmatch(step):
            raise ConfigError(
                f"{where}: unknown normaliser {step!r}; known: trim, lower, digits, last:N"
            )
    return steps
