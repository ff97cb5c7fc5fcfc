"""The Store protocol: where claim-checked values wait while Inngest holds their reference.

**Writing a store.** Subclass [`Store`][], set ``name`` and implement three methods, then
declare the class in your distribution's metadata under the entry-point group
``inngest_codecs.stores``:

```toml
[project.entry-points."inngest_codecs.stores"]
gs = "my_package.store:GcsStore"
```

The entry-point name must equal ``name``; it is also the scheme of the store's
URL (``gs://bucket/prefix``), which is how users select it. The contract:

- Objects are named by the framework: 64 lowercase hex digits, the SHA-256 of
  their bytes. A name never holds two different contents, so ``put`` of a name
  that exists may overwrite it or keep it.
- Objects hold ciphertext only; the framework checks every object it reads
  against its digest, so a store need not check integrity itself.
- ``get(name, size)`` is told the size the encrypted reference records and reads
  at most ``size + 1`` bytes, whatever the store holds: an object that was
  replaced by a larger one (or by something endless) is refused as altered, not
  read whole. It raises
  [`StoredObjectMissingError`][inngest_codecs.errors.StoredObjectMissingError] when
  there is no such object.
- Both methods raise [`StoreError`][inngest_codecs.errors.StoreError] for anything
  else that goes wrong (unreachable, refused, timed out, its root or bucket gone):
  it lets the run retry. Network calls have timeouts of their own, so a store
  that hangs fails a call instead of holding it. Messages name the store and the
  object, never its bytes.
- Methods may be called from several threads at once.
"""

from __future__ import annotations

import abc
from typing import ClassVar


class Store(abc.ABC):
    """An object store for values too large to travel through Inngest."""

    name: ClassVar[str]
    does_io: ClassVar[bool] = True
    """Stores wait on a disk or the network: in async apps they run off the event loop."""

    @classmethod
    @abc.abstractmethod
    def from_url(cls, url: str) -> Store:
        """The store a URL describes (its scheme is `name`)."""

    @abc.abstractmethod
    def put(self, name: str, data: bytes) -> None:
        """Store ``data`` as the object ``name``."""

    @abc.abstractmethod
    def get(self, name: str, size: int) -> bytes:
        """The bytes of the object ``name``, which should be ``size`` long: at most ``size + 1``."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name!r}>"
