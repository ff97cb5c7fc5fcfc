"""The two KMS calls the codec makes, through boto3 clients made lazily and reused.

Credentials, region and endpoint come from boto3's own chain (``AWS_REGION``,
``AWS_ENDPOINT_URL``, ``AWS_PROFILE``, instance roles...). A key named by an
ARN is used in that ARN's region; other keys in boto3's configured region. So
the regions, and the clients, are those of the configured keys: a value never
chooses them. Every client has connect and read timeouts of its own, and no
lock is held while one is made or calls KMS.
Every failure, from the service or on the way to it, becomes a
:class:`KmsRefusal` that says what went wrong in words safe to log: an AWS
error code and a KMS key identifier, never a key or AWS's own message.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from inngest_codecs import telemetry

T = TypeVar("T")

_EXPLAINED = {
    "AccessDeniedException": "access denied: check the key policy and IAM permissions",
    "DisabledException": "the KMS key is disabled",
    "IncorrectKeyException": "the data key was wrapped under another KMS key",
    "InvalidCiphertextException": (
        "KMS refused the wrapped data key: it was altered, or written under another "
        "encryption context"
    ),
    "KMSInvalidStateException": "the KMS key is not usable in its current state",
    "NotFoundException": "the KMS key does not exist in this account and region",
    "NoCredentialsError": "no AWS credentials were found",
    "NoRegionError": "no AWS region is configured (set AWS_REGION)",
    "EndpointConnectionError": "AWS KMS could not be reached",
}


class KmsRefusal(Exception):
    """A KMS call failed; ``code`` is the AWS error code or the botocore error name."""

    def __init__(self, operation: str, key: str, code: str) -> None:
        self.operation, self.key, self.code = operation, key, code
        explained = _EXPLAINED.get(code)
        reason = f"{code}: {explained}" if explained else code
        super().__init__(f"AWS KMS {operation} with KMS key {key} failed ({reason})")


class KmsClients:
    """One KMS client per region, made on first use, with its own timeouts (seconds)."""

    def __init__(self, connect_timeout: float, read_timeout: float) -> None:
        self.connect_timeout, self.read_timeout = connect_timeout, read_timeout
        self._lock = threading.Lock()
        self._clients: dict[str | None, Any] = {}

    def _client(self, region: str | None) -> Any:
        client = self._clients.get(region)
        if client is None:
            import boto3  # imported on first use: it is slow to import
            from botocore.config import Config

            # Made outside the lock (finding credentials may take a network call); a
            # session each, as sessions are not safe to share between threads.
            timeouts = Config(connect_timeout=self.connect_timeout, read_timeout=self.read_timeout)
            made = boto3.session.Session().client("kms", region_name=region, config=timeouts)
            with self._lock:
                client = self._clients.setdefault(region, made)
        return client

    def _call(self, operation: str, key: str, region: str | None, call: Callable[[Any], T]) -> T:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            with telemetry.call("kms", operation):
                return call(self._client(region))
        except ClientError as error:
            code = str(error.response.get("Error", {}).get("Code") or "ClientError")
        except BotoCoreError as error:
            code = type(error).__name__
        raise KmsRefusal(operation, key, code) from None

    def generate_data_key(
        self, key: str, region: str | None, context: Mapping[str, str]
    ) -> tuple[str, bytes, bytes]:
        """``(key ARN, data key, wrapped data key)`` for a new 256-bit data key."""
        response = self._call(
            "GenerateDataKey",
            key,
            region,
            lambda kms: kms.generate_data_key(
                KeyId=key, KeySpec="AES_256", EncryptionContext=dict(context)
            ),
        )
        return (
            str(response["KeyId"]),
            bytes(response["Plaintext"]),
            bytes(response["CiphertextBlob"]),
        )

    def decrypt(
        self, key: str, region: str | None, wrapped_key: bytes, context: Mapping[str, str]
    ) -> bytes:
        """The data key inside ``wrapped_key``, which KMS opens only under ``key``."""
        response = self._call(
            "Decrypt",
            key,
            region,
            lambda kms: kms.decrypt(
                CiphertextBlob=wrapped_key, KeyId=key, EncryptionContext=dict(context)
            ),
        )
        return bytes(response["Plaintext"])

    def __repr__(self) -> str:
        return f"<KmsClients regions={sorted(map(str, self._clients))}>"
