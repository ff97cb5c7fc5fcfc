"""What the Encryptor holds at once while it seals or opens a value (traced by tracemalloc).

The bounds are the ones docs/performance.md explains: encrypting, orjson's
output buffer and one more copy of the JSON at most; decrypting, the plaintext
beside the value it returns and nothing else.
"""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from benchmarks.memory import traced
from inngest_codecs import Encryptor

# Rows of about 16 KB and about 1 MB of JSON, where orjson's buffer is 3.5x and 1.7x the JSON.
ROWS = {"16 KB": 320, "1 MB": 18_000}


@pytest.fixture(
    params=[(codec, size) for codec in ("secretbox", "aes-gcm") for size in ROWS],
    ids=lambda param: f"{param[0]}, {param[1]}",
)
def case(request: pytest.FixtureRequest) -> tuple[Encryptor, Any, int]:
    """An Encryptor, a value and the size of its JSON."""
    codec, size = request.param
    rows = [{"id": i, "name": f"customer {i}", "score": i / 7} for i in range(ROWS[size])]
    value = {"rows": rows}
    encryptor = Encryptor("memory test key", codec=codec)
    # What only the first value does is left out: loading msgspec and cryptography,
    # telemetry's first look.
    encryptor.decrypt(encryptor.encrypt(value))
    return encryptor, value, len(orjson.dumps(value))


def test_encrypting_holds_orjsons_buffer_and_one_copy_of_the_json_at_most(
    case: tuple[Encryptor, Any, int],
) -> None:
    encryptor, value, json_size = case
    _, buffer, _ = traced(orjson.dumps, value)
    _, peak, _ = traced(encryptor.encrypt, value)
    # Past orjson's buffer, the plaintext, its ciphertext and the base64 (3x at most).
    assert peak <= max(buffer + 1.05 * json_size, 3.05 * json_size)


def test_decrypting_holds_the_plaintext_beside_the_value_and_nothing_else(
    case: tuple[Encryptor, Any, int],
) -> None:
    encryptor, value, json_size = case
    opened, peak, kept = traced(encryptor.decrypt, encryptor.encrypt(value))
    assert opened == value
    assert peak - kept <= 1.05 * json_size
