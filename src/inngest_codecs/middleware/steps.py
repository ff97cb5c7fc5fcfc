"""Every step passes a guard before the SDK plans, runs or reports it.

The SDK calls ``transform_output`` for one step at a time, and skips it when a
response plans several steps at once (``ctx.group.parallel``): an invoke
planned in parallel would leave with its payload in plaintext. So the guard
sits where every step passes, the execution's ``report_step``, on this
request's own execution object, and handles each opcode by what it carries
(`CARRIES`). An opcode the table does not know is refused: nothing is sent
until someone decides what it carries.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import re
import threading
from collections.abc import Callable, Mapping
from typing import Any

from inngest._internal.server_lib import Opcode

from ..errors import PlaintextRefusedError, UnsupportedSDKError

logger = logging.getLogger("inngest_codecs")

CARRIES: dict[Opcode, str] = {
    Opcode.STEP_RUN: "the step's output: encrypted when the step returns",
    Opcode.PLANNED: "the step's id only",
    Opcode.SLEEP: "the time to wake up",
    Opcode.WAIT_FOR_EVENT: "the event name and `if` expression as written in code (plain)",
    Opcode.INVOKE: "the payload: its event data encrypted like a sent event's",
    Opcode.AI_GATEWAY: "the request body and the provider's API key, which Inngest must "
    "read to make the call: refused unless allow_plaintext_ai_infer=True",
    Opcode.STEP_ERROR: "the error: encrypted with encrypt_errors=True",
    Opcode.STEP_FAILED: "the error: encrypted with encrypt_errors=True",
}
"""What each step opcode of the installed SDK carries to Inngest, and what happens to it."""


_async_executions: dict[type, bool] = {}
"""Whether an execution class's ``report_step`` is a coroutine function (asked once)."""


def install(ctx: object, guard: Callable[[Any], None], *, off_loop: bool = False) -> None:
    """Run ``guard(step_info)`` before every step of this request's execution.

    ``off_loop=True``: in async runs the guard runs in a worker thread (it waits on I/O).
    """
    execution = getattr(getattr(ctx, "step", None), "_execution", None)
    report_step = getattr(execution, "report_step", None)
    if report_step is None:
        raise UnsupportedSDKError(
            "this inngest SDK version has no per-request report_step: inngest-codecs "
            "cannot guard its steps; install a supported version (inngest>=0.5,<0.6)"
        )
    if getattr(report_step, "guarded", False):
        return
    kind = type(execution)
    is_async = _async_executions.get(kind)
    if is_async is None:
        is_async = _async_executions[kind] = inspect.iscoroutinefunction(report_step)
    if is_async:

        async def guarded_async(step_info: Any) -> Any:
            if off_loop and step_info.op is not Opcode.STEP_RUN:
                await asyncio.to_thread(guard, step_info)
            else:
                guard(step_info)
            return await report_step(step_info)

        guarded: Any = guarded_async
    else:

        def guarded(step_info: Any) -> Any:
            guard(step_info)
            return report_step(step_info)

    guarded.guarded = True
    execution.report_step = guarded  # type: ignore[union-attr]


class StepGuard:
    """Seals invoke payloads, refuses plaintext-only steps, warns about blind expressions."""

    def __init__(
        self,
        seal_payload: Callable[[Mapping[str, Any], str | None], dict[str, Any]],
        *,
        allow_plaintext_ai_infer: bool,
        fields: tuple[str, ...],
    ) -> None:
        self._seal_payload = seal_payload
        self._allow_ai = allow_plaintext_ai_infer
        self._fields = fields

    def __call__(self, step_info: Any) -> None:
        op, opts = step_info.op, step_info.opts
        if op is Opcode.STEP_RUN:  # its output is sealed in transform_output
            return
        if op not in CARRIES:
            raise PlaintextRefusedError(
                f"step {step_info.display_name!r} has opcode {op.value}, which inngest-codecs "
                "does not know: refused, since what it carries might leave in plaintext"
            )
        if op is Opcode.INVOKE and isinstance(opts, dict):
            payload = opts.get("payload")
            if isinstance(payload, dict) and isinstance(payload.get("data"), Mapping):
                invoked = opts.get("function_id")
                invoked = invoked if isinstance(invoked, str) else None
                sealed = self._seal_payload(payload["data"], invoked)
                opts["payload"] = {**payload, "data": sealed}
        elif op is Opcode.AI_GATEWAY and not self._allow_ai:
            raise PlaintextRefusedError(
                f"step.ai.infer ({step_info.display_name!r}) sends its request body and the "
                "provider's API key to Inngest in plaintext: refused; pass "
                "allow_plaintext_ai_infer=True to the middleware to allow it"
            )
        elif op is Opcode.AI_GATEWAY:
            warn_once(
                f"ai.infer:{step_info.display_name}",
                "step.ai.infer %r sends its body and API key to Inngest in plaintext "
                "(allowed by allow_plaintext_ai_infer=True)",
                step_info.display_name,
            )
        elif op is Opcode.WAIT_FOR_EVENT and isinstance(opts, dict):
            expression = opts.get("if")
            if isinstance(expression, str) and reads_encrypted_field(expression, self._fields):
                warn_once(
                    f"wait:{step_info.display_name}",
                    "the `if` expression of wait_for_event %r reads an encrypted field; "
                    "Inngest sees only its envelope, so the expression cannot match on it",
                    step_info.display_name,
                )


def reads_encrypted_field(expression: str, fields: tuple[str, ...]) -> bool:
    """Whether an Inngest expression reads inside one of the encrypted event fields."""
    return any(_field_pattern(field).search(expression) for field in fields)


def _field_pattern(field: str) -> re.Pattern[str]:
    name = re.escape(field)
    return re.compile(rf"\b(?:event|async|events\[\d+\])\.data(?:\.{name}\b|\[\s*['\"]{name}['\"])")


_warned: set[str] = set()
_warned_lock = threading.Lock()
_checked_functions: set[str] = set()


def warn_once(key: str, message: str, *args: object) -> None:
    """Log a warning the first time ``key`` is seen in this process."""
    with _warned_lock:
        if key in _warned:
            return
        _warned.add(key)
    logger.warning(message, *args)


def warn_about_expressions(function: Any, fields: tuple[str, ...]) -> None:
    """Warn once per function whose flow-control expressions read an encrypted field."""
    function_id = getattr(function, "id", None)
    if not isinstance(function_id, str) or function_id in _checked_functions:
        return
    _checked_functions.add(function_id)
    try:
        config = function.get_config("http://localhost").main.to_dict()
    except Exception:  # a config we cannot read is the SDK's business, not a reason to fail
        return
    readers = sorted(
        path for path, text in _strings(config, "") if reads_encrypted_field(text, fields)
    )
    if readers:
        warn_once(
            f"fn:{function_id}",
            "function %r uses encrypted event fields in %s; Inngest evaluates these on the "
            "envelope, not the plaintext, so they never match what the code expects",
            function_id,
            ", ".join(readers),
        )


def _strings(value: object, path: str) -> list[tuple[str, str]]:
    if isinstance(value, str):
        return [(path, value)]
    if isinstance(value, dict):
        return [pair for k, v in value.items() for pair in _strings(v, f"{path}.{k}".strip("."))]
    if isinstance(value, list):
        return [pair for i, v in enumerate(value) for pair in _strings(v, f"{path}[{i}]")]
    return []
