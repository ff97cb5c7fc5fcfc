"""The Codec protocol: bytes in, bytes out, under a set of keys.

**Writing a codec.** Subclass [`Codec`][], set the two class attributes and implement the two
methods, then declare the class in your distribution's metadata under the
entry-point group ``inngest_codecs.codecs``:

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
- The constructor receives a [`KeySet`][] and the
  codec-specific keyword options a user passed; reject unknown options and
  unusable keys with [`KeyConfigError`][].
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
- Codecs never see JSON or envelopes, and no message they raise contains a
  key, a plaintext or a ciphertext.
"""

from __future__ import annotations

import abc
from typing import Any, ClassVar

from .errors import DecryptionError
from .keys import KeySet


class Codec(abc.ABC):
    """An authenticated encryption scheme bound to a key set."""

    name: ClassVar[str]
    strategy: str
    opens: ClassVar[tuple[str, ...]] = ()
    authenticated: ClassVar[bool] = True
    does_io: ClassVar[bool] = False

    def __init__(self, keys: KeySet, **options: Any) -> None:
        if options:
            raise TypeError(f"codec {self.name!r} takes no option(s) {sorted(options)}")
        self.keys = keys

    @abc.abstractmethod
    def encrypt(self, plaintext: bytes) -> bytes:
        """Encrypt under the primary key."""

    @abc.abstractmethod
    def decrypt(self, ciphertext: bytes) -> bytes:
        """Decrypt with the first key that opens ``ciphertext``."""

    @property
    def key_ids(self) -> tuple[str, ...]:
        """Short one-way identifiers of the decryption keys, for messages."""
        return self.keys.key_ids

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

    @classmethod
    def key_id_of(cls, ciphertext: bytes) -> str | None:
        """The key id a ciphertext names, for formats that carry one (no key needed)."""
        return None

    @classmethod
    def generate_key(cls) -> str:
        """A new random key string suitable for this codec (256 bits)."""
        import secrets  # here, not at the top: importing it costs a cold start milliseconds

        return secrets.token_urlsafe(32)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name!r} keys={self.keys!r}>"
