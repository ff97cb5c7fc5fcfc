"""The size guard: over a limit a typed error naming what and why; near it, one warning."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from inngest_codecs import CodecError, ConfigError, Encryptor
from inngest_codecs.errors import PayloadTooLargeError
from inngest_codecs.for_inngest import events
from inngest_codecs.for_inngest.limits import (
    DEFAULT_MAX_EVENT_BYTES,
    DEFAULT_MAX_RUN_STATE_BYTES,
    DEFAULT_MAX_STEP_OUTPUT_BYTES,
    KiB,
    MiB,
    SizeGuard,
    SizeLimits,
    encoded_size,
    envelope_size,
)
from inngest_codecs.offload import LocalDirectoryStore

from ..conftest import json_values
from .data import api_response, records

KEY = "limits key"
SECRET = "ssn 123-45-6789"


def test_defaults_are_inngests_limits() -> None:
    limits = SizeLimits()
    assert limits.max_step_output_bytes == DEFAULT_MAX_STEP_OUTPUT_BYTES == 4 * 1024 * 1024
    assert limits.max_event_bytes == DEFAULT_MAX_EVENT_BYTES == 256 * 1024
    assert limits.max_run_state_bytes == DEFAULT_MAX_RUN_STATE_BYTES == 32 * 1024 * 1024


@pytest.mark.parametrize("bad", [0, -1, 1.5, "4MB", True])
def test_limits_must_be_positive_byte_counts(bad: Any) -> None:
    with pytest.raises(ConfigError, match="max_event_bytes"):
        SizeGuard(SizeLimits(max_event_bytes=bad))


@pytest.mark.slow
@given(json_values, st.sampled_from(["secretbox", "aes-gcm"]))
def test_envelope_sizes_are_computed_without_encoding(value: Any, codec: str) -> None:
    sealed = Encryptor(KEY, codec=codec).encrypt(value)
    assert encoded_size(sealed) == len(orjson.dumps(sealed))
    blob_length = len(sealed["data"]) * 3 // 4 - sealed["data"].count("=")
    assert envelope_size(sealed["__STRATEGY__"], blob_length) == len(orjson.dumps(sealed))


@pytest.mark.slow
@given(json_values)
def test_other_values_are_measured_as_compact_json(value: Any) -> None:
    from inngest_codecs import strictjson

    assert encoded_size(value) == len(strictjson.dumps(value))


@pytest.mark.slow
def test_six_megabyte_step_output_is_refused_naming_the_step() -> None:
    value = {"ssn": SECRET, "rows": api_response(6_000_000)}
    sealed = Encryptor(KEY).encrypt(value)
    with pytest.raises(PayloadTooLargeError) as caught:
        SizeGuard().check_step_output("fetch-customers", sealed, value)
    error = caught.value
    assert isinstance(error, CodecError)
    assert (error.kind, error.name, error.setting) == (
        "step output",
        "fetch-customers",
        "max_step_output_bytes",
    )
    assert error.limit == 4 * MiB
    assert error.encoded_bytes == len(orjson.dumps(sealed))
    assert error.plaintext_bytes == len(orjson.dumps(value))
    message = str(error)
    for expected in (
        "step output 'fetch-customers'",
        f"{error.encoded_bytes:,} bytes",
        f"{error.plaintext_bytes:,} bytes of JSON before encryption",
        "over the limit of 4,194,304 bytes (max_step_output_bytes)",
        "nothing was sent",
        "compression='zstd'",
        "return less from the step",
        "offload_over",
    ):
        assert expected in message
    assert SECRET not in message and sealed["data"][:40] not in message


@pytest.mark.slow
def test_the_same_output_fits_once_offloaded(tmp_path: Path) -> None:
    value = api_response(6_000_000)
    encryptor = Encryptor(KEY, offload_over=3 * MiB, offload_store=LocalDirectoryStore(tmp_path))
    sealed = encryptor.encrypt(value)
    assert SizeGuard().check_step_output("fetch-customers", sealed, value) < 1 * KiB
    assert encryptor.decrypt(sealed) == value


def test_event_over_its_limit_names_the_event() -> None:
    data = {"encrypted": records(1500), "account": "acme"}
    sent = {"name": "shop/imported", "data": events.seal_fields(Encryptor(KEY), data)}
    with pytest.raises(PayloadTooLargeError) as caught:
        SizeGuard().check_event("shop/imported", sent, {"name": "shop/imported", "data": data})
    assert caught.value.kind == "event"
    assert "event 'shop/imported'" in str(caught.value)
    assert "max_event_bytes" in str(caught.value)
    roomy = SizeGuard(SizeLimits(max_event_bytes=3 * MiB))
    assert roomy.check_event("shop/imported", sent, data) == len(orjson.dumps(sent))


def test_function_output_uses_the_step_limit() -> None:
    guard = SizeGuard(SizeLimits(max_step_output_bytes=1000))
    with pytest.raises(PayloadTooLargeError, match="function output 'nightly-report'"):
        guard.check_function_output("nightly-report", Encryptor(KEY).encrypt(records(20)), None)


def test_run_state() -> None:
    guard = SizeGuard()
    assert guard.check_run_state("importer", 20 * MiB) == 20 * MiB
    with pytest.raises(PayloadTooLargeError) as caught:
        guard.check_run_state("importer", 33 * MiB)
    assert caught.value.plaintext_bytes is None
    assert "run state 'importer'" in str(caught.value)
    assert "before encryption" not in str(caught.value)


def test_a_limit_of_none_turns_the_check_off() -> None:
    guard = SizeGuard(SizeLimits(max_step_output_bytes=None, max_run_state_bytes=None))
    sealed = Encryptor(KEY).encrypt(records(10))
    assert guard.check_step_output("s", sealed, None) == len(orjson.dumps(sealed))
    assert guard.check_run_state("f", 10**12) == 10**12


def test_one_warning_per_step_over_eighty_percent(caplog: pytest.LogCaptureFixture) -> None:
    guard = SizeGuard(SizeLimits(max_step_output_bytes=10_000))
    near = Encryptor(KEY).encrypt({"ssn": SECRET, "pad": "x" * 6000})
    far = Encryptor(KEY).encrypt({"pad": "x" * 3000})
    assert 8000 < encoded_size(near) <= 10_000
    with caplog.at_level(logging.WARNING, logger="inngest_codecs"):
        guard.check_step_output("a", far, None)
        for _ in range(3):
            guard.check_step_output("a", near, {"ssn": SECRET})
            guard.check_step_output("b", near, {"ssn": SECRET})
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 2
    assert "step output 'a'" in warnings[0] and "step output 'b'" in warnings[1]
    assert "% of the limit of 10,000 bytes (max_step_output_bytes)" in warnings[0]
    assert all(SECRET not in w for w in warnings)
