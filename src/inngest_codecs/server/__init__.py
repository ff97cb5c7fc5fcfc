"""``inngest-codecs serve``: a codec server and web viewer, on your side of the wire.

Needs the ``serve`` extra (``pip install 'inngest-codecs[serve]'``: Starlette
and uvicorn). [`create_app`][inngest_codecs.server.app.create_app] builds the ASGI
app; `serve` checks the settings and runs
it under uvicorn until interrupted. Importing this package needs neither.
"""

from __future__ import annotations

from .settings import (
    DEFAULT_HOST,
    DEFAULT_MAX_BODY,
    DEFAULT_PORT,
    ENV_CREDENTIALS,
    ENV_TOKEN,
    check_settings,
    is_loopback,
)

__all__ = [
    "DEFAULT_HOST",
    "DEFAULT_MAX_BODY",
    "DEFAULT_PORT",
    "ENV_CREDENTIALS",
    "ENV_TOKEN",
    "check_settings",
    "is_loopback",
]
