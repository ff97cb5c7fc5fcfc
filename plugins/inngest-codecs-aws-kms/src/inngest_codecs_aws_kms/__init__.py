"""AWS KMS envelope encryption for inngest-codecs: ``codec="aws-kms"``."""

from __future__ import annotations

from .codec import AwsKmsCodec

__all__ = ["AwsKmsCodec"]
