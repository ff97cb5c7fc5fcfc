"""Which tenant a run belongs to, including runs another run caused.

A run's tenant is read from its triggering event (``tenant_from``). Two kinds
of run are triggered by an event Inngest makes, which does not name the tenant
where ``tenant_from`` looks:

- an ``on_failure`` handler runs on ``inngest/function.failed``, whose
  ``data.event`` is the original event: the tenant is read from that;
- an invoked function runs on ``inngest/function.invoked``, whose data is the
  payload the caller passed: the caller adds the tenant whose key sealed the
  payload under `CARRIED`, and the invoked run reads it from there first.

The carried tenant id travels in plaintext, like the field ``tenant_from``
reads (it is read before anything is decrypted).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..tenants import TenantFrom, tenant_of
from .opening import FAILURE_EVENTS
from .sizes import INVOKED_EVENT

CARRIED = "__TENANT__"
"""The field of an invoke payload's data that names the caller's tenant."""


def _part(event: object, name: str) -> Any:
    return event.get(name) if isinstance(event, Mapping) else getattr(event, name, None)


def run_tenant(event: object, source: TenantFrom | None) -> str | None:
    """The tenant of the run ``event`` triggers, or ``None`` for the default key."""
    if source is None:
        return None
    name, data = _part(event, "name"), _part(event, "data")
    if isinstance(data, Mapping):
        original = data.get("event")
        if name in FAILURE_EVENTS and isinstance(original, Mapping):
            return run_tenant(original, source)
        carried = data.get(CARRIED)
        if name == INVOKED_EVENT and isinstance(carried, str) and carried:
            return carried
    return tenant_of(event, source)


def tenant_field(source: TenantFrom | None) -> str | None:
    """The top-level event data field ``tenant_from`` reads, which sent events keep plain."""
    if isinstance(source, str) and source.count(".") == 1 and source.startswith("data."):
        return source.split(".")[1]
    return None


def carry(data: dict[str, Any], tenant: str | None) -> dict[str, Any]:
    """Invoke payload data that names ``tenant`` for the invoked run."""
    return data if tenant is None else {**data, CARRIED: tenant}


def uncarry(event: Any) -> None:
    """Take the carried tenant out of an invoked run's event before the function sees it."""
    data = _part(event, "data")
    if _part(event, "name") == INVOKED_EVENT and isinstance(data, dict):
        data.pop(CARRIED, None)
