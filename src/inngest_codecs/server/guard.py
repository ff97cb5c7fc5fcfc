"""Who may talk to the codec server: every request but ``/healthz`` carries a credential.

- ``/healthz`` answers ``{"ok": true}`` to anyone, and says nothing else.
- Host: a server bound to loopback answers only requests addressed to a
  loopback name, so a web page cannot reach it by pointing its own domain at
  127.0.0.1 (DNS rebinding).
- Credential: ``Authorization: Bearer <token>`` of a named credential, or the
  session cookie ``/login?token=...`` sets (``HttpOnly``, ``SameSite=Strict``).
  A missing credential and a wrong one are told apart; neither gets anything.
- API routes (all but the page, its script and style) refuse cross-site requests
  (``Sec-Fetch-Site``, ``Origin``) unless the origin is allowed, and a request
  signed in by cookie must also carry the ``X-Inngest-Codecs`` header, which no
  form, image or plain link can send.
- Headers: every response says ``no-store`` (decrypted data is never cached),
  ``nosniff`` and ``no-referrer``, and may not be framed.

The credential that was used is left in ``scope["state"]`` for the routes (tenant
limits) and the audit log (who looked).
"""

from __future__ import annotations

import html
import json
from collections.abc import Collection
from http.cookies import CookieError, SimpleCookie
from urllib.parse import parse_qs, urlsplit

from .audit import WHO_KEY, ASGIApp, Message, Receive, Scope, Send
from .credentials import Credential, Credentials

PAGE_ROUTES = frozenset({"/", "/viewer.js", "/viewer.css"})
HEALTH_ROUTE = "/healthz"
LOGIN_ROUTE = "/login"
API_HEADER = b"x-inngest-codecs"
SESSION_COOKIE = "inngest_codecs_session"
CREDENTIAL_KEY = "inngest_codecs.credential"
SECURITY_HEADERS = [
    (b"cache-control", b"no-store"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
]
_CROSS_SITE = {b"cross-site", b"same-site"}
_NEEDED = (
    "a credential is needed: 'Authorization: Bearer <token>', or sign in at "
    "/login?token=<token> (serve prints the URL)"
)


def _host_name(header: bytes) -> str:
    text = header.decode("latin-1").strip().lower()
    if text.startswith("["):
        return text[1 : text.find("]")] if "]" in text else text
    return text.rsplit(":", 1)[0] if text.count(":") == 1 else text


class GuardMiddleware:
    """Answers ``/healthz`` and ``/login``; refuses what the module docstring says."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        credentials: Credentials,
        allowed_hosts: Collection[str] | None,
        allow_origins: Collection[str] = (),
    ) -> None:
        self.app = app
        self.credentials = credentials
        self.allowed_hosts = (
            frozenset(h.lower().strip("[]") for h in allowed_hosts) if allowed_hosts else None
        )
        self.allow_origins = frozenset(o.encode("latin-1") for o in allow_origins)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        path = scope.get("path", "")

        async def send_safely(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *SECURITY_HEADERS]
            await send(message)

        if path == HEALTH_ROUTE and scope.get("method") in ("GET", "HEAD"):
            await _answer(send_safely, 200, {"ok": True})
            return
        host = _host_name(headers.get(b"host", b""))
        if self.allowed_hosts is not None and host not in self.allowed_hosts:
            await _answer(send_safely, 403, "this server answers only to a loopback host name")
            return
        if path == LOGIN_ROUTE:
            await self._login(scope, headers, send_safely)
            return
        credential, refusal, by_cookie = self._identify(headers)
        if credential is None:
            challenge = [(b"www-authenticate", b'Bearer realm="inngest-codecs"')]
            if path == "/" and scope.get("method") == "GET" and b"authorization" not in headers:
                await _sign_in_page(send_safely, scope.get("query_string", b""), challenge)
                return
            await _answer(send_safely, 401, refusal, challenge)
            return
        scope.setdefault("state", {})[WHO_KEY] = credential.name
        scope["state"][CREDENTIAL_KEY] = credential
        if path not in PAGE_ROUTES:
            refused = self._cross_site(headers, by_cookie)
            if refused is not None:
                await _answer(send_safely, 403, refused)
                return
        await self.app(scope, receive, send_safely)

    def _identify(self, headers: dict[bytes, bytes]) -> tuple[Credential | None, str, bool]:
        """The credential, why there is none, and whether it came from the cookie."""
        authorization = headers.get(b"authorization")
        if authorization is not None:
            scheme, _, token = authorization.strip().partition(b" ")
            if scheme.lower() != b"bearer" or not token.strip():
                return None, "the Authorization header must be 'Bearer <token>'", False
            return self.credentials.find(token.strip()), "that token is not valid here", False
        session = _cookie(headers.get(b"cookie"))
        if session is not None:
            ended = "that session has ended: sign in again at /login?token=<token>"
            return self.credentials.session(session), ended, True
        return None, _NEEDED, False

    def _cross_site(self, headers: dict[bytes, bytes], by_cookie: bool) -> str | None:
        origin = headers.get(b"origin")
        allowed = origin is not None and origin in self.allow_origins
        if not allowed:
            if headers.get(b"sec-fetch-site", b"").lower() in _CROSS_SITE:
                return "cross-site requests are refused"
            if origin is not None and _origin_host(origin) != headers.get(b"host", b"").lower():
                return "requests from another origin are refused (see --allow-origin)"
        if by_cookie and API_HEADER not in headers:
            return "send the X-Inngest-Codecs header with API requests"
        return None

    async def _login(self, scope: Scope, headers: dict[bytes, bytes], send: Send) -> None:
        if headers.get(b"sec-fetch-site", b"").lower() in _CROSS_SITE:
            await _answer(send, 403, "sign in from the URL serve printed, not from another site")
            return
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        token = (query.get("token") or [""])[0]
        credential = self.credentials.find(token.encode("utf-8")) if token else None
        if credential is None:
            await _answer(send, 401, "that login token is not valid here" if token else _NEEDED)
            return
        scope.setdefault("state", {})[WHO_KEY] = credential.name
        target = (query.get("next") or ["/"])[0]
        if not target.startswith("/") or target.startswith("//") or "\\" in target:
            target = "/"
        secure = "; Secure" if scope.get("scheme") == "https" else ""
        cookie = (
            f"{SESSION_COOKIE}={self.credentials.start_session(credential)}; Path=/; "
            f"HttpOnly; SameSite=Strict{secure}"
        )
        location = target.encode("latin-1", "replace")
        await send(
            {
                "type": "http.response.start",
                "status": 303,
                "headers": [
                    (b"location", location),
                    (b"set-cookie", cookie.encode("latin-1")),
                    (b"content-length", b"0"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": b""})


_SIGN_IN_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>inngest-codecs: sign in</title></head>
<body><p>Not signed in. Open the login URL <code>inngest-codecs serve</code> printed, or
<code>/login?token=&lt;your token&gt;</code>.</p>
<p>Signed in already and arrived by a link from another site? The session cookie is
not sent on such links: <a href="/?{query}">continue to the viewer</a>.</p></body></html>
"""


async def _sign_in_page(send: Send, query: bytes, extra: list[tuple[bytes, bytes]]) -> None:
    """The viewer's 401: how to sign in, and a same-site link to where a deep link led
    (a ``SameSite=Strict`` cookie stays behind on a link from another site)."""
    body = _SIGN_IN_PAGE.format(query=html.escape(query.decode("latin-1"))).encode()
    headers = [
        (b"content-type", b"text/html; charset=utf-8"),
        (b"content-length", str(len(body)).encode()),
        (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'"),
        *extra,
    ]
    await send({"type": "http.response.start", "status": 401, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _cookie(header: bytes | None) -> str | None:
    if not header:
        return None
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(header.decode("latin-1"))
    except CookieError:
        return None
    morsel = jar.get(SESSION_COOKIE)
    return morsel.value if morsel is not None else None


def _origin_host(origin: bytes) -> bytes:
    return urlsplit(origin.decode("latin-1")).netloc.lower().encode("latin-1")


async def _answer(
    send: Send, status: int, payload: object, extra: list[tuple[bytes, bytes]] | None = None
) -> None:
    body = json.dumps(payload if isinstance(payload, dict) else {"error": payload}).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        *(extra or []),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
