"""What the Encryptor holds at once while it seals or opens a value (traced by tracemalloc).

The bounds are the ones docs/performance.md explains: encrypting, orjson's
output buffer and one more copy of the JSON at most; decrypting, the plaintext
beside the value it returns and nothing else.
"""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable
from typing import Any

import orjson
import pytest

from inngest_codecs import Encryptor

CODECS = ("secretbox", "aes-gcm")
# Rows of about 16 KB and about 1 MB of JSON, where orjson's buffer is 3.5x and 1.7x the JSON.
SIZES = {"16 KB": 320, "1 MB": 18_000}


def _rows(count: int) -> dict[str, Any]:
    return {"rows": [{"id": i, "name": f"customer {i}", "score": i / 7} for i in range(count)]}


def _traced(operation: Callable[[Any], Any], argument: Any) -> tuple[Any, int, int]:
    """``operation(argument)``, the traced peak while it ran, and what it left allocated."""
    tracemalloc.start()
    try:
        result = operation(argument)
        kept, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, peak, kept


@pytest.mark.parametrize("codec", CODECS)
@pytest.mark.parametrize("size", SIZES)
def test_encrypting_holds_orjsons_buffer_and_one_copy_of_the_json_at_most(
    codec: str, size: str
) -> None:
    value = _rows(SIZES[size])
    json_size = len(orjson.dumps(value))
    _, buffer, _ = _traced(orjson.dumps, value)
    encryptor = Encryptor("memory test key", codec=codec)
    encryptor.encrypt(value)  # the first value alone imports opentelemetry (telemetry looks once)
    _, peak, _ = _traced(encryptor.encrypt, value)
    # Past orjson's buffer, the plaintext, its ciphertext and the base64 (3x at most).
    assert peak <= max(buffer + 1.05 * json_size, 3.05 * json_size)


@pytest.mark.parametrize("codec", CODECS)
@pytest.mark.parametrize("size", SIZES)
def test_decrypting_holds_the_plaintext_beside_the_value_and_nothing_else(
    codec: str, size: str
) -> None:
    value = _rows(SIZES[size])
    json_size = len(orjson.dumps(value))
    encryptor = Encryptor("memory test key", codec=codec)
    sealed = encryptor.encrypt(value)
    opened, peak, kept = _traced(encryptor.decrypt, sealed)
    assert opened == value
    assert peak - kept <= 1.05 * json_size
