"""The SDK's remote-state middleware beside this one: allowed in the one safe order.

``inngest.experimental.remote_state_middleware`` replaces step outputs with a
pointer and keeps them in its own store (S3). Hooks that transform outputs run
in reverse order of registration, so:

- registered *before* this middleware, it stores what this middleware
  encrypted, and Inngest sees only its pointer: both see ciphertext at most;
- registered *after*, it stores step outputs in plaintext before this
  middleware sees them: refused before the function runs, with the fix.

This package's own claim check (``offload_over`` with ``offload_store``) does
the same job with ciphertext only, and is the recommended one.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

from ..errors import PlaintextRefusedError

SDK_MODULE = "inngest.experimental.remote_state_middleware"

MARKER = "__REMOTE_STATE__"
"""The key of the pointer the SDK's remote-state drivers leave in place of an output."""

_FIX = (
    "register RemoteStateMiddleware before EncryptionMiddleware (on the client, or earlier in "
    "the list), or drop it for this package's claim check: offload_over=BYTES with "
    "offload_store=URL, which stores only ciphertext"
)


def is_remote_state(factory: object) -> bool:
    """Whether a registered middleware factory makes the SDK's remote-state middleware."""
    sdk = sys.modules.get(SDK_MODULE)
    if sdk is None:  # not imported, so none of its middleware can be registered
        return False
    remote_state: type[Any] = sdk.RemoteStateMiddleware
    target = getattr(factory, "func", factory)  # functools.partial
    if isinstance(target, type):
        return issubclass(target, remote_state)
    cells = getattr(target, "__closure__", None) or ()
    made = (cell.cell_contents for cell in cells)  # RemoteStateMiddleware.factory's ``cls``
    return any(isinstance(c, type) and issubclass(c, remote_state) for c in made)


def check_order(ours: object, *registered: Sequence[object]) -> None:
    """Refuse a remote-state middleware that runs after ours (it would store plaintext).

    ``registered``: the middleware lists in the order they run (client's, then function's).
    """
    if SDK_MODULE not in sys.modules:  # then none can be registered (and this runs per request)
        return
    every = [factory for factories in registered for factory in factories]
    found = [index for index, factory in enumerate(every) if factory is ours]
    if found and any(is_remote_state(factory) for factory in every[found[0] + 1 :]):
        raise PlaintextRefusedError(
            "RemoteStateMiddleware is registered after EncryptionMiddleware, so it would store "
            f"step outputs in plaintext: refused, nothing ran; {_FIX}"
        )


def check_output(output: Any) -> None:
    """Refuse an output another middleware already replaced by a remote-state pointer."""
    if isinstance(output, dict) and output.get(MARKER) is True:
        raise PlaintextRefusedError(
            "a step output reached EncryptionMiddleware already stored by a remote-state "
            f"middleware registered after it, in plaintext: refused; {_FIX}"
        )
