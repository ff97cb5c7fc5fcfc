"""Keys per tenant, chosen above the codecs, and crypto-shredding.

A multi-tenant service gives each customer a key of their own: a local key or
a key held by a service (``codec="aws-kms"``). Every value written for a tenant
is encrypted under that tenant's keys, and its envelope names the key that wrote
it, by key id (``"__KEY__"``), never the key. Codecs still see one key set each:
a tenant is just another `Encryptor`.

Erasing a tenant's data is removing its key: everything written under it can no
longer be opened. Listing the key's id in ``revoked_key_ids`` makes the refusal
final (`KeyRevokedError`), so runs that still hold such values end at once
instead of being retried in the hope a key comes back.

A tenant key is given as a key (``"k"``, or ``["new", "old"]``) or as a mapping
with ``key`` and, optionally, ``fallback_keys``, ``codec`` and ``codec_options``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .errors import DecryptionError, KeyConfigError, KeyRevokedError

TenantFrom = str | Callable[[Any], object]
"""Where a tenant id is read: a dotted path into an event (``"data.tenant_id"``) or a
function of the event."""

_SPEC_FIELDS = frozenset({"key", "fallback_keys", "codec", "codec_options"})


def tenant_spec(tenant: str, spec: object) -> dict[str, Any]:
    """The Encryptor arguments of one tenant's key, checked (messages name the tenant)."""
    if not isinstance(spec, Mapping):
        return {"key": spec}
    unknown = set(spec) - _SPEC_FIELDS
    if unknown:
        raise KeyConfigError(
            f"tenant {tenant!r}: unknown key setting(s) {sorted(map(str, unknown))}; "
            f"a tenant key takes {', '.join(sorted(_SPEC_FIELDS))}"
        )
    if "key" not in spec:
        raise KeyConfigError(f"tenant {tenant!r}: the key is missing")
    given = dict(spec)
    options = given.pop("codec_options", None) or {}
    if not isinstance(options, Mapping):
        raise KeyConfigError(f"tenant {tenant!r}: codec_options must be a mapping")
    return {**given, **options}


def check_tenant_keys(tenant_keys: object) -> dict[str, object]:
    """A mapping of tenant ids (str) to key specs; anything else is a KeyConfigError."""
    if not isinstance(tenant_keys, Mapping):
        raise KeyConfigError(
            f"tenant_keys must map tenant ids to keys, not {type(tenant_keys).__name__}"
        )
    for tenant in tenant_keys:
        if not isinstance(tenant, str) or not tenant:
            raise KeyConfigError("tenant_keys: every tenant id must be a non-empty str")
    return dict(tenant_keys)


def tenant_of(event: object, source: TenantFrom | None) -> str | None:
    """The tenant id an event names, or ``None`` when it names none.

    A dotted path is followed through attributes (an ``inngest.Event``) and mapping
    keys; the tenant id must sit in a plain (unencrypted) field, since it is read
    before anything is decrypted.
    """
    if source is None:
        return None
    if callable(source):
        found = source(event)
    else:
        found = event
        for part in source.split("."):
            found = found.get(part) if isinstance(found, Mapping) else getattr(found, part, None)
            if found is None:
                return None
    if isinstance(found, bool) or not isinstance(found, (str, int)):
        return None
    return str(found)


def check_key_id(key_id: object, own: frozenset[str], revoked: frozenset[str]) -> None:
    """Refuse, by key id, a value written under a key these keys do not hold."""
    if key_id in own:
        return
    if not isinstance(key_id, str) or len(key_id) > 512:
        raise DecryptionError("malformed envelope: __KEY__ is not a key id", permanent=True)
    if key_id in revoked:
        raise KeyRevokedError(
            f"written under key id {key_id!a}, which is revoked: the value is erased",
            permanent=True,
            key_ids=sorted(own),
        )
    raise DecryptionError(
        f"written under key id {key_id!a}, which is not configured here (unknown, or removed "
        "from the configuration)",
        key_ids=sorted(own),
    )
