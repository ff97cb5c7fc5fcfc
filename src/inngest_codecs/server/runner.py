"""Run the codec server under uvicorn until interrupted."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import uvicorn

from ..encryptor import Encryptor
from ..for_inngest.rest_api import InngestAPI
from ..keyring import Keyring
from .app import create_app
from .audit import AuditLog
from .credentials import Credentials
from .settings import (
    DEFAULT_HOST,
    DEFAULT_MAX_BODY,
    DEFAULT_PORT,
    LOOPBACK_NAMES,
    check_settings,
    is_loopback,
    listen,
    normalized_origin,
)


def serve(
    encryptor: Encryptor,
    *,
    credentials: Credentials,
    configured: bool = True,
    keyring: Keyring | None = None,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    allow_origins: Sequence[str] = (),
    trusted_proxies: Sequence[str] = (),
    max_body: int = DEFAULT_MAX_BODY,
    audit: AuditLog | None = None,
    api: InngestAPI | None = None,
    on_ready: Callable[[str], None] | None = None,
) -> None:
    """Check the settings, listen, and serve until interrupted (Ctrl-C).

    On loopback the server answers only to loopback host names; elsewhere the
    credentials must have been configured (``configured``). ``X-Forwarded-For``
    and ``X-Forwarded-Proto`` are believed only from ``trusted_proxies``.
    ``on_ready`` receives the URL once the socket listens.
    """
    origins = [normalized_origin(origin) for origin in allow_origins]
    check_settings(host, configured, origins)
    sock = listen(host, port)
    bound_port = sock.getsockname()[1]
    allowed = sorted({*LOOPBACK_NAMES, host.strip("[]")}) if is_loopback(host) else None
    app = create_app(
        encryptor,
        credentials=credentials,
        keyring=keyring,
        allow_origins=origins,
        allowed_hosts=allowed,
        max_body=max_body,
        audit=audit,
        api=api,
    )
    config = uvicorn.Config(
        app,
        log_level="warning",
        access_log=False,
        lifespan="off",
        server_header=False,
        proxy_headers=bool(trusted_proxies),
        forwarded_allow_ips=list(trusted_proxies) or None,
    )
    if on_ready is not None:
        shown = f"[{host.strip('[]')}]" if ":" in host else host
        on_ready(f"http://{shown}:{bound_port}")
    uvicorn.Server(config).run(sockets=[sock])
