"""Keys per tenant, chosen above the codecs, and crypto-shredding.

A multi-tenant service gives each customer a key of their own: a local key or
a key held by a service (``codec="aws-kms"``). A [`TenantRouter`][] maps each
tenant id to the [`Encryptor`][inngest_codecs.Encryptor] of that tenant's keys;
the default Encryptor serves what names no tenant. Codecs still see one key set
each: a tenant is just another Encryptor.

The router fails closed: a tenant id with no key here is refused
([`UnknownTenantError`][inngest_codecs.UnknownTenantError]), never served by
the default key, unless ``unknown_tenants="default"`` says so explicitly. A
tenant listed in ``revoked_tenants`` is refused for good
([`TenantRevokedError`][inngest_codecs.TenantRevokedError]).

Erasing a tenant's data is removing its key: everything written under it can no
longer be opened. Listing the key's id in ``revoked_key_ids`` makes the refusal
final wherever that key is still configured.

A tenant key is given as a key (``"k"``, or ``["new", "old"]``) or as a mapping
with ``key`` and, optionally, ``fallback_keys``, ``codec`` and ``codec_options``:
nothing else, since every other setting is shared by all tenants.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Literal, NamedTuple

from .encryptor import Encryptor
from .errors import ConfigError, KeyConfigError, TenantRevokedError, UnknownTenantError

TenantFrom = str | Callable[[Any], object]
"""Where a tenant id is read: a dotted path into an event (``"data.tenant_id"``) or a
function of the event."""
UnknownTenants = Literal["refuse", "default"]
UNKNOWN_TENANT_CHOICES: tuple[UnknownTenants, ...] = ("refuse", "default")


class TenantSpec(NamedTuple):
    """One tenant's keys as configured: ``codec`` None means the shared codec."""

    key: object
    fallback_keys: object = ()
    codec: str | None = None
    codec_options: Mapping[str, Any] | None = None


def tenant_spec(tenant: str, spec: object) -> TenantSpec:
    """One tenant's key spec, checked; anything but per-tenant things is refused by name."""
    if not isinstance(spec, Mapping):
        return TenantSpec(spec)
    unknown = set(spec) - set(TenantSpec._fields)
    if unknown:
        raise ConfigError(
            f"tenant {tenant!r}: {', '.join(sorted(map(repr, map(str, unknown))))} cannot be "
            f"set per tenant; a tenant takes only {', '.join(TenantSpec._fields)} "
            "(every other setting is shared by all tenants)"
        )
    if "key" not in spec:
        raise KeyConfigError(f"tenant {tenant!r}: the key is missing")
    options = spec.get("codec_options")
    if options is not None and not isinstance(options, Mapping):
        raise ConfigError(f"tenant {tenant!r}: codec_options must be a mapping")
    codec = spec.get("codec")
    if codec is not None and (not isinstance(codec, str) or not codec):
        raise ConfigError(f"tenant {tenant!r}: codec must be a codec name")
    return TenantSpec(spec["key"], spec.get("fallback_keys") or (), codec, options)


def check_tenant_keys(tenant_keys: object) -> dict[str, TenantSpec]:
    """Tenant ids (non-empty str) to checked specs; anything else is a ConfigError."""
    if not isinstance(tenant_keys, Mapping):
        raise ConfigError(
            f"tenant_keys must map tenant ids to keys, not {type(tenant_keys).__name__}"
        )
    for tenant in tenant_keys:
        if not isinstance(tenant, str) or not tenant:
            raise ConfigError("tenant_keys: every tenant id must be a non-empty str")
    return {tenant: tenant_spec(tenant, spec) for tenant, spec in tenant_keys.items()}


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


def _named(tenant: str) -> str:
    """A tenant id for a message: printable, and short."""
    return ascii(tenant[:64] + ("..." if len(tenant) > 64 else ""))


class TenantRouter:
    """Tenant id to [`Encryptor`][inngest_codecs.Encryptor]; refuses what it has no key for."""

    def __init__(
        self,
        default: Encryptor,
        tenants: Mapping[str, Encryptor] | None = None,
        *,
        revoked_tenants: frozenset[str] | set[str] | tuple[str, ...] = frozenset(),
        unknown_tenants: UnknownTenants = "refuse",
    ) -> None:
        if unknown_tenants not in UNKNOWN_TENANT_CHOICES:
            raise ConfigError("unknown_tenants must be 'refuse' or 'default'")
        self.default = default
        self._tenants = dict(tenants or {})
        self._revoked = frozenset(revoked_tenants)
        self._unknown = unknown_tenants

    @property
    def tenants(self) -> tuple[str, ...]:
        """The tenant ids that have keys here (revoked ones excluded)."""
        return tuple(t for t in self._tenants if t not in self._revoked)

    @property
    def does_io(self) -> bool:
        """Whether any tenant's Encryptor may wait on a key service or a store."""
        return self.default.does_io or any(e.does_io for e in self._tenants.values())

    def for_tenant(self, tenant: str | None) -> Encryptor:
        """The Encryptor of ``tenant`` (the default one for ``None``); refuses unknown and
        revoked tenants."""
        if tenant is None:
            return self.default
        if tenant in self._revoked:
            raise TenantRevokedError(f"tenant {_named(tenant)} is revoked: its data is erased")
        found = self._tenants.get(tenant)
        if found is not None:
            return found
        if self._unknown == "default":
            return self.default
        raise UnknownTenantError(
            f"tenant {_named(tenant)} has no key here; nothing is read or written for it "
            "(add its key to tenant_keys, or set unknown_tenants='default' to use the "
            "default key for tenants without one)"
        )

    def __repr__(self) -> str:
        return f"<TenantRouter tenants={len(self._tenants)} unknown={self._unknown!r}>"
