"""A client of a running codec server: the CLI opens documents there, holding no keys itself.

    POST {endpoint}/decode   Authorization: Bearer <your credential>

The server decides with its keys and your credential's tenants, and its audit
log records who asked. Off loopback the endpoint must be https, since the
credential and the plaintext travel over it.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import httpx

from .. import strictjson
from ..errors import CodecServerError, ConfigError, EncodingError
from ..jsoninput import read_json
from ..net import LOCAL_HOSTS, read_capped
from .decoded import Decoded

API_HEADER = "x-inngest-codecs"
MAX_ANSWER_BYTES = 256 * 1024 * 1024


class CodecEndpoint:
    """Opens documents through the codec server at ``url`` with the credential ``token``."""

    def __init__(self, url: str, token: str | None, *, timeout: float = 60.0) -> None:
        parts = urlsplit(url.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError("--codec-endpoint takes a URL such as http://127.0.0.1:8290")
        if parts.scheme == "http" and parts.hostname not in LOCAL_HOSTS:
            raise ConfigError(
                "--codec-endpoint must be https off this machine: your credential and the "
                "decrypted data travel over it"
            )
        if token is None:
            raise ConfigError(
                "--codec-endpoint needs your credential: pass --codec-token or set "
                "INNGEST_CODECS_TOKEN"
            )
        self.url = url.strip().rstrip("/")
        self._token = token
        self._timeout = timeout

    def decode(self, document: Any) -> Decoded:
        body = self._post("/decode", strictjson.dumps(document))
        if not isinstance(body, dict) or not {"document", "opened", "failures"} <= set(body):
            raise self._unexpected()
        try:
            opened = [
                (str(e["path"]), e.get("tenant"), e.get("opened_with")) for e in body["opened"]
            ]
            failures = [(str(f["path"]), str(f["reason"])) for f in body["failures"]]
        except (TypeError, KeyError, AttributeError):
            raise self._unexpected() from None
        return Decoded(body["document"], opened, failures)

    def _post(self, route: str, content: bytes) -> Any:
        headers = {
            "authorization": f"Bearer {self._token}",
            "content-type": "application/json",
            "accept": "application/json",
            API_HEADER: "cli",
        }
        try:
            with (
                httpx.Client(timeout=self._timeout, follow_redirects=False) as http,
                http.stream("POST", self.url + route, content=content, headers=headers) as answer,
            ):
                data = read_capped(answer, MAX_ANSWER_BYTES)
                status = answer.status_code
        except httpx.HTTPError as error:
            raise CodecServerError(
                f"cannot reach the codec server at {self.url} ({type(error).__name__})"
            ) from None
        if data is None:
            raise CodecServerError(f"the codec server at {self.url} answered too much")
        try:
            body = read_json(data, "the answer")
        except EncodingError:
            body = None
        if status in (401, 403):
            reason = body.get("error") if isinstance(body, dict) else None
            raise ConfigError(
                f"the codec server at {self.url} refused the request ({status}"
                + (f": {reason}" if isinstance(reason, str) else "")
                + ")"
            )
        if status != 200 or body is None:
            reason = body.get("error") if isinstance(body, dict) else None
            if isinstance(reason, str) and status < 500:
                raise CodecServerError(f"the codec server at {self.url}: {reason}", status=status)
            raise CodecServerError(
                f"the codec server at {self.url} answered {status}", status=status
            )
        return body

    def _unexpected(self) -> CodecServerError:
        return CodecServerError(f"{self.url} did not answer as a codec server does")
