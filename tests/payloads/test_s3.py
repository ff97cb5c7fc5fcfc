"""The S3 store (plugin inngest-codecs-s3) against moto's S3 server over HTTP on 127.0.0.1."""

from __future__ import annotations

import hashlib
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from inngest_codecs import Encryptor
from inngest_codecs.errors import StoredObjectAlteredError, StoredObjectMissingError, StoreError
from inngest_codecs.registry import available_stores, open_store

from ..conftest import needs_s3_plugin
from .data import api_response, records

pytestmark = [pytest.mark.slow, needs_s3_plugin]

KEY = "s3 key"
BUCKET = "inngest-offload"
CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
GUARD = 60.0
"""Seconds a call may take before the test fails instead of hanging (never reached when green)."""


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def client(endpoint: str) -> Any:
    import boto3

    s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", **CREDENTIALS)
    s3.create_bucket(Bucket=BUCKET)
    yield s3
    listed = s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])
    for item in listed:
        s3.delete_object(Bucket=BUCKET, Key=item["Key"])
    s3.delete_bucket(Bucket=BUCKET)


def keys(client: Any) -> list[str]:
    return [item["Key"] for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", [])]


def test_the_plugin_is_discovered() -> None:
    assert "s3" in available_stores()


@pytest.mark.parametrize("codec", ["secretbox", "aes-gcm"])
def test_six_megabytes_round_trip_through_s3(codec: str, client: Any) -> None:
    from inngest_codecs_s3 import S3Store

    value = api_response(6_000_000)
    store = S3Store(BUCKET, "runs/", client=client)
    encryptor = Encryptor(KEY, codec=codec, offload_over=3_000_000, offload_store=store)
    sealed = encryptor.encrypt(value)
    assert sealed["__STRATEGY__"].endswith("+offload")
    [key] = keys(client)
    assert key.startswith("runs/")
    stored = client.get_object(Bucket=BUCKET, Key=key)["Body"].read()
    assert key == "runs/" + hashlib.sha256(stored).hexdigest()
    assert Encryptor(KEY, offload_store=store).decrypt(sealed) == value


def test_store_from_its_url(endpoint: str, client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    url = f"s3://{BUCKET}/nested/prefix?endpoint_url={endpoint}&region=us-east-1"
    encryptor = Encryptor(KEY, compression="zstd", offload_over=500, offload_store=url)
    value = records(300)
    sealed = encryptor.encrypt(value)
    [key] = keys(client)
    assert key.startswith("nested/prefix/")
    assert Encryptor(KEY, offload_store=url).decrypt(sealed) == value


def test_missing_and_altered_objects(client: Any) -> None:
    from inngest_codecs_s3 import S3Store

    store = S3Store(BUCKET, client=client)
    encryptor = Encryptor(KEY, offload_over=100, offload_store=store)
    sealed = encryptor.encrypt(records(30))
    [key] = keys(client)
    client.put_object(Bucket=BUCKET, Key=key, Body=b"something else")
    with pytest.raises(StoredObjectAlteredError):
        encryptor.decrypt(sealed)
    client.delete_object(Bucket=BUCKET, Key=key)
    with pytest.raises(StoredObjectMissingError, match=key):
        encryptor.decrypt(sealed)


def test_unreachable_or_refusing_store_is_a_store_error(endpoint: str, client: Any) -> None:
    from botocore.config import Config
    from inngest_codecs_s3 import S3Store

    once = Config(retries={"max_attempts": 1, "mode": "standard"})
    closed = S3Store(
        BUCKET,
        endpoint_url="http://127.0.0.1:9",
        config=once,
        region_name="us-east-1",
        **CREDENTIALS,
    )
    with pytest.raises(StoreError, match="cannot write"):
        Encryptor(KEY, offload_over=100, offload_store=closed).encrypt(records(30))
    no_bucket = S3Store("no-such-bucket", client=client)
    with pytest.raises(StoreError, match="NoSuchBucket"):
        Encryptor(KEY, offload_over=100, offload_store=no_bucket).encrypt(records(30))


def test_bad_urls_are_configuration_errors() -> None:
    from inngest_codecs import ConfigError

    with pytest.raises(ConfigError, match="bucket"):
        open_store("s3:///prefix")
    with pytest.raises(ConfigError, match="unknown S3 store option"):
        open_store("s3://bucket/p?sse=aws:kms")


def test_reads_are_ranged_to_the_size_in_the_reference(client: Any) -> None:
    from inngest_codecs_s3 import S3Store

    store = S3Store(BUCKET, client=client)
    encryptor = Encryptor(KEY, offload_over=100, offload_store=store)
    sealed = encryptor.encrypt(records(30))
    [key] = keys(client)
    size = client.head_object(Bucket=BUCKET, Key=key)["ContentLength"]
    client.put_object(Bucket=BUCKET, Key=key, Body=b"\0" * (32 * 1024 * 1024))
    answered: list[int] = []
    client.meta.events.register(
        "after-call.s3.GetObject",
        lambda parsed, **_: answered.append(parsed["ContentLength"]),
    )
    with pytest.raises(StoredObjectAlteredError):
        encryptor.decrypt(sealed)
    assert answered == [size + 1], "S3 sent one byte more than the reference's size, no more"


@pytest.fixture
def silent_endpoint() -> Iterator[str]:
    """An HTTP endpoint that accepts connections and never answers (a store that hangs)."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"


def test_a_hanging_store_fails_at_its_timeouts_given_in_the_url(
    silent_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    url = (
        f"s3://{BUCKET}/p?endpoint_url={silent_endpoint}&region=us-east-1"
        "&connect_timeout=0.5&read_timeout=0.5"
    )
    encryptor = Encryptor(KEY, offload_over=100, offload_store=url)
    failures: list[BaseException] = []

    def write() -> None:
        try:
            encryptor.encrypt(records(30))
        except BaseException as error:  # kept for the test to look at
            failures.append(error)

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    writer.join(GUARD)
    assert not writer.is_alive(), "the write outlived its read timeout"
    [failure] = failures
    assert isinstance(failure, StoreError)
    assert "ReadTimeoutError" in str(failure)


@pytest.mark.parametrize("option", ["connect_timeout", "read_timeout"])
@pytest.mark.parametrize("value", ["0", "-1", "soon", "inf"])
def test_timeouts_in_the_url_are_checked(option: str, value: str) -> None:
    from inngest_codecs import KeyConfigError

    with pytest.raises(KeyConfigError, match=option):
        open_store(f"s3://bucket/p?{option}={value}")
