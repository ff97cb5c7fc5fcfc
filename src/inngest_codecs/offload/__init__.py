"""The claim check: values too large for Inngest wait in an object store.

An Encryptor with ``offload_over=BYTES`` puts the ciphertext of every value
whose envelope would be larger than that in its ``offload_store``, and sends
a small envelope holding an encrypted reference and the digest instead. Stores
are found through the entry-point group ``inngest_codecs.stores`` (see
`inngest_codecs.registry`); this package has a local-directory store
(``file:///path``), ``inngest-codecs-s3`` adds S3.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .store import Store

if TYPE_CHECKING:
    from .local import LocalDirectoryStore


def __getattr__(name: str) -> object:
    # The local store imports pathlib and tempfile; most services never offload.
    if name == "LocalDirectoryStore":
        from .local import LocalDirectoryStore

        return LocalDirectoryStore
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["LocalDirectoryStore", "Store"]
