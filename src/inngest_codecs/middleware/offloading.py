"""Hooks that may wait on a key service or a store run off the event loop in async runs.

The SDK calls the hooks of a synchronous middleware inline, on the event loop,
for async functions: one hanging KMS or store call would stall every request of
the process. So when the codec or store declares ``does_io``, a hook called by
the SDK's async middleware manager returns a coroutine that runs its I/O in a
worker thread (``asyncio.to_thread``); the manager awaits whatever a hook
returns. Every other caller (sync functions, ``client.send_sync``) gets the work
done inline, as before.

How a hook knows who called it: the manager's async methods are the only
callers that await the result, so the hook returns a coroutine only when its
caller's code is one of them. A caller this check does not recognise (another
SDK version) gets the work done inline: never a coroutine left unawaited,
which would send data unencrypted.
"""

from __future__ import annotations

import inspect
import sys
from types import CodeType

from inngest._internal.middleware_lib.manager import MiddlewareManager

_AWAITING_HOOKS = ("before_send_events", "transform_input", "transform_output")


def _codes() -> frozenset[CodeType]:
    codes = (
        getattr(getattr(MiddlewareManager, name, None), "__code__", None)
        for name in _AWAITING_HOOKS
    )
    return frozenset(
        code for code in codes if code is not None and code.co_flags & inspect.CO_COROUTINE
    )


_AWAITED_BY = _codes()
"""The code of the manager methods that await what hooks return."""


def awaited() -> bool:
    """Whether the hook asking was called by the SDK's async manager (which awaits it)."""
    return sys._getframe(2).f_code in _AWAITED_BY
