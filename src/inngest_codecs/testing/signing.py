"""How Inngest signs the requests it sends to an app, and the body of a call request."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping, Sequence
from typing import Any


def sign(body: bytes, signing_key: str, timestamp: int) -> str:
    """The ``X-Inngest-Signature`` value for a canonical JSON body."""
    secret = signing_key.split("-", 2)[2] if signing_key.startswith("signkey-") else signing_key
    mac = hmac.new(secret.encode("utf-8"), body, hashlib.sha256)
    mac.update(str(timestamp).encode("ascii"))
    return f"t={timestamp}&s={mac.hexdigest()}"


def call_request(
    events: Mapping[str, Any] | Sequence[Mapping[str, Any]],
    *,
    steps: Mapping[str, Any] | None = None,
    run_id: str = "run",
    attempt: int = 0,
    max_attempts: int | None = None,
    stack: Sequence[str] = (),
    disable_immediate_execution: bool = False,
) -> dict[str, Any]:
    """The body of a call request, as Inngest sends it to an app's serve endpoint."""
    batch = [dict(events)] if isinstance(events, Mapping) else [dict(e) for e in events]
    return {
        "ctx": {
            "attempt": attempt,
            "disable_immediate_execution": disable_immediate_execution,
            "max_attempts": max_attempts,
            "run_id": run_id,
            "stack": {"stack": list(stack)},
        },
        "event": batch[0],
        "events": batch,
        "steps": dict(steps or {}),
        "use_api": False,
    }
