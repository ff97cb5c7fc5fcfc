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
MIN_TOKEN_LENGTH = 16
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


def check_settings(host: str, token: str | None, allow_origins: Sequence[str]) -> None:
    """a ConfigError for settings that would expose the server or its data."""
    if token is not None and len(token) < MIN_TOKEN_LENGTH:
        raise ConfigError(
            f"the serve token must be at least {MIN_TOKEN_LENGTH} characters "
            "(inngest-codecs keygen makes one)"
        )
    if token is None and not is_loopback(host):
        raise ConfigError(
            f"refusing to serve on {host}, which is not a loopback address, without a token: "
            f"pass --token or set {ENV_TOKEN}"
        )
    for origin in allow_origins:
        if not _ORIGIN.fullmatch(origin):
            raise ConfigError(
                "--allow-origin takes an exact origin such as https://app.example.com "
                "(scheme, host and optional port; no path, no wildcard)"
            )


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
