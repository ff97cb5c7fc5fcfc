"""The codec server's routes: decode, encode, look up by id, and the viewer page.

    POST /decode            any JSON document -> {"document", "opened", "failures",
                            "step_names": the step ids behind hashed step keys}
    POST /encode            {"value": ...}     -> the envelope
    GET  /api/runs/{id}     a run from Inngest's REST API, stored and decrypted
    GET  /api/events/{id}   an event (``?runs=true``: and the runs it started)
    GET  /api/info          the codec that encrypts, who you are, whether lookups work
    GET  /metrics           this server's metrics, as Prometheus text
    GET  /                  the viewer page (with /viewer.js and /viewer.css)
    GET  /login?token=...   signs a browser in (see `guard`); GET /healthz for probes

Decryption happens here, with every key of the operator keyring, which never
leaves this process; the viewer only ever receives what the server decided to
send. A credential limited to some tenants opens only their values: a document
or a run holding another tenant's value is refused whole (403) and logged.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from importlib import resources
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..encryptor import Encryptor
from ..errors import (
    CodecError,
    EncodingError,
    InngestAuthError,
    InngestNotFoundError,
)
from ..for_inngest.documents import (
    OpenReport,
    describe,
    open_with_report,
    read_pasted,
)
from ..for_inngest.rest_api import InngestAPI
from ..keyring import EnvelopeOpener, Keyring
from . import metrics
from .audit import AUDIT_KEY, AuditLog, AuditMiddleware
from .credentials import Credential, Credentials
from .guard import API_HEADER, CREDENTIAL_KEY, GuardMiddleware
from .replies import TenantLimited, TenantRefused, json_response, report_json
from .settings import DEFAULT_MAX_BODY, LOOPBACK_NAMES

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
_STATIC = {
    "/": ("viewer.html", "text/html; charset=utf-8"),
    "/viewer.js": ("viewer.js", "text/javascript; charset=utf-8"),
    "/viewer.css": ("viewer.css", "text/css; charset=utf-8"),
}


class _Refusal(Exception):
    """A request the server answers with an error status and a message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _audit(request: Request, report: OpenReport | None = None, **extra: Any) -> None:
    details: dict[str, Any] = dict(extra)
    if report is not None:
        details["opened"] = len(report.opened)
        details["failed"] = len(report.failures)
        details["strategies"] = sorted({e.info.strategy or "" for e in report.opened})
        used = {e.opened_with or e.info.key_id for e in report.opened}
        details["key_ids"] = sorted(key_id for key_id in used if key_id)
        details["tenants"] = sorted({e.tenant for e in report.opened if e.tenant is not None})
    request.scope.setdefault("state", {})[AUDIT_KEY] = details


def _credential(request: Request) -> Credential:
    found = request.scope["state"][CREDENTIAL_KEY]
    assert isinstance(found, Credential)  # the guard let nothing else through
    return found


class CodecServer:
    """The route handlers: an Encryptor that encrypts, the keyring that opens, and, for
    lookups, one API client."""

    def __init__(
        self,
        encryptor: Encryptor,
        keyring: Keyring | None,
        api: InngestAPI | None,
        max_body: int,
    ) -> None:
        self.encryptor = encryptor
        self.keyring = keyring
        self.api = api
        self.max_body = max_body
        package = resources.files("inngest_codecs.server") / "static"
        self.static = {
            route: (package.joinpath(name).read_bytes(), media)
            for route, (name, media) in _STATIC.items()
        }

    async def page(self, request: Request) -> Response:
        body, media = self.static[request.url.path]
        return Response(
            body, media_type=media, headers={"content-security-policy": CONTENT_SECURITY_POLICY}
        )

    async def info(self, request: Request) -> Response:
        codec = self.encryptor.codec
        credential = _credential(request)
        return json_response(
            {
                "codec": codec.name,
                "strategy": codec.strategy,
                "lookup": self.api is not None,
                "max_body": self.max_body,
                "who": credential.name,
                "tenants": sorted(credential.tenants) if credential.tenants is not None else None,
            }
        )

    async def prometheus(self, request: Request) -> Response:
        if not metrics.start():
            raise _Refusal(404, "metrics need the OpenTelemetry SDK: install opentelemetry-sdk")
        return Response(metrics.prometheus_text(), media_type=metrics.CONTENT_TYPE)

    def _opener(self, request: Request) -> Encryptor | Keyring | EnvelopeOpener:
        opener = self.keyring or self.encryptor
        credential = _credential(request)
        return opener if credential.tenants is None else TenantLimited(opener, credential)

    async def _open(self, request: Request, document: Any, **extra: Any) -> OpenReport:
        try:
            report = await run_in_threadpool(open_with_report, document, self._opener(request))
        except TenantRefused as refused:
            _audit(request, refused_tenant=refused.tenant, **extra)
            raise _Refusal(
                403, "this holds values of a tenant your credential may not open"
            ) from None
        _audit(request, report, **extra)
        return report

    async def decode(self, request: Request) -> Response:
        document = await self._body(request)
        return json_response(report_json(await self._open(request, document)))

    async def encode(self, request: Request) -> Response:
        body = await self._body(request)
        if not isinstance(body, dict) or "value" not in body:
            raise _Refusal(400, 'the body must be an object with a "value" field')
        tenant = body.get("tenant")
        credential = _credential(request)
        tenants = self.keyring.tenants if self.keyring is not None else frozenset()
        if tenant is not None and (not isinstance(tenant, str) or tenant not in tenants):
            raise _Refusal(400, "no such tenant is configured here")
        if not credential.may_open(tenant):
            _audit(request, refused_tenant=tenant)
            raise _Refusal(403, "your credential may not encrypt for that tenant")
        encryptor = self.encryptor
        if tenant is not None and self.keyring is not None:
            encryptor = self.keyring.writer(tenant)
        sealed = await run_in_threadpool(encryptor.encrypt, body["value"])
        info = describe(sealed)
        _audit(
            request,
            encrypted=1,
            strategies=[info.strategy],
            key_ids=[info.key_id] if info.key_id else [],
        )
        return json_response(sealed)

    async def run(self, request: Request) -> Response:
        run_id = request.path_params["run_id"]
        return await self._lookup(request, f"run {run_id}", lambda api: api.run(run_id))

    async def event(self, request: Request) -> Response:
        event_id = request.path_params["event_id"]
        with_runs = request.query_params.get("runs", "").lower() in ("1", "true", "yes")

        def fetch(api: InngestAPI) -> Any:
            event = api.event(event_id)
            return {"event": event, "runs": api.event_runs(event_id)} if with_runs else event

        return await self._lookup(request, f"event {event_id}", fetch)

    async def _lookup(
        self, request: Request, target: str, fetch: Callable[[InngestAPI], Any]
    ) -> Response:
        _audit(request, target=target)
        if self.api is None:
            raise _Refusal(503, "lookups are off: this server has no Inngest API configured")
        api = self.api
        try:
            stored = await run_in_threadpool(fetch, api)
        except InngestNotFoundError as error:
            raise _Refusal(404, str(error)) from None
        except InngestAuthError as error:
            raise _Refusal(502, str(error)) from None
        report = await self._open(request, stored, target=target)
        return json_response({"stored": stored, **report_json(report)})

    async def _body(self, request: Request) -> Any:
        media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if media != "application/json":
            raise _Refusal(415, "send the document as application/json")
        declared = request.headers.get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_body):
            raise _Refusal(413, f"the body is larger than {self.max_body} bytes")
        chunks: list[bytes] = []
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > self.max_body:
                raise _Refusal(413, f"the body is larger than {self.max_body} bytes")
            chunks.append(chunk)
        try:
            return read_pasted(b"".join(chunks), "the body")
        except EncodingError as error:
            raise _Refusal(400, str(error)) from None


async def _refused(request: Request, error: Exception) -> Response:
    assert isinstance(error, _Refusal)
    return json_response({"error": str(error)}, error.status)


async def _codec_error(request: Request, error: Exception) -> Response:
    status = 400 if isinstance(error, EncodingError) else 502
    return json_response({"error": str(error)}, status)


def create_app(
    encryptor: Encryptor,
    *,
    credentials: Credentials,
    keyring: Keyring | None = None,
    allow_origins: Sequence[str] = (),
    allowed_hosts: Collection[str] | None = LOOPBACK_NAMES,
    max_body: int = DEFAULT_MAX_BODY,
    audit: AuditLog | None = None,
    api: InngestAPI | None = None,
) -> Starlette:
    """The codec server as an ASGI app (see the module docstring for its routes).

    ``credentials`` are the only way in (see `guard`); ``keyring`` opens envelopes
    (default: ``encryptor`` alone); ``allow_origins`` lists the origins whose
    pages may call it (CORS, exact origins only); ``allowed_hosts`` lists the
    host names it answers to (``None``: any); ``audit`` receives one record per
    request (default: JSON lines on stderr); ``api`` serves the lookups.
    """
    server = CodecServer(encryptor, keyring, api, max_body)
    metrics.start()  # counts from the first request on
    routes = [
        *(Route(path, server.page, methods=["GET"]) for path in _STATIC),
        Route("/api/info", server.info, methods=["GET"]),
        Route("/metrics", server.prometheus, methods=["GET"]),
        Route("/decode", server.decode, methods=["POST"]),
        Route("/encode", server.encode, methods=["POST"]),
        Route("/api/runs/{run_id}", server.run, methods=["GET"]),
        Route("/api/events/{event_id}", server.event, methods=["GET"]),
    ]
    middleware = [
        Middleware(AuditMiddleware, log=audit or AuditLog()),
        Middleware(
            CORSMiddleware,
            allow_origins=list(allow_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type", API_HEADER.decode()],
            max_age=600,
        ),
        Middleware(
            GuardMiddleware,
            credentials=credentials,
            allowed_hosts=allowed_hosts,
            allow_origins=allow_origins,
        ),
    ]
    return Starlette(
        routes=routes,
        middleware=middleware,
        exception_handlers={_Refusal: _refused, CodecError: _codec_error},
    )
