"""``inngest-codecs serve``: the codec server and web viewer (the ``serve`` extra)."""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
from collections.abc import Callable
from typing import Any

from ..config_env import env_secret
from ..server.credentials import Credentials
from ..server.settings import (
    DEFAULT_HOST,
    DEFAULT_MAX_BODY,
    DEFAULT_PORT,
    ENV_CREDENTIALS,
    ENV_TOKEN,
    check_port,
    check_settings,
    normalized_origin,
)
from .common import (
    EXIT_CONFIG,
    CliError,
    add_keys,
    build_encryptor,
    operator_keyring,
    read_key_file,
)
from .lookup import add_allow_plain_http, open_api
from .opening import add_keys_dir

AddCommand = Callable[[str, str, Any], argparse.ArgumentParser]


def _credentials(args: argparse.Namespace) -> tuple[Credentials, str | None]:
    """The credentials configured, or a generated one and its token (for the login URL)."""
    path = args.credentials or os.environ.get(ENV_CREDENTIALS, "").strip()
    from_file = read_key_file(args.token_file, "--token-file") if args.token_file else None
    token = from_file or args.token or env_secret(os.environ, ENV_TOKEN) or ""
    if path:
        return Credentials.from_file(path), None
    if token:
        return Credentials.single(token), None
    return Credentials.generate()


def cmd_serve(args: argparse.Namespace) -> int:
    missing = [name for name in ("starlette", "uvicorn") if importlib.util.find_spec(name) is None]
    if missing:
        raise CliError(
            f"serve needs {' and '.join(missing)}: from the checkout, pip install '.[serve]'",
            EXIT_CONFIG,
        )
    from ..server.audit import AuditLog
    from ..server.runner import serve

    port = check_port(args.port)
    credentials, login_token = _credentials(args)
    origins = [normalized_origin(origin) for origin in args.allow_origin or ()]
    check_settings(args.host, login_token is None, origins)
    encryptor = build_encryptor(args)
    keyring = operator_keyring(args)
    api = open_api(args)
    try:
        audit = AuditLog(path=args.audit_log) if args.audit_log else AuditLog()
    except OSError as error:
        raise CliError(f"cannot write the audit log: {error.strerror}", EXIT_CONFIG) from None

    def ready(url: str) -> None:
        if login_token is not None:  # first, so the line naming the URL comes last
            print(
                f"inngest-codecs: sign in by opening {url}/login?token={login_token}\n"
                f"inngest-codecs: (for curl or --codec-endpoint: Authorization: Bearer "
                f"{login_token}; shown only here; valid until serve stops)",
                file=sys.stderr,
                flush=True,
            )
        lookups = f"on, {api.base_url}" if api.configured else "off (no INNGEST_SIGNING_KEY)"
        tenants = f", {len(keyring.tenants)} tenant(s)" if keyring.tenants else ""
        print(
            f"inngest-codecs: viewer and codec server on {url} (codec {encryptor.codec.name}; "
            f"{len(keyring.entries)} key(s){tenants}; credentials: "
            f"{', '.join(credentials.names)}; lookups {lookups}; "
            f"audit log to {args.audit_log or 'stderr'}). Ctrl-C stops it.",
            file=sys.stderr,
            flush=True,
        )

    try:
        serve(
            encryptor,
            credentials=credentials,
            configured=login_token is None,
            keyring=keyring,
            host=args.host,
            port=port,
            allow_origins=origins,
            trusted_proxies=args.trusted_proxy or (),
            max_body=args.max_body,
            audit=audit,
            api=api if api.configured else None,
            on_ready=ready,
        )
    except KeyboardInterrupt:
        pass  # Ctrl-C is how the server is meant to stop
    finally:
        audit.close()
        api.close()
    return 0


def add_command(add: AddCommand) -> None:
    serve = add("serve", "serve a codec server and web viewer on this machine", cmd_serve)
    add_keys(serve)
    add_keys_dir(serve)
    serve.add_argument(
        "--host", default=DEFAULT_HOST, help=f"address to bind (default {DEFAULT_HOST})"
    )
    serve.add_argument(
        "--port", default=str(DEFAULT_PORT), help=f"port, 0 to 65535 (default {DEFAULT_PORT})"
    )
    serve.add_argument(
        "--credentials",
        metavar="FILE",
        help="named credentials, one 'name: token [tenants=a,b]' a line "
        f"(default: ${ENV_CREDENTIALS}); without them or --token, serve makes one and "
        "prints a login URL",
    )
    serve.add_argument(
        "--token",
        help=f"a single credential, named 'token' (default: ${ENV_TOKEN})",
    )
    serve.add_argument(
        "--token-file",
        metavar="FILE",
        help=f"read --token from this file (default: ${ENV_TOKEN}_FILE)",
    )
    serve.add_argument(
        "--allow-origin",
        action="append",
        metavar="URL",
        help="an origin whose pages may call this server (CORS; repeatable; exact origins only)",
    )
    serve.add_argument(
        "--trusted-proxy",
        action="append",
        metavar="IP",
        help="believe X-Forwarded-For/-Proto from this proxy address (repeatable; default: "
        "none, so the audit log records the connection's own address)",
    )
    serve.add_argument("--audit-log", metavar="FILE", help="append the audit log here, not stderr")
    serve.add_argument(
        "--max-body",
        type=int,
        default=DEFAULT_MAX_BODY,
        metavar="BYTES",
        help="larger request bodies get 413 (default 16 MiB)",
    )
    add_allow_plain_http(serve)
