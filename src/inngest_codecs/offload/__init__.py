"""The claim check: values too large for Inngest wait in an object store.

An Encryptor with ``offload_over=BYTES`` puts the ciphertext of every value
whose envelope would be larger than that in its ``offload_store``, and sends
a small envelope holding an encrypted reference and the digest instead. Stores
are found through the entry-point group ``inngest_codecs.stores``; this package
has a local-directory store (``file:///path``), ``inngest-codecs-s3`` adds S3.
"""

from __future__ import annotations

from .local import LocalDirectoryStore
from .registry import available_stores, open_store, store_class
from .store import Store

__all__ = ["LocalDirectoryStore", "Store", "available_stores", "open_store", "store_class"]
