"""Peak memory of encrypting and decrypting, as a multiple of the value's JSON size."""

from __future__ import annotations

import tracemalloc
from typing import Any

import orjson

from inngest_codecs import Encryptor

from . import cases


def peaks(
    labels: tuple[str, ...] = ("16 KB", "16 KB, nulls", "4 MB", "4 MB, nulls"),
) -> dict[str, float]:
    """Traced peak, per payload, codec and direction, as a multiple of the JSON size.

    Encrypting: the whole peak, the envelope it returns included. Decrypting:
    the peak less the decoded value it returns (Python objects for a document
    take several times its JSON size, whoever decodes it).
    """
    found = {}
    every = cases.payloads()
    for label in labels:
        value = every[label]
        size = len(orjson.dumps(value))
        for codec in ("secretbox", "aes-gcm"):
            encryptor = Encryptor(cases.KEY, codec=codec)
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
