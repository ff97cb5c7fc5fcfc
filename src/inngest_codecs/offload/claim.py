"""The claim check: the value's ciphertext in a store, an encrypted reference to it in Inngest.

The reference is the plaintext of an envelope whose strategy is the codec's
followed by ``+offload`` (``inngest/libsodium+offload``):

```text
0x00 || {"v":1,"store":"s3","sha256":"<64 hex>","size":1234,"strategy":"inngest/libsodium+zstd"}
```

The leading NUL byte is there because no JSON text starts with it: a reader
that ignores ``__STRATEGY__`` and parses whatever the codec opens (the
TypeScript package) fails instead of taking the reference for the value. The
object is named by ``sha256``, the digest of its bytes, which are the codec's
output for the value under ``strategy`` (never itself a claim check).
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import NamedTuple

from .. import telemetry
from ..errors import DecryptionError, StoredObjectAlteredError, StoreError
from .store import Store

MARK = b"\x00"
VERSION = 1
_DIGEST = re.compile(r"[0-9a-f]{64}\Z")


class Reference(NamedTuple):
    """Where a value waits, and how to check and open it."""

    store: str
    sha256: str
    size: int
    strategy: str

    def to_bytes(self) -> bytes:
        fields = {"v": VERSION, **self._asdict()}
        return MARK + json.dumps(fields, separators=(",", ":")).encode("ascii")

    @classmethod
    def from_bytes(cls, plaintext: bytes, strategy: str) -> Reference:
        """The reference in an opened claim check, or a permanent [`DecryptionError`][]."""
        try:
            if not plaintext.startswith(MARK):
                raise ValueError
            fields = json.loads(plaintext[len(MARK) :])
            reference = cls(
                store=fields["store"],
                sha256=fields["sha256"],
                size=fields["size"],
                strategy=fields["strategy"],
            )
            valid = (
                fields["v"] == VERSION
                and isinstance(reference.store, str)
                and isinstance(reference.sha256, str)
                and _DIGEST.match(reference.sha256) is not None
                and type(reference.size) is int
                and reference.size >= 0
                and isinstance(reference.strategy, str)
            )
        except (ValueError, TypeError, KeyError, RecursionError):
            valid = False
        if not valid:
            raise DecryptionError(
                "claim check holds no valid reference", strategy=strategy, permanent=True
            )
        return reference


def check_in(store: Store, blob: bytes, strategy: str) -> Reference:
    """Put ``blob`` (codec bytes under ``strategy``) in ``store``; its reference."""
    digest = hashlib.sha256(blob).hexdigest()
    with telemetry.call("store", "put", store.name):
        store.put(digest, blob)
    return Reference(store=store.name, sha256=digest, size=len(blob), strategy=strategy)


def redeem(store: Store | None, reference: Reference) -> bytes:
    """The object ``reference`` names, read no further than its size, checked against its digest."""
    if store is None:
        raise StoreError(
            f"this value was offloaded to a {reference.store!r} store; set offload_store to read it"
        )
    with telemetry.call("store", "get", store.name):
        blob = store.get(reference.sha256, reference.size)
    if len(blob) != reference.size or hashlib.sha256(blob).hexdigest() != reference.sha256:
        raise StoredObjectAlteredError(
            f"object {reference.sha256} in the {store.name!r} store does not match its digest",
            strategy=reference.strategy,
            permanent=True,
        )
    return blob
