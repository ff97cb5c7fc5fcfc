"""The codec server opens a nested document holding envelopes made by the TypeScript
packages (LibSodiumEncryptionService, and aes-gcm.ts) next to ones made in Python."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from inngest_codecs import Encryptor
from inngest_codecs.codecs.aesgcm import STRATEGY as AES_GCM
from inngest_codecs.codecs.secretbox import SecretBoxCodec

from ..server.conftest import AUTH, codec_server
from .conftest import Bridge

pytestmark = pytest.mark.slow

KEY = "interop server key"
LIBSODIUM = SecretBoxCodec.strategy


def _ts_envelope(node: Bridge, service: str, strategy: str, value: Any) -> dict[str, Any]:
    """The envelope @inngest/middleware-encryption writes around a service's output."""
    data = node.call(f"{service}.encrypt", keys=[KEY], value=value)
    return {"__ENCRYPTED__": True, "__STRATEGY__": strategy, "data": data}


def test_a_document_from_typescript_and_python_peers_decodes(node: Bridge) -> None:
    card = {"number": "4111-1111-1111-1111", "exp": "12/29"}
    document = {
        "event": {
            "name": "shop/checkout",
            "data": {"order": 7, "encrypted": _ts_envelope(node, "libsodium", LIBSODIUM, card)},
        },
        "steps": [
            {"id": "ts-charge", "data": _ts_envelope(node, "aesgcm", AES_GCM, {"charged": 1299})},
            {"id": "py-receipt", "data": Encryptor(KEY, codec="aes-gcm").encrypt(["r", 1])},
            {"id": "py-note", "data": Encryptor(KEY).encrypt("日本語 ✓")},
        ],
        "output": _ts_envelope(node, "libsodium", LIBSODIUM, None),
    }
    with codec_server(Encryptor(KEY)) as server:
        response = httpx.post(
            f"{server.url}/decode",
            content=json.dumps(document),
            headers={"content-type": "application/json", **AUTH},
        )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["failures"] == []
    assert body["document"] == {
        "event": {"name": "shop/checkout", "data": {"order": 7, "encrypted": card}},
        "steps": [
            {"id": "ts-charge", "data": {"charged": 1299}},
            {"id": "py-receipt", "data": ["r", 1]},
            {"id": "py-note", "data": "日本語 ✓"},
        ],
        "output": None,
    }
    assert sorted(o["codec"] for o in body["opened"]) == ["aes-gcm"] * 2 + ["secretbox"] * 3
