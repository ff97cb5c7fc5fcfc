"""The data-key caches' limits, with a clock the test moves by hand."""

from __future__ import annotations

import os

import pytest

from .conftest import kms_module

caches = kms_module("inngest_codecs_aws_kms.caches")
AESGCM = kms_module("cryptography.hazmat.primitives.ciphers.aead").AESGCM


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Maker:
    def __init__(self) -> None:
        self.made = 0

    def __call__(self) -> object:
        self.made += 1
        return caches.DataKey(AESGCM(os.urandom(32)), b"header", b"aad")


def test_a_data_key_encrypts_until_it_is_max_age_old() -> None:
    clock, make = Clock(), Maker()
    cache = caches.EncryptionKeyCache(
        max_age=300, max_values=10**6, max_bytes=10**9, failure_max_age=1, clock=clock
    )
    first = cache.reserve(10, make)
    clock.now += 299.9
    assert cache.reserve(10, make) is first
    clock.now += 0.1
    assert cache.reserve(10, make) is not first
    assert make.made == 2


def test_a_data_key_encrypts_at_most_max_values_values() -> None:
    make = Maker()
    cache = caches.EncryptionKeyCache(
        max_age=300, max_values=3, max_bytes=10**9, failure_max_age=1, clock=Clock()
    )
    keys = [cache.reserve(1, make) for _ in range(7)]
    assert [keys.index(key) for key in keys] == [0, 0, 0, 3, 3, 3, 6]


def test_a_data_key_encrypts_at_most_max_bytes_bytes() -> None:
    make = Maker()
    cache = caches.EncryptionKeyCache(
        max_age=300, max_values=100, max_bytes=100, failure_max_age=1, clock=Clock()
    )
    keys = [cache.reserve(size, make) for size in (60, 40, 1, 500, 1)]
    assert [keys.index(key) for key in keys] == [0, 0, 2, 3, 4]


def data_key(header: bytes) -> object:
    return caches.DataKey(AESGCM(os.urandom(32)), header, header + b"aad")


def test_opened_keys_leave_after_max_age_and_by_least_recent_use() -> None:
    clock = Clock()
    cache = caches.DecryptionKeyCache(capacity=2, max_age=300, failure_max_age=1, clock=clock)
    a, b, c = data_key(b"a"), data_key(b"b"), data_key(b"c")
    cache.put(a)
    cache.put(b)
    assert cache.get(b"a") is a  # now b is the least recently used
    cache.put(c)
    assert cache.get(b"b") is None
    assert (cache.get(b"a"), cache.get(b"c")) == (a, c)
    clock.now += 300
    assert cache.get(b"a") is None
    assert len(cache) == 1


def test_reprs_show_no_key() -> None:
    key = os.urandom(32)
    opened = caches.DataKey(AESGCM(key), b"header", b"aad")
    cache = caches.DecryptionKeyCache(capacity=2, max_age=300, failure_max_age=1)
    cache.put(opened)
    for text in (repr(opened), repr(cache), repr(opened.aead)):
        assert key.hex() not in text and repr(key)[2:-1] not in text


class Refusal(Exception):
    pass


def test_a_failed_call_is_remembered_for_failure_max_age_then_tried_again() -> None:
    clock = Clock()
    cache = caches.DecryptionKeyCache(capacity=2, max_age=300, failure_max_age=1, clock=clock)
    calls = []

    def refuse() -> object:
        calls.append(1)
        raise Refusal("KMS said no")

    for _ in range(3):
        with pytest.raises(Refusal, match="KMS said no"):
            cache.open(b"forged", refuse)
    assert len(calls) == 1
    opened = data_key(b"other")
    assert cache.open(b"other", lambda: opened) is opened  # other headers are asked for
    clock.now += 1
    with pytest.raises(Refusal):
        cache.open(b"forged", refuse)
    assert len(calls) == 2
    good = data_key(b"forged")
    clock.now += 1
    assert cache.open(b"forged", lambda: good) is good
    assert cache.open(b"forged", refuse) is good  # kept, not asked for again
    assert len(calls) == 2
