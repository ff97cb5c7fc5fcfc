"""What is measured: the candidates and the payloads."""

from __future__ import annotations

import base64
import os
from collections.abc import Callable
from typing import Any

import inngest
import orjson
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from inngest_encryption.main import EncryptionMiddleware as Official
from nacl import bindings

from inngest_codecs import Encryptor

KEY = "benchmark-key"
ANCHOR = "inngest_encryption"
FLOOR = {"secretbox": "floor secretbox", "aes-gcm": "floor aes-gcm"}
"""Each codec's floor: the bare parts it is built from, with no checks and no envelope."""


def _record(i: int) -> dict[str, Any]:
    """A customer record as applications store them: some fields often empty (null)."""
    return {
        "id": i,
        "name": f"customer {i}",
        "email": f"customer{i}@example.com",
        "score": i / 7,
        "manager_id": None if i % 3 else i // 3,
        "closed_at": None if i % 4 else "2024-05-01T12:00:00Z",
        "tags": ["vip", None] if i % 5 == 0 else [],
    }


def payloads() -> dict[str, Any]:
    small = {
        "id": "evt_01HZX3",
        "user": {"name": "Ada Lovelace", "email": "ada@example.com"},
        "amount": 1999,
        "tags": ["vip", "eu"],
        "ok": True,
    }
    medium = {"rows": [{"id": i, "name": f"customer {i}", "score": i / 7} for i in range(320)]}
    large = {"rows": [{"id": i, "text": "x" * 100, "score": i / 7} for i in range(33_000)]}
    return {
        "small": small,
        "16 KB": medium,
        "16 KB, nulls": {"rows": [_record(i) for i in range(120)]},
        "4 MB": large,
        "4 MB, nulls": {"rows": [_record(i) for i in range(27_000)]},
    }


RoundTrip = Callable[[Any], Any]


def inngest_encryption_round_trip() -> RoundTrip:
    middleware = Official(inngest.Inngest(app_id="bench", is_production=False), None, KEY)
    return lambda value: middleware._decrypt(middleware._encrypt(value))


def codec_round_trip(codec: str) -> RoundTrip:
    encryptor = Encryptor(KEY, codec=codec)
    return lambda value: encryptor.decrypt(encryptor.encrypt(value))


def floor_secretbox_round_trip() -> RoundTrip:
    """orjson, one libsodium call each way through nacl.bindings, binascii base64."""
    key = os.urandom(32)

    def run(value: Any) -> Any:
        nonce = os.urandom(24)
        data = base64.b64encode(
            nonce + bindings.crypto_secretbox_easy(orjson.dumps(value), nonce, key)
        )
        blob = base64.b64decode(data)
        return orjson.loads(bindings.crypto_secretbox_open_easy(blob[24:], blob[:24], key))

    return run


def floor_aesgcm_round_trip() -> RoundTrip:
    """orjson, one AESGCM call each way, binascii base64."""
    aead = AESGCM(os.urandom(32))

    def run(value: Any) -> Any:
        nonce = os.urandom(12)
        data = base64.b64encode(nonce + aead.encrypt(nonce, orjson.dumps(value), None))
        blob = base64.b64decode(data)
        return orjson.loads(aead.decrypt(blob[:12], blob[12:], None))

    return run


def candidates() -> dict[str, RoundTrip]:
    """Every round trip timed side by side; more can be added before a run."""
    return {
        ANCHOR: inngest_encryption_round_trip(),
        "secretbox": codec_round_trip("secretbox"),
        "aes-gcm": codec_round_trip("aes-gcm"),
        FLOOR["secretbox"]: floor_secretbox_round_trip(),
        FLOOR["aes-gcm"]: floor_aesgcm_round_trip(),
    }
