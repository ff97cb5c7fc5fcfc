"""The codec server's settings and the checks that keep it from exposing data.

Importing this needs neither Starlette nor uvicorn.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Sequence

from ..errors import ConfigError

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8290
DEFAULT_MAX_BODY = 16 * 1024 * 1024
ENV_TOKEN = "INNGEST_CODECS_SERVE_TOKEN"
ENV_CREDENTIALS = "INNGEST_CODECS_CREDENTIALS_FILE"
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
_PORT = r"(:[0-9]{1,5})?"
_ORIGIN = re.compile(rf"https?://([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]){_PORT}")


def is_loopback(host: str) -> bool:
    """Whether binding ``host`` keeps the server on this machine."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def normalized_origin(origin: str) -> str:
    """An origin as browsers send it: ``https://app.inngest.com/`` loses its slash."""
    return origin.strip().rstrip("/")


def check_settings(host: str, configured: bool, allow_origins: Sequence[str]) -> None:
    """a ConfigError for settings that would expose the server or its data.

    ``configured`` says whether credentials were given (a token or a credentials
    file); off loopback they must be, since a generated login URL would travel there.
    """
    if not configured and not is_loopback(host):
        raise ConfigError(
            f"refusing to serve on {host}, which is not a loopback address, without "
            f"configured credentials: pass --credentials FILE or --token (or set "
            f"{ENV_CREDENTIALS} or {ENV_TOKEN})"
        )
    for origin in allow_origins:
        if not _ORIGIN.fullmatch(normalized_origin(origin)):
            raise ConfigError(
                "--allow-origin takes an exact origin such as https://app.example.com "
                "(scheme, host and optional port; no path, no wildcard)"
            )


def check_port(text: str) -> int:
    """A TCP port number (0: any free port); a ConfigError otherwise."""
    if not text.isdigit() or int(text) > 65535:
        raise ConfigError(f"--port takes a number from 0 to 65535, not {text[:20]!a}")
    return int(text)


def listen(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port``; a ConfigError when that is impossible."""
    try:
        infos = socket.getaddrinfo(host.strip("[]"), port, type=socket.SOCK_STREAM)
        family, kind, proto, _, address = infos[0]
        sock = socket.socket(family, kind, proto)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
    except OSError as error:
        raise ConfigError(
            f"cannot listen on {host}:{port}: {error.strerror or type(error).__name__}"
        ) from None
    return sock
