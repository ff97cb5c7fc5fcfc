"""Peak memory of encrypting and decrypting, as a multiple of the value's JSON size."""

from __future__ import annotations

import base64
import os
import tracemalloc
from collections.abc import Callable
from typing import Any

import orjson
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from nacl import bindings

from inngest_codecs import Encryptor

from . import cases

FLOOR_ENCRYPT = "floor encrypt"
"""Rows of the floor's encrypting peak: a reference beside the targets, not one of them."""


def _floor_encrypts() -> dict[str, Callable[[Any], bytes]]:
    """The floors' encrypting halves (see `benchmarks.cases`): orjson, the AEAD, base64."""
    key, aead = os.urandom(32), AESGCM(os.urandom(32))

    def secretbox(value: Any) -> bytes:
        nonce = os.urandom(24)
        return base64.b64encode(
            nonce + bindings.crypto_secretbox_easy(orjson.dumps(value), nonce, key)
        )

    def aes_gcm(value: Any) -> bytes:
        nonce = os.urandom(12)
        return base64.b64encode(nonce + aead.encrypt(nonce, orjson.dumps(value), None))

    return {"secretbox": secretbox, "aes-gcm": aes_gcm}


def peaks(
    labels: tuple[str, ...] = ("16 KB", "16 KB, nulls", "4 MB", "4 MB, nulls"),
) -> dict[str, float]:
    """Traced peak, per payload, codec and direction, as a multiple of the JSON size.

    Encrypting: the whole peak, the envelope it returns included, beside the
    floor's (orjson, the AEAD, base64). Decrypting: the peak less the decoded
    value it returns (Python objects for a document take several times its
    JSON size, whoever decodes it).
    """
    found = {}
    every = cases.payloads()
    floors = _floor_encrypts()
    for label in labels:
        value = every[label]
        size = len(orjson.dumps(value))
        for codec in ("secretbox", "aes-gcm"):
            encryptor = Encryptor(cases.KEY, codec=codec)
            encryptor.decrypt(encryptor.encrypt(0))  # what the first value loads is not traced
            _, floor_peak, _ = traced(floors[codec], value)
            found[f"{label}, {codec} {FLOOR_ENCRYPT}"] = floor_peak / size
            envelope, encrypt_peak, _ = traced(encryptor.encrypt, value)
            opened, decrypt_peak, kept = traced(encryptor.decrypt, envelope)
            assert opened == value
            found[f"{label}, {codec} encrypt"] = encrypt_peak / size
            found[f"{label}, {codec} decrypt"] = (decrypt_peak - kept) / size
    return found


def traced(operation: Any, argument: Any) -> tuple[Any, int, int]:
    """``operation(argument)``, the traced peak while it ran, and what it left allocated."""
    tracemalloc.start()
    try:
        result = operation(argument)
        kept, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, peak, kept
