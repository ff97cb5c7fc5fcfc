"""Compression before encryption: kept only when it saves bytes, marked, bounded, opened by all."""

from __future__ import annotations

import random
from typing import Any

import orjson
import pytest
from hypothesis import given

from inngest_codecs import (
    DecryptionError,
    Encryptor,
    UnknownCodecError,
    UnknownCompressionError,
    registry,
)
from inngest_codecs.compression import MIN_BYTES, compress, decompress
from inngest_codecs.errors import DecompressionError
from inngest_codecs.for_inngest import events
from inngest_codecs.for_inngest.limits import DEFAULT_MAX_STEP_OUTPUT_BYTES, MiB, encoded_size

from ..conftest import json_values
from .data import api_response, compressed_blobs, records

KEY = "compression key"


def _zstd() -> Any:
    import sys

    if sys.version_info >= (3, 14):
        from compression import zstd
    else:
        from backports import zstd
    return zstd


@pytest.mark.parametrize("codec", ["secretbox", "aes-gcm"])
def test_compressible_value_is_compressed_marked_and_opened(codec: str) -> None:
    value = records(200)
    sealed = Encryptor(KEY, codec=codec, compression="zstd").encrypt(value)
    plain = Encryptor(KEY, codec=codec).encrypt(value)
    strategy = Encryptor(KEY, codec=codec).codec.strategy
    assert sealed["__STRATEGY__"] == strategy + "+zstd"
    assert len(sealed["data"]) < len(plain["data"]) / 3
    # Every reader opens it, whatever its own compression setting.
    assert Encryptor(KEY, codec=codec).decrypt(sealed) == value
    assert Encryptor(KEY, codec="secretbox", compression="zstd").decrypt(sealed) == value


def test_compression_is_kept_only_when_it_saves_bytes() -> None:
    incompressible = random.Random(3).randbytes(4096)
    assert compress(incompressible) is None
    text = orjson.dumps(records(20))
    frame = compress(text)
    assert frame is not None and len(frame) < len(text)
    assert decompress(frame, len(text)) == text


def test_base64_of_compressed_data_still_shrinks_by_its_encoding() -> None:
    encryptor = Encryptor(KEY, compression="zstd")
    blobs = compressed_blobs(3, 3000)
    sealed = encryptor.encrypt(blobs)
    assert sealed["__STRATEGY__"] == "inngest/libsodium+zstd"
    assert len(sealed["data"]) < 0.85 * len(Encryptor(KEY).encrypt(blobs)["data"])
    assert encryptor.decrypt(sealed) == blobs


def test_small_values_are_not_compressed() -> None:
    small = {"note": "a" * (MIN_BYTES - 20)}
    assert len(orjson.dumps(small)) < MIN_BYTES
    assert compress(orjson.dumps(small)) is None
    assert Encryptor(KEY, compression="zstd").encrypt(small)["__STRATEGY__"] == "inngest/libsodium"
    large = {"note": "a" * MIN_BYTES}
    assert Encryptor(KEY, compression="zstd").encrypt(large)["__STRATEGY__"].endswith("+zstd")


def test_compression_off_by_default_writes_what_typescript_reads() -> None:
    sealed = Encryptor(KEY).encrypt(records(100))
    assert sealed["__STRATEGY__"] == "inngest/libsodium"


def test_per_value_opt_out() -> None:
    encryptor = Encryptor(KEY, compression="zstd")
    value = records(50)
    assert encryptor.encrypt(value, compress=False)["__STRATEGY__"] == "inngest/libsodium"
    data = events.seal_fields(encryptor, {"encrypted": value, "plain": 1}, compress=False)
    assert data["encrypted"]["__STRATEGY__"] == "inngest/libsodium"
    data = events.seal_fields(encryptor, {"encrypted": value, "plain": 1})
    assert data["encrypted"]["__STRATEGY__"] == "inngest/libsodium+zstd"
    assert events.open_fields(encryptor, data) == {"encrypted": value, "plain": 1}


def test_a_reader_without_the_layer_refuses_it_by_name() -> None:
    # What an earlier version of this package does with the envelope: look its
    # strategy up among the installed codecs.
    sealed = Encryptor(KEY, compression="zstd").encrypt(records(50))
    with pytest.raises(UnknownCodecError) as caught:
        registry.codec_for_strategy(sealed["__STRATEGY__"])
    assert "no installed codec opens strategy 'inngest/libsodium+zstd'" in str(caught.value)


def test_unknown_compression_is_a_configuration_error() -> None:
    with pytest.raises(UnknownCompressionError, match="'gzip'"):
        Encryptor(KEY, compression="gzip")


@pytest.mark.slow
@given(json_values)
def test_any_value_round_trips_with_compression(value: Any) -> None:
    encryptor = Encryptor(KEY, codec="aes-gcm", compression="zstd")
    padded = [value, "x" * MIN_BYTES]  # past the threshold, so compression is tried
    assert encryptor.decrypt(encryptor.encrypt(padded)) == padded


@pytest.mark.slow
def test_three_and_a_half_megabytes_fit_under_the_step_limit_only_compressed(
    record_property: Any,
) -> None:
    value = api_response(3_500_000)
    plain_json = len(orjson.dumps(value))
    assert 3.4e6 < plain_json < 3.6e6
    plain = encoded_size(Encryptor(KEY).encrypt(value))
    compressed = encoded_size(Encryptor(KEY, compression="zstd").encrypt(value))
    record_property("sizes", {"json": plain_json, "plain": plain, "compressed": compressed})
    print(f"3.5 MB JSON: {plain_json:,} B; encrypted {plain:,} B; compressed {compressed:,} B")
    assert plain > DEFAULT_MAX_STEP_OUTPUT_BYTES
    assert compressed < DEFAULT_MAX_STEP_OUTPUT_BYTES
    assert Encryptor(KEY).decrypt(Encryptor(KEY, compression="zstd").encrypt(value)) == value


def _sealed_frame(frame: bytes, codec: str = "secretbox") -> dict[str, Any]:
    """An envelope a key holder made around an arbitrary zstd frame."""
    from inngest_codecs.envelope import build

    encryptor = Encryptor(KEY, codec=codec)
    return build(encryptor.codec.strategy + "+zstd", encryptor.codec.encrypt(frame))


@pytest.mark.slow
def test_zip_bomb_gets_a_typed_error_without_decompressing_it_all() -> None:
    bomb = _zstd().compress(b"[" + b" " * (80 * MiB) + b"]", level=19)
    assert len(bomb) < 64 * 1024
    with pytest.raises(DecompressionError) as caught:
        Encryptor(KEY).decrypt(_sealed_frame(bomb))
    assert caught.value.limit == 64 * MiB
    assert not caught.value.permanent
    assert "max_decompressed_bytes" in str(caught.value)
    # The limit is configurable: raised, the same value opens.
    small_bomb = _zstd().compress(b'"' + b"a" * (2 * MiB) + b'"')
    with pytest.raises(DecompressionError):
        Encryptor(KEY, max_decompressed_bytes=MiB).decrypt(_sealed_frame(small_bomb))
    assert Encryptor(KEY, max_decompressed_bytes=3 * MiB).decrypt(_sealed_frame(small_bomb)) == (
        "a" * (2 * MiB)
    )


def test_frame_that_does_not_state_its_size_is_still_bounded() -> None:
    zstd = _zstd()
    compressor = zstd.ZstdCompressor(options={zstd.CompressionParameter.content_size_flag: 0})
    payload = b"[" + b"0," * 600_000 + b"0]"
    frame = compressor.compress(payload, compressor.FLUSH_FRAME)
    assert zstd.get_frame_info(frame).decompressed_size is None
    with pytest.raises(DecompressionError) as caught:
        decompress(frame, 1000)
    assert caught.value.limit == 1000
    assert decompress(frame, len(payload)) == payload


@pytest.mark.parametrize(
    "mangle",
    [
        pytest.param(lambda f: f[:-7], id="truncated"),
        pytest.param(lambda f: f + b"trailing", id="trailing data"),
        pytest.param(lambda f: f + f, id="two frames"),
        pytest.param(lambda f: b"\x00" * 8 + f, id="not a frame"),
        pytest.param(lambda f: b"", id="empty"),
    ],
)
def test_malformed_frames_get_a_permanent_typed_error(mangle: Any) -> None:
    frame = _zstd().compress(orjson.dumps(records(30)))
    with pytest.raises(DecompressionError) as caught:
        Encryptor(KEY).decrypt(_sealed_frame(mangle(frame)))
    assert caught.value.permanent
    assert caught.value.strategy == "inngest/libsodium+zstd"
    assert isinstance(caught.value, DecryptionError)


def test_layer_suffix_counts_once() -> None:
    sealed = Encryptor(KEY, compression="zstd").encrypt(records(30))
    doubled = {**sealed, "__STRATEGY__": sealed["__STRATEGY__"] + "+zstd"}
    with pytest.raises(UnknownCodecError, match=r"inngest/libsodium\+zstd\+zstd"):
        Encryptor(KEY).decrypt(doubled)


def test_tampered_compressed_value_is_refused_before_decompression() -> None:
    sealed = Encryptor(KEY, codec="aes-gcm", compression="zstd").encrypt(records(30))
    data = bytearray(sealed["data"].encode())
    data[40] = ord("A") if data[40] != ord("A") else ord("B")
    with pytest.raises(DecryptionError) as caught:
        Encryptor(KEY, codec="aes-gcm").decrypt({**sealed, "data": data.decode()})
    assert not isinstance(caught.value, DecompressionError)
