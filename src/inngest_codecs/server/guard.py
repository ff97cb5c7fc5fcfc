"""Who may talk to the codec server: the Host check, the token, and safe response headers.

- Host: a server bound to loopback answers only requests addressed to a
  loopback name, so a web page cannot reach it by pointing its own domain at
  127.0.0.1 (DNS rebinding).
- Token: with a token, every request needs ``Authorization: Bearer <token>``,
  compared in constant time. A browser cannot add that header when it opens a
  page, so the same token is also accepted as the password of HTTP Basic
  authentication (any user name): the browser asks for it once and sends it
  with every request the viewer makes.
- Headers: every response says ``no-store`` (decrypted data is never cached),
  ``nosniff`` and ``no-referrer``, and may not be framed.
"""

from __future__ import annotations

import binascii
import hmac
import json
from collections.abc import Collection

from .audit import ASGIApp, Message, Receive, Scope, Send

PAGE_ROUTES = frozenset({"/", "/viewer.js", "/viewer.css"})
SECURITY_HEADERS = [
    (b"cache-control", b"no-store"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
]


def _host_name(header: bytes) -> str:
    text = header.decode("latin-1").strip().lower()
    if text.startswith("["):
        return text[1 : text.find("]")] if "]" in text else text
    return text.rsplit(":", 1)[0] if text.count(":") == 1 else text


def _credential(header: bytes) -> bytes | None:
    """The token in a Bearer header, or the password in a Basic one."""
    scheme, _, value = header.strip().partition(b" ")
    if scheme.lower() == b"bearer":
        return value.strip()
    if scheme.lower() == b"basic":
        try:
            decoded = binascii.a2b_base64(value.strip())
        except binascii.Error:
            return None
        return decoded.partition(b":")[2]
    return None


class GuardMiddleware:
    """Refuses requests with a foreign Host or without the token; adds safe headers."""

    def __init__(
        self, app: ASGIApp, *, token: str | None, allowed_hosts: Collection[str] | None
    ) -> None:
        self.app = app
        self.token = token.encode("utf-8") if token else None
        self.allowed_hosts = (
            frozenset(h.lower().strip("[]") for h in allowed_hosts) if allowed_hosts else None
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])

        async def send_safely(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *SECURITY_HEADERS]
            await send(message)

        host = _host_name(headers.get(b"host", b""))
        if self.allowed_hosts is not None and host not in self.allowed_hosts:
            await _refuse(send_safely, 403, "this server answers only to a loopback host name")
            return
        if not self._authorized(headers.get(b"authorization")):
            challenge = b'Basic realm="inngest-codecs", charset="UTF-8"'
            if scope.get("path") not in PAGE_ROUTES:
                challenge = b'Bearer realm="inngest-codecs"'
            await _refuse(
                send_safely,
                401,
                "a token is needed: Authorization: Bearer <token>",
                [(b"www-authenticate", challenge)],
            )
            return
        await self.app(scope, receive, send_safely)

    def _authorized(self, header: bytes | None) -> bool:
        if self.token is None:
            return True
        given = _credential(header) if header else None
        # compare_digest takes the same time wherever the bytes differ
        return hmac.compare_digest(given or b"", self.token) and given is not None


async def _refuse(
    send: Send, status: int, message: str, extra: list[tuple[bytes, bytes]] | None = None
) -> None:
    body = json.dumps({"error": message}).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        *(extra or []),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
