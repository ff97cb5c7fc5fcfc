"""The audit log: one JSON line per request, never any content.

Each line holds the time, who asked (the name of the credential used, ``null``
when none was), the client's address (the connection's, unless a trusted proxy
is configured), the method and route, the HTTP status and an outcome word, and
for requests that opened envelopes how many were opened or left closed, with
the strategies, key ids and tenants used (and a tenant refused). Run
and event ids looked up are logged (they are identifiers, not content); JSON
paths, values and keys are not.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from datetime import datetime, timezone
from typing import IO, Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

AUDIT_KEY = "inngest_codecs.audit"
"""Where a route leaves what it did, in the request's ``scope["state"]``."""
WHO_KEY = "inngest_codecs.who"
"""Where the guard leaves the name of the credential a request used."""

_OUTCOMES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    415: "unsupported_media_type",
    422: "unrepresentable",
}


class AuditLog:
    """Writes audit records as JSON lines to a stream (stderr by default) or a file."""

    def __init__(self, stream: IO[str] | None = None, *, path: str | None = None) -> None:
        self._owned = open(path, "a", encoding="utf-8") if path is not None else None  # noqa: SIM115
        self._stream = self._owned or stream or sys.stderr
        self._lock = threading.Lock()

    def write(self, record: dict[str, Any]) -> None:
        line = json.dumps(record, ensure_ascii=True, separators=(",", ":"))
        with self._lock:
            self._stream.write(line + "\n")
            self._stream.flush()

    def close(self) -> None:
        if self._owned is not None:
            self._owned.close()


def outcome(status: int, details: dict[str, Any]) -> str:
    if status < 400:
        return "partial" if details.get("failed") else "ok"
    if status >= 500:
        return "upstream_error" if status in (502, 503, 504) else "error"
    return _OUTCOMES.get(status, "refused")


class AuditMiddleware:
    """Writes one [`AuditLog`][] record for every HTTP request, whatever happens to it."""

    def __init__(self, app: ASGIApp, log: AuditLog) -> None:
        self.app = app
        self.log = log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.monotonic()
        state = scope.setdefault("state", {})
        status = 500
        written = False

        def write() -> None:
            nonlocal written
            written = True
            details: dict[str, Any] = dict(state.get(AUDIT_KEY) or {})
            client = scope.get("client")
            self.log.write(
                {
                    "time": datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
                    "who": state.get(WHO_KEY),
                    "client": f"{client[0]}:{client[1]}" if client else None,
                    "method": scope.get("method"),
                    "route": scope.get("path"),
                    "status": status,
                    "outcome": outcome(status, details),
                    **details,
                    "duration_ms": round((time.monotonic() - started) * 1000, 1),
                }
            )

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            elif message["type"] == "http.response.body" and not message.get("more_body"):
                write()  # before the last byte leaves, so the line exists once the client has it
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            if not written:
                write()
