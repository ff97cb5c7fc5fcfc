"""An S3 store for the claim check of inngest-codecs (the ``s3`` store)."""

from __future__ import annotations

import urllib.parse
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from inngest_codecs.errors import KeyConfigError, StoredObjectMissingError, StoreError
from inngest_codecs.offload import Store

_MISSING = {"NoSuchKey", "404", "NotFound"}


class S3Store(Store):
    """Objects under ``prefix`` in ``bucket``; ``client`` defaults to ``boto3.client("s3")``.

    URL: ``s3://bucket[/prefix][?endpoint_url=URL&region=REGION]``.
    """

    name = "s3"

    def __init__(
        self, bucket: str, prefix: str = "", *, client: Any = None, **client_options: Any
    ) -> None:
        if not bucket:
            raise KeyConfigError("the S3 store needs a bucket: s3://bucket/prefix")
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self._client = client if client is not None else boto3.client("s3", **client_options)

    @classmethod
    def from_url(cls, url: str) -> S3Store:
        parts = urllib.parse.urlsplit(url)
        options = urllib.parse.parse_qs(parts.query)
        unknown = set(options) - {"endpoint_url", "region"}
        if unknown:
            raise KeyConfigError(
                f"unknown S3 store option(s) {', '.join(sorted(unknown))}: "
                "s3://bucket/prefix?endpoint_url=URL&region=REGION"
            )
        client_options = {}
        if "endpoint_url" in options:
            client_options["endpoint_url"] = options["endpoint_url"][0]
        if "region" in options:
            client_options["region_name"] = options["region"][0]
        return cls(parts.netloc, urllib.parse.unquote(parts.path), **client_options)

    def _where(self, name: str) -> str:
        return f"s3://{self.bucket}/{self.prefix}{name}"

    def put(self, name: str, data: bytes) -> None:
        try:
            self._client.put_object(Bucket=self.bucket, Key=self.prefix + name, Body=data)
        except (ClientError, BotoCoreError) as error:
            raise StoreError(f"cannot write {self._where(name)}: {_describe(error)}") from None

    def get(self, name: str) -> bytes:
        try:
            response = self._client.get_object(Bucket=self.bucket, Key=self.prefix + name)
            data: bytes = response["Body"].read()
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in _MISSING:
                raise StoredObjectMissingError(f"{self._where(name)} does not exist") from None
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
