"""The Codec protocol: bytes in, bytes out, under a set of keys.

**Writing a codec.** Subclass [`Codec`][], set the two class attributes and implement the two
methods. Then either pass an instance to [`Encryptor`][inngest_codecs.Encryptor]
(``Encryptor(MyCodec(...))``), register the class in-process with
[`register_codec`][inngest_codecs.register_codec], or declare it in your
distribution's metadata under the entry-point group ``inngest_codecs.codecs``:

```toml
[project.entry-points."inngest_codecs.codecs"]
my-codec = "my_package.codec:MyCodec"
```

The entry-point name must equal ``name``. The contract:

- ``name`` is what users write in configuration (``codec="my-codec"``).
- ``strategy`` is written into every envelope the codec makes. It must be
  globally unique (prefix it with your organisation) and must never change:
  it is how stored data finds its codec years later.
- ``opens`` lists further strategies the codec can decrypt (older formats).
- ``authenticated`` is ``False`` only for formats that cannot detect altered
  data (legacy formats kept for migration).
- ``does_io`` is ``True`` for codecs that may wait on the network or disk (a key
  service): in async apps the middleware then runs them off the event loop.
- ``key_kind`` is the kind of key the codec takes: ``"secret"`` (key material,
  the default) or ``"reference"`` (the id of a key held by a service, such as a
  KMS key ARN). The codec only ever receives keys of its kind.
- The constructor receives a [`KeySet`][] and the codec-specific keyword
  options a user passed (``codec_options``); the base class refuses options
  the constructor does not take with a [`ConfigError`][inngest_codecs.ConfigError]
  naming the closest one. Refuse unusable keys with [`KeyConfigError`][].
- ``encrypt`` always uses ``keys.primary`` and must never produce the same
  output twice for the same input (random nonces).
- ``decrypt`` tries ``keys.decryption_keys`` and raises
  [`DecryptionError`][] when none opens the data or it
  was altered. It must raise nothing else for any input, however malformed.
  Pass ``permanent=True`` to [`Codec.failure`][] only when no key could ever
  open the bytes (too short, altered under a configured key): the middleware
  ends the run then, and retries otherwise, so a missing key can be added.
- ``encrypt`` raises [`EncryptionError`][inngest_codecs.errors.EncryptionError] when it
  cannot encrypt right now (a key service is down); nothing is sent then.
- ``binds_associated_data`` is ``True`` for codecs that authenticate a value's
  place (see `inngest_codecs.place`). Only those are called with the keyword
  ``associated_data`` (bytes, or ``None`` for no place):
  ``encrypt(plaintext, associated_data=...)`` writes it into the value, and
  ``decrypt(ciphertext, associated_data=...)`` refuses a value written for other
  associated data with [`Codec.misplaced`][] (a value written without any opens
  anywhere: data from before binding). ``None`` on decrypt checks nothing.
- Codecs never see JSON or envelopes, and no message they raise contains a
  key, a plaintext or a ciphertext.
"""

from __future__ import annotations

import abc
from collections.abc import Mapping
from typing import Any, ClassVar

from .errors import ConfigError, DecryptionError, MisplacedValueError
from .keys import SECRET, Key, KeyKind, KeySet
from .place import describe


class Codec(abc.ABC):
    """An authenticated encryption scheme bound to a key set."""

    name: ClassVar[str]
    strategy: str
    opens: ClassVar[tuple[str, ...]] = ()
    authenticated: ClassVar[bool] = True
    key_kind: ClassVar[KeyKind] = SECRET
    binds_associated_data: ClassVar[bool] = False
    does_io: ClassVar[bool] = False

    def __init__(self, keys: KeySet, **options: Any) -> None:
        if options:
            raise ConfigError(_unknown_options(type(self), sorted(options)))
        self.keys = keys

    @abc.abstractmethod
    def encrypt(self, plaintext: bytes) -> bytes:
        """Encrypt under the primary key."""

    @abc.abstractmethod
    def decrypt(self, ciphertext: bytes) -> bytes:
        """Decrypt with the first key that opens ``ciphertext``."""

    @classmethod
    def with_options(cls, keys: KeySet, options: Mapping[str, Any]) -> Codec:
        """An instance for ``keys``; an option the constructor does not take is a
        [`ConfigError`][inngest_codecs.ConfigError] naming the closest one."""
        taken = _option_names(cls)
        if taken is not None:
            unknown = sorted(set(options) - set(taken))
            if unknown:
                raise ConfigError(_unknown_options(cls, unknown))
        return cls(keys, **options)

    @classmethod
    def key_id(cls, key: Key) -> str:
        """What this codec calls ``key`` in envelopes and messages (no secret in it).

        The key's fingerprint, unless the codec's format has ids of its own.
        """
        return key.fingerprint

    @property
    def key_ids(self) -> tuple[str, ...]:
        """The key ids of the decryption keys, primary first, for messages."""
        return tuple(self.key_id(key) for key in self.keys.decryption_keys)

    def failure(
        self, message: str = "no configured key opens this value", *, permanent: bool = False
    ) -> DecryptionError:
        """A [`DecryptionError`][] that reports what this codec tried.

        ``permanent=True`` says no configuration could ever open the value
        (malformed, or altered under a configured key).
        """
        return DecryptionError(
            message,
            strategy=self.strategy,
            keys_tried=len(self.keys.decryption_keys),
            key_ids=self.key_ids,
            permanent=permanent,
        )

    def misplaced(self, written: bytes, expected: bytes) -> MisplacedValueError:
        """The error for a value written for ``written`` and opened as ``expected``."""
        return MisplacedValueError(
            describe(written), describe(expected), written_data=written, strategy=self.strategy
        )

    @classmethod
    def key_id_of(cls, ciphertext: bytes) -> str | None:
        """The key id a ciphertext names, for formats that carry one (no key needed)."""
        return None

    @classmethod
    def generate_key(cls) -> str:
        """A new random key for this codec: ``<name>:`` then 256 random bits in base64url.

        The name says which codec the key was made for (settings that name no
        codec use it), and keeps the key from starting with ``-``, which a
        command line would read as a flag. Codecs whose keys live in a key
        service raise [`KeyConfigError`][] saying where keys come from.
        """
        import secrets  # here, not at the top: importing it costs a cold start milliseconds

        return f"{cls.name}:{secrets.token_urlsafe(32)}"

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name!r} keys={self.keys!r}>"


def _option_names(codec: type[Codec], *, named_only: bool = False) -> list[str] | None:
    """The keyword options a codec's constructor names; None when it also takes any other
    (``**options``, passed on to this class, which refuses them), unless ``named_only``."""
    import inspect

    parameters = list(inspect.signature(codec.__init__).parameters.values())
    takes_any = any(p.kind is p.VAR_KEYWORD for p in parameters)
    if takes_any and codec.__init__ is not Codec.__init__ and not named_only:
        return None
    kinds = (inspect.Parameter.KEYWORD_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return [p.name for p in parameters if p.kind in kinds and p.name not in ("self", "keys")]


def _unknown_options(codec: type[Codec], given: list[str]) -> str:
    import difflib  # only when an option is wrong

    taken = _option_names(codec, named_only=True) or []
    hints = []
    for name in given:
        close = difflib.get_close_matches(name, taken, n=1, cutoff=0.6)
        hints.append(f"{name!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
    offered = f"it takes {', '.join(taken)}" if taken else "it takes none"
    return f"codec {codec.name!r} has no option {', '.join(hints)}; {offered}"


def encrypt_at(codec: Codec, plaintext: bytes, associated_data: bytes | None) -> bytes:
    """``codec.encrypt``, bound to ``associated_data`` when the codec carries it."""
    if associated_data is None or not codec.binds_associated_data:
        return codec.encrypt(plaintext)
    return codec.encrypt(plaintext, associated_data=associated_data)  # type: ignore[call-arg]


def decrypt_at(opener: object, ciphertext: bytes, associated_data: bytes | None) -> bytes:
    """``opener.decrypt``, checking ``associated_data`` when the opener carries it."""
    decrypt: Any = opener.decrypt  # type: ignore[attr-defined]
    if associated_data is None or not getattr(opener, "binds_associated_data", False):
        return decrypt(ciphertext)  # type: ignore[no-any-return]
    return decrypt(ciphertext, associated_data=associated_data)  # type: ignore[no-any-return]
