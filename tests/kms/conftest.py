"""A local KMS for the aws-kms tests: moto's server on 127.0.0.1, boto3 pointed at it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

REASON = (
    "the aws-kms tests need inngest-codecs-aws-kms and moto[server]: run `nox -s tests`, "
    "or `pip install -e 'plugins/inngest-codecs-aws-kms[testing]'`"
)


def kms_module(name: str) -> Any:
    """A module of the aws-kms plugin; the calling test module is skipped when it is missing."""
    return pytest.importorskip(name, reason=REASON)


@pytest.fixture(scope="session")
def local_kms() -> Iterator[Any]:
    """moto's KMS over HTTP on 127.0.0.1, with AWS_ENDPOINT_URL and friends set for boto3."""
    testing = kms_module("inngest_codecs_aws_kms.testing")
    with testing.LocalKms() as kms, kms.environment():
        yield kms


@pytest.fixture
def kms_key(local_kms: Any) -> str:
    """The ARN of a new KMS key."""
    return str(local_kms.create_key())
