"""Keys: one primary key that encrypts, fallback keys that only decrypt.

Every key has a kind. A **secret** key is material (a passphrase or a
generated random string, which each codec turns into key bytes its own way, or
raw bytes). A **reference** names a key held by a service (an AWS KMS key ARN):
it is public, and nothing is ever derived from it. A codec declares the kind it
takes ([`Codec.key_kind`][inngest_codecs.Codec]); a str or bytes given in
configuration is of the kind of the codec it is given to, and
[`Key.secret`][inngest_codecs.Key.secret] or [`Key.reference`][inngest_codecs.Key.reference]
say it explicitly (a local fallback key beside a KMS key, for example).

Secret string keys are trimmed the way JavaScript's ``String.prototype.trim``
does, as the TypeScript middleware does; when trimming changed a key, the
untrimmed form is kept as an extra decryption candidate, so data written by
tools that did not trim still opens.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

try:  # hashlib's blake2b, without hashlib loading OpenSSL (about 2 ms of cold start)
    from _blake2 import blake2b
except ImportError:  # an interpreter without the module
    from hashlib import blake2b

from .errors import KeyConfigError

KeyKind = Literal["secret", "reference"]
"""What a key is: secret material, or a reference to a key held by a service."""
SECRET: KeyKind = "secret"
REFERENCE: KeyKind = "reference"


_JS_WHITESPACE = (
    "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
    "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
)


class Key:
    """One key of a kind. ``material`` is the UTF-8 of a string key, or the raw bytes given.

    ``fingerprint`` is a short one-way digest of the key, safe to print. What a
    codec calls a key (its *key id*, written in envelopes and messages) is
    [`Codec.key_id`][inngest_codecs.Codec.key_id]: the fingerprint, unless the
    codec's format has ids of its own.
    """

    # A plain class rather than a dataclass: building dataclasses at import
    # time is a measurable share of a serverless cold start.
    __slots__ = ("fingerprint", "is_text", "kind", "material")

    def __init__(self, material: bytes, is_text: bool, kind: KeyKind = SECRET) -> None:
        self.material = material
        self.is_text = is_text
        self.kind = kind
        digest = blake2b(material, digest_size=4, person=b"inngest-codecs")
        self.fingerprint = digest.hexdigest()

    @classmethod
    def secret(cls, key: str | bytes) -> Key:
        """A secret key (trimmed, if a str), whatever the codec it is given to."""
        return _parse_one(key, "key", SECRET)[0]

    @classmethod
    def reference(cls, key: str) -> Key:
        """A reference to a key held by a service, such as an AWS KMS key ARN."""
        if not isinstance(key, str):
            raise KeyConfigError(f"a key reference must be a str, not {type(key).__name__}")
        return _parse_one(key, "key reference", REFERENCE)[0]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Key):
            return NotImplemented
        mine = (self.material, self.is_text, self.kind)
        return mine == (other.material, other.is_text, other.kind)

    def __hash__(self) -> int:
        return hash((self.material, self.is_text, self.kind))

    def __repr__(self) -> str:
        return f"Key({self.kind}, fingerprint={self.fingerprint})"


KeyInput = str | bytes | Key
"""A single key as a user supplies it (a str or bytes takes the kind of its codec)."""


def _parse_one(key: object, role: str, kind: KeyKind) -> list[Key]:
    """The key itself, then (a secret str) its untrimmed form when trimming changed it."""
    if isinstance(key, Key):
        return [key]
    if isinstance(key, str):
        trimmed = key.strip(_JS_WHITESPACE)
        if not trimmed:
            raise KeyConfigError(f"the {role} is empty")
        try:
            keys = [Key(trimmed.encode("utf-8"), True, kind)]
            if trimmed != key and kind == SECRET:
                keys.append(Key(key.encode("utf-8"), True, kind))
        except UnicodeEncodeError:
            raise KeyConfigError(
                f"the {role} is not valid Unicode text (a lone surrogate, "
                "as bytes that are not UTF-8 become)"
            ) from None
        return keys
    if isinstance(key, bytes):
        if not key:
            raise KeyConfigError(f"the {role} is empty")
        if kind == REFERENCE:
            raise KeyConfigError(f"the {role} is a key reference, which is a str, not bytes")
        return [Key(key, False, kind)]
    if key is None:
        raise KeyConfigError(f"the {role} is missing")
    raise KeyConfigError(f"the {role} must be str, bytes or a Key, not {type(key).__name__}")


def _as_list(keys: object, role: str) -> list[object]:
    """One key, or a list or tuple of keys; anything else is a configuration mistake.

    Sets and mappings are refused: a set has no stable order (the primary key
    would change with ``PYTHONHASHSEED``), and iterating a mapping yields its
    key names, not its values.
    """
    if keys is None:
        return []
    if isinstance(keys, (str, bytes, Key)):
        return [keys]
    if isinstance(keys, (list, tuple)):
        return list(keys)
    raise KeyConfigError(
        f"{role} must be str, bytes, a Key, or a list or tuple of them, not {type(keys).__name__}"
    )


def parse_keys(keys: object, kind: KeyKind, role: str) -> tuple[Key, ...]:
    """Every key of ``keys`` (one key, or a list or tuple), str and bytes taken as ``kind``."""
    found: list[Key] = []
    for index, key in enumerate(_as_list(keys, role), start=1):
        found.extend(_parse_one(key, f"{role} #{index}", kind))
    return tuple(dict.fromkeys(found))


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
        key: object,
        fallback_keys: object = (),
        *,
        kind: KeyKind = SECRET,
    ) -> KeySet:
        """Accept what ``inngest_encryption`` and the TypeScript middleware accept.

        ``key`` is one key, or a list whose first item is the primary key and
        whose other items are fallbacks (the TypeScript form). ``fallback_keys``
        is ``None``, one key, or a list or tuple of keys. Keys are ``str``,
        ``bytes`` (both of the kind ``kind``) or [`Key`][inngest_codecs.Key]
        objects; anything else is a [`KeyConfigError`][] naming the type. The
        primary key must be of the kind ``kind``.
        """
        given = _as_list(key, "the encryption key")
        if not given:
            raise KeyConfigError("the encryption key is missing")
        primary_forms = _parse_one(given[0], "encryption key", kind)
        if primary_forms[0].kind != kind:
            raise KeyConfigError(
                f"the encryption key is a {primary_forms[0].kind} key; this codec takes a {kind}"
            )
        candidates = list(primary_forms)
        extras = [*given[1:], *_as_list(fallback_keys, "the fallback keys")]
        for index, extra in enumerate(extras, start=1):
            candidates.extend(_parse_one(extra, f"fallback key #{index}", kind))
        unique = tuple(dict.fromkeys(candidates))
        return cls(primary=primary_forms[0], decryption_keys=unique)

    def of_kind(self, kind: KeyKind, keep: Callable[[Key], bool] | None = None) -> KeySet | None:
        """The keys of ``kind`` (each passing ``keep``, a predicate), or None if there are none.

        The first of them is the primary key of the result.
        """
        chosen = tuple(
            k for k in self.decryption_keys if k.kind == kind and (keep is None or keep(k))
        )
        return KeySet(chosen[0], chosen) if chosen else None

    @property
    def fingerprints(self) -> tuple[str, ...]:
        return tuple(k.fingerprint for k in self.decryption_keys)

    def __repr__(self) -> str:
        return f"KeySet(primary={self.primary.fingerprint}, keys={len(self.decryption_keys)})"
