"""``inngest-codecs serve``: the codec server and web viewer (the ``serve`` extra)."""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
from collections.abc import Callable
from typing import Any

from ..server.settings import (
    DEFAULT_HOST,
    DEFAULT_MAX_BODY,
    DEFAULT_PORT,
    ENV_TOKEN,
    check_settings,
)

AddCommand = Callable[[str, str, Any], argparse.ArgumentParser]


def cmd_serve(args: argparse.Namespace) -> int:
    from . import EXIT_CONFIG, CliError, build_encryptor

    missing = [name for name in ("starlette", "uvicorn") if importlib.util.find_spec(name) is None]
    if missing:
        raise CliError(
            f"serve needs {' and '.join(missing)}: from the checkout, pip install '.[serve]'",
            EXIT_CONFIG,
        )
    from ..for_inngest.rest_api import InngestAPI
    from ..server.audit import AuditLog
    from ..server.runner import serve

    token = args.token or os.environ.get(ENV_TOKEN) or None
    check_settings(args.host, token, args.allow_origin or ())
    encryptor = build_encryptor(args)
    api = InngestAPI.from_env()
    try:
        audit = AuditLog(path=args.audit_log) if args.audit_log else AuditLog()
    except OSError as error:
        raise CliError(f"cannot write the audit log: {error.strerror}", EXIT_CONFIG) from None

    def ready(url: str) -> None:
        lookups = f"on, {api.base_url}" if api.configured else "off (no INNGEST_SIGNING_KEY)"
        print(
            f"inngest-codecs: viewer and codec server on {url} (codec {encryptor.codec.name}; "
            f"token {'required' if token else 'not required'}; lookups {lookups}; "
            f"audit log to {args.audit_log or 'stderr'}). Ctrl-C stops it.",
            file=sys.stderr,
            flush=True,
        )

    try:
        serve(
            encryptor,
            host=args.host,
            port=args.port,
            token=token,
            allow_origins=args.allow_origin or (),
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
    from . import add_keys

    serve = add("serve", "serve a codec server and web viewer on this machine", cmd_serve)
    add_keys(serve)
    serve.add_argument(
        "--host", default=DEFAULT_HOST, help=f"address to bind (default {DEFAULT_HOST})"
    )
    serve.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})"
    )
    serve.add_argument(
        "--token",
        help=f"require 'Authorization: Bearer TOKEN' on every request (default: ${ENV_TOKEN}); "
        "needed on any address other than loopback",
    )
    serve.add_argument(
        "--allow-origin",
        action="append",
        metavar="URL",
        help="an origin whose pages may call this server (CORS; repeatable; exact origins only)",
    )
    serve.add_argument("--audit-log", metavar="FILE", help="append the audit log here, not stderr")
    serve.add_argument(
        "--max-body",
        type=int,
        default=DEFAULT_MAX_BODY,
        metavar="BYTES",
        help="larger request bodies get 413 (default 16 MiB)",
    )
