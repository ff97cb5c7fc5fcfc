"""The codec server under uvicorn on a free loopback port, with its audit log captured."""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest

from inngest_codecs import Encryptor
from inngest_codecs.for_inngest.rest_api import InngestAPI
from inngest_codecs.keyring import Keyring
from inngest_codecs.server.app import create_app
from inngest_codecs.server.audit import AuditLog
from inngest_codecs.server.credentials import Credentials
from inngest_codecs.server.settings import LOOPBACK_NAMES
from inngest_codecs.testing import serve_asgi

KEY = "server-test-key that is long enough to be strong"
OLD_KEY = "server-test-old-key that is long enough to be strong"
TOKEN = "a-token-of-at-least-16-characters"
AUTH = {"authorization": f"Bearer {TOKEN}"}


@dataclass
class RunningServer:
    url: str
    audit_stream: io.StringIO = field(repr=False)

    def audit_lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.audit_stream.getvalue().splitlines()]


@contextlib.contextmanager
def codec_server(
    encryptor: Encryptor | None = None,
    *,
    credentials: Credentials | None = None,
    keyring: Keyring | None = None,
    allow_origins: Sequence[str] = (),
    max_body: int = 1 << 20,
    api: InngestAPI | None = None,
) -> Iterator[RunningServer]:
    stream = io.StringIO()
    app = create_app(
        encryptor or Encryptor(KEY, fallback_keys=[OLD_KEY]),
        credentials=credentials or Credentials.parse(f"oncall: {TOKEN}"),
        keyring=keyring,
        allow_origins=allow_origins,
        allowed_hosts=LOOPBACK_NAMES,
        max_body=max_body,
        audit=AuditLog(stream),
        api=api,
    )
    with serve_asgi(app) as url:
        yield RunningServer(url, stream)


@pytest.fixture
def server() -> Iterator[RunningServer]:
    with codec_server() as running:
        yield running
