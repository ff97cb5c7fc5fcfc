"""Refusing replayed requests: read the signature the SDK verified, and check its age.

The SDK checks that a request is signed with the signing key, but not when it
was signed, so a captured request could be sent again hours later. Every
Inngest request signature carries its timestamp (``t=<unix seconds>&s=<mac>``);
a request whose timestamp is too far from now is refused before anything is
decrypted.

The signature read here must be the one the SDK verified. Each serve adapter
hands the SDK ``dict(headers.items())``, so with a repeated header the SDK
verifies one copy and a naive reader may check another; a request carrying more
than one signature is therefore refused outright. WSGI and Django join repeated
headers with commas, and a signature never contains one, so a comma counts as a
second signature too.
"""

from __future__ import annotations

import time
import urllib.parse
from collections.abc import Mapping
from typing import Any

from ..errors import RequestRefusedError

HEADER = "x-inngest-signature"


def _is_connect(raw_request: object) -> bool:
    """Inngest Connect: requests arrive over an authenticated connection, unsigned."""
    return type(raw_request).__name__ == "GatewayExecutorRequestData"


def _headers_of(raw_request: object) -> object | None:
    try:
        headers = getattr(raw_request, "headers", None)
    except RuntimeError:  # a framework request proxy used outside its request
        return None
    if headers is None and isinstance(raw_request, dict):
        # inngest.digital_ocean passes {"event": <the raw web event>, "context": ...}
        event = raw_request.get("event")
        http = event.get("http") if isinstance(event, dict) else None
        return http.get("headers") if isinstance(http, dict) else None
    return headers


def signatures_of(raw_request: object) -> list[str] | None:
    """Every signature the request carries; ``None`` when its headers cannot be read.

    Works for Flask and Django (werkzeug and Django header objects), FastAPI
    and other Starlette apps, Tornado, and DigitalOcean's raw events.
    """
    headers: Any = _headers_of(raw_request)
    getlist = getattr(headers, "getlist", None) or getattr(headers, "get_list", None)
    if callable(getlist):
        values = list(getlist(HEADER))
    elif isinstance(headers, Mapping):
        values = [value for name, value in headers.items() if str(name).lower() == HEADER]
    else:
        return None
    found: list[str] = []
    for value in values:
        found.extend(part.strip() for part in str(value).split(","))
    return found


class SignedRequest:
    """What a request says about its signature, read when the middleware is built.

    Read early because framework request proxies (Flask's) may be gone by the
    time the hooks run in another task.
    """

    __slots__ = ("connect", "signatures")

    def __init__(self, raw_request: object) -> None:
        self.connect = _is_connect(raw_request)
        self.signatures = None if self.connect else signatures_of(raw_request)

    def check(self, *, max_age: float, max_skew: float, now: float | None = None) -> None:
        """Raise `RequestRefusedError` unless it carries one signature made about now."""
        if self.connect:
            return
        if self.signatures is None:
            raise RequestRefusedError(
                "request refused: its signature cannot be read on this serve adapter, so its "
                "age cannot be checked (serve with flask, fast_api, django, tornado or "
                "digital_ocean, or set max_signature_age=None to turn the check off)"
            )
        if len(self.signatures) != 1:
            raise RequestRefusedError(
                "request refused: it carries no signature"
                if not self.signatures
                else f"request refused: it carries {len(self.signatures)} signatures, "
                "where Inngest sends one"
            )
        stamp = urllib.parse.parse_qs(self.signatures[0]).get("t", [""])[0]
        if not stamp.isdigit():
            raise RequestRefusedError("request refused: its signature has no timestamp")
        age = (time.time() if now is None else now) - int(stamp)
        if age > max_age:
            raise RequestRefusedError(
                f"request refused: it was signed {age:.0f} s ago, more than "
                f"max_signature_age ({max_age:g} s): a replayed request, or this "
                "machine's clock is ahead"
            )
        if -age > max_skew:
            raise RequestRefusedError(
                f"request refused: it is signed {-age:.0f} s in the future, more than "
                f"max_clock_skew ({max_skew:g} s): this machine's clock is behind"
            )
