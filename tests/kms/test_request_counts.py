"""Requests that reach KMS, counted at the server: data keys are cached, not fetched per value."""

from __future__ import annotations

import math
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from inngest_codecs import Encryptor

from ..reliability.figures import count

pytestmark = pytest.mark.slow

VALUES = 10_000


def values() -> list[dict[str, Any]]:
    return [
        {"order": index, "customer": f"customer-{index}", "total": index / 7}
        for index in range(VALUES)
    ]


def test_ten_thousand_values_cost_one_data_key_each_way(local_kms: Any, kms_key: str) -> None:
    writer = Encryptor(kms_key, codec="aws-kms")
    local_kms.reset_counts()
    started = time.monotonic()
    sealed = [writer.encrypt(value) for value in values()]
    windows = 1 + math.floor((time.monotonic() - started) / 300)  # max_age's default
    generated = local_kms.requests["GenerateDataKey"]
    assert 1 <= generated <= windows
    assert [writer.decrypt(each) for each in sealed] == values()
    assert local_kms.requests["Decrypt"] == 0  # the writer keeps its own data keys

    reader = Encryptor(kms_key, codec="aws-kms")  # as another process would
    assert [reader.decrypt(each) for each in sealed] == values()
    assert local_kms.requests["Decrypt"] == generated
    count(f"KMS GenerateDataKey requests for {VALUES:,} values", generated)
    count(f"KMS Decrypt requests for {VALUES:,} values, another reader", generated)
    count(
        f"KMS requests in all for {VALUES:,} values written and read",
        sum(local_kms.requests.values()),
    )


def test_max_values_bounds_how_much_one_data_key_seals(local_kms: Any, kms_key: str) -> None:
    writer = Encryptor(kms_key, codec="aws-kms", codec_options={"max_values": 1_000})
    local_kms.reset_counts()
    sealed = [writer.encrypt(value) for value in values()]
    assert local_kms.requests["GenerateDataKey"] == VALUES // 1_000
    reader = Encryptor(kms_key, codec="aws-kms")
    assert [reader.decrypt(each) for each in sealed] == values()
    assert local_kms.requests["Decrypt"] == VALUES // 1_000


def test_max_bytes_bounds_how_much_one_data_key_seals(local_kms: Any, kms_key: str) -> None:
    writer = Encryptor(kms_key, codec="aws-kms", codec_options={"max_bytes": 10_000})
    local_kms.reset_counts()
    for _ in range(10):
        writer.encrypt("x" * 2_498)  # 2,500 bytes of JSON: four values per data key
    assert local_kms.requests["GenerateDataKey"] == 3
    writer.encrypt("y" * 20_000)  # larger than max_bytes: a data key of its own
    writer.encrypt("z")
    assert local_kms.requests["GenerateDataKey"] == 5


def test_threads_starting_together_share_one_kms_request(local_kms: Any, kms_key: str) -> None:
    writer = Encryptor(kms_key, codec="aws-kms")
    reader = Encryptor(kms_key, codec="aws-kms")
    threads = 8
    start = threading.Barrier(threads)

    def write(index: int) -> dict[str, Any]:
        start.wait(timeout=60)
        return writer.encrypt({"thread": index})

    def read(sealed: dict[str, Any]) -> object:
        start.wait(timeout=60)
        return reader.decrypt(sealed)

    local_kms.reset_counts()
    with ThreadPoolExecutor(threads) as pool:
        sealed = list(pool.map(write, range(threads)))
        assert list(pool.map(read, sealed)) == [{"thread": index} for index in range(threads)]
    assert local_kms.requests["GenerateDataKey"] == 1
    assert local_kms.requests["Decrypt"] == 1


def test_the_decryption_cache_is_bounded(local_kms: Any, kms_key: str) -> None:
    sealed = [Encryptor(kms_key, codec="aws-kms").encrypt(index) for index in range(3)]
    reader = Encryptor(kms_key, codec="aws-kms", codec_options={"decrypt_cache_size": 2})
    local_kms.reset_counts()
    for index in (0, 1, 2, 2, 1, 0):  # 0 left the cache when 2 came in
        assert reader.decrypt(sealed[index]) == index
    assert local_kms.requests["Decrypt"] == 4
