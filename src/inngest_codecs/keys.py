"""Key material: one primary key that encrypts, fallback keys that only decrypt.

A key is either a string (the usual case: a passphrase or a generated random
string, which each codec turns into key bytes its own way) or raw bytes.
String keys are trimmed the way JavaScript's ``String.prototype.trim`` does, as
the TypeScript middleware does; when trimming changed a key, the untrimmed form
is kept as an extra decryption candidate, so data written by tools that did not
trim still opens.
"""

from __future__ import annotations

from collections.abc import Sequence

try:  # hashlib's blake2b, without hashlib loading OpenSSL (about 2 ms of cold start)
    from _blake2 import blake2b
except ImportError:  # an interpreter without the module
    from hashlib import blake2b

from .errors import KeyConfigError

KeyInput = str | bytes
"""A single key as a user supplies it."""

_JS_WHITESPACE = (
    "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
    "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
)


class Key:
    """One key. ``material`` is the UTF-8 of a string key, or the raw bytes given.

    ``key_id`` is a short one-way fingerprint, safe to print.
    """

    # A plain class rather than a dataclass: building dataclasses at import
    # time is a measurable share of a serverless cold start.
    __slots__ = ("is_text", "key_id", "material")

    def __init__(self, material: bytes, is_text: bool) -> None:
        self.material = material
        self.is_text = is_text
        digest = blake2b(material, digest_size=4, person=b"inngest-codecs")
        self.key_id = digest.hexdigest()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Key):
            return NotImplemented
        return (self.material, self.is_text) == (other.material, other.is_text)

    def __hash__(self) -> int:
        return hash((self.material, self.is_text))

    def __repr__(self) -> str:
        return f"Key(id={self.key_id})"


def _parse_one(key: object, role: str) -> list[Key]:
    """The key itself, then its untrimmed form when trimming changed it."""
    if isinstance(key, str):
        trimmed = key.strip(_JS_WHITESPACE)
        if not trimmed:
            raise KeyConfigError(f"the {role} is empty")
        try:
            keys = [Key(trimmed.encode("utf-8"), True)]
            if trimmed != key:
                keys.append(Key(key.encode("utf-8"), True))
        except UnicodeEncodeError:
            raise KeyConfigError(
                f"the {role} is not valid Unicode text (a lone surrogate, "
                "as bytes that are not UTF-8 become)"
            ) from None
        return keys
    if isinstance(key, bytes):
        if not key:
            raise KeyConfigError(f"the {role} is empty")
        return [Key(key, False)]
    if key is None:
        raise KeyConfigError(f"the {role} is missing")
    raise KeyConfigError(f"the {role} must be str or bytes, not {type(key).__name__}")


def _as_list(keys: object, role: str) -> list[object]:
    """One key, or a list or tuple of keys; anything else is a configuration mistake.

    Sets and mappings are refused: a set has no stable order (the primary key
    would change with ``PYTHONHASHSEED``), and iterating a mapping yields its
    key names, not its values.
    """
    if keys is None:
        return []
    if isinstance(keys, (str, bytes)):
        return [keys]
    if isinstance(keys, (list, tuple)):
        return list(keys)
    raise KeyConfigError(
        f"{role} must be str, bytes, or a list or tuple of them, not {type(keys).__name__}"
    )


class KeySet:
    """The keys a codec works with.

    ``primary`` encrypts. ``decryption_keys`` is every key worth trying, in
    order: the primary key, its untrimmed form if any, then each fallback key
    followed by its untrimmed form.
    """

    __slots__ = ("decryption_keys", "primary")

    def __init__(self, primary: Key, decryption_keys: tuple[Key, ...]) -> None:
        self.primary = primary
        self.decryption_keys = decryption_keys

    @classmethod
    def build(
        cls,
        key: KeyInput | Sequence[KeyInput] | None,
        fallback_keys: KeyInput | Sequence[KeyInput] | None = (),
    ) -> KeySet:
        """Accept what ``inngest_encryption`` and the TypeScript middleware accept.

        ``key`` is one key, or a list whose first item is the primary key and
        whose other items are fallbacks (the TypeScript form). ``fallback_keys``
        is ``None``, one key, or a list or tuple of keys. Keys are ``str`` or
        ``bytes``; anything else is a [`KeyConfigError`][] naming the type.
        """
        given = _as_list(key, "the encryption key")
        if not given:
            raise KeyConfigError("the encryption key is missing")
        primary_forms = _parse_one(given[0], "encryption key")
        candidates = list(primary_forms)
        extras = [*given[1:], *_as_list(fallback_keys, "the fallback keys")]
        for index, extra in enumerate(extras, start=1):
            candidates.extend(_parse_one(extra, f"fallback key #{index}"))
        unique = tuple(dict.fromkeys(candidates))
        return cls(primary=primary_forms[0], decryption_keys=unique)

    @property
    def key_ids(self) -> tuple[str, ...]:
        return tuple(k.key_id for k in self.decryption_keys)

    def __repr__(self) -> str:
        return f"KeySet(primary={self.primary.key_id}, keys={len(self.decryption_keys)})"
