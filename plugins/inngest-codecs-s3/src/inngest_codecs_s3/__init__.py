"""An S3 store for the claim check of inngest-codecs (the ``s3`` store)."""

from __future__ import annotations

import contextlib
import math
import urllib.parse
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from inngest_codecs.errors import KeyConfigError, StoredObjectMissingError, StoreError
from inngest_codecs.offload import Store

DEFAULT_CONNECT_TIMEOUT = 3.0
DEFAULT_READ_TIMEOUT = 5.0
_MISSING = {"NoSuchKey", "404", "NotFound"}
_URL_OPTIONS = ("endpoint_url", "region", "connect_timeout", "read_timeout")
_URL_FORM = "s3://bucket/prefix?endpoint_url=URL&region=REGION&connect_timeout=S&read_timeout=S"


def _seconds(name: str, value: object) -> float:
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            value = float(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise KeyConfigError(f"S3 store option {name} must be a number of seconds")
    if not (value > 0 and math.isfinite(value)):
        raise KeyConfigError(f"S3 store option {name} must be greater than 0")
    return float(value)


class S3Store(Store):
    """Objects under ``prefix`` in ``bucket``.

    URL: ``s3://bucket[/prefix][?OPTIONS]``, options ``endpoint_url``, ``region``,
    ``connect_timeout`` and ``read_timeout`` (seconds).

    Without ``client``, a boto3 client is made with ``client_options`` (as
    ``boto3.client("s3", ...)`` takes them) and timeouts of its own:
    ``connect_timeout`` (default 3 s) and ``read_timeout`` (default 5 s, the
    longest wait for the next bytes of an answer). A ``config`` among the options is
    merged over them. A ``client`` you pass is used as it is, timeouts included.
    """

    name = "s3"

    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        *,
        client: Any = None,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        read_timeout: float = DEFAULT_READ_TIMEOUT,
        **client_options: Any,
    ) -> None:
        if not bucket:
            raise KeyConfigError("the S3 store needs a bucket: s3://bucket/prefix")
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        if client is None:
            timeouts = Config(
                connect_timeout=_seconds("connect_timeout", connect_timeout),
                read_timeout=_seconds("read_timeout", read_timeout),
            )
            given = client_options.pop("config", None)
            config = timeouts.merge(given) if given is not None else timeouts
            client = boto3.client("s3", config=config, **client_options)
        self._client = client

    @classmethod
    def from_url(cls, url: str) -> S3Store:
        parts = urllib.parse.urlsplit(url)
        options = urllib.parse.parse_qs(parts.query)
        unknown = set(options) - set(_URL_OPTIONS)
        if unknown:
            raise KeyConfigError(
                f"unknown S3 store option(s) {', '.join(sorted(unknown))}: {_URL_FORM}"
            )
        given: dict[str, Any] = {name: values[0] for name, values in options.items()}
        if "region" in given:
            given["region_name"] = given.pop("region")
        return cls(parts.netloc, urllib.parse.unquote(parts.path), **given)

    def _where(self, name: str) -> str:
        return f"s3://{self.bucket}/{self.prefix}{name}"

    def put(self, name: str, data: bytes) -> None:
        try:
            self._client.put_object(Bucket=self.bucket, Key=self.prefix + name, Body=data)
        except (ClientError, BotoCoreError) as error:
            raise StoreError(f"cannot write {self._where(name)}: {_describe(error)}") from None

    def get(self, name: str, size: int) -> bytes:
        # A ranged read, and a bounded one: S3-compatible stores may ignore the range.
        try:
            response = self._client.get_object(
                Bucket=self.bucket, Key=self.prefix + name, Range=f"bytes=0-{size}"
            )
            body = response["Body"]
            try:
                data: bytes = body.read(size + 1)
            finally:
                body.close()
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code")
            if code in _MISSING:
                raise StoredObjectMissingError(f"{self._where(name)} does not exist") from None
            if code == "InvalidRange":  # an empty object: the claim check refuses its size
                return b""
            raise StoreError(f"cannot read {self._where(name)}: {_describe(error)}") from None
        except BotoCoreError as error:
            raise StoreError(f"cannot read {self._where(name)}: {_describe(error)}") from None
        return data

    def __repr__(self) -> str:
        return f"<S3Store bucket={self.bucket!r} prefix={self.prefix!r}>"


def _describe(error: Exception) -> str:
    if isinstance(error, ClientError):
        return str(error.response.get("Error", {}).get("Code", "refused"))
    return f"{type(error).__name__}: {error}"


__all__ = ["S3Store"]
