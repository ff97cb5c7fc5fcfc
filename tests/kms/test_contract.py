"""The aws-kms codec keeps the codec contract, against a local KMS."""

from __future__ import annotations

from typing import Any

import pytest

from inngest_codecs.keys import KeyInput
from inngest_codecs.testing.codec_contract import CodecContract

from .conftest import kms_module

pytestmark = pytest.mark.slow

plugin = kms_module("inngest_codecs_aws_kms")


class TestAwsKms(CodecContract):
    codec_class = plugin.AwsKmsCodec
    key_material_is_secret = False  # keys are KMS ARNs: identifiers, which messages name

    @pytest.fixture(autouse=True)
    def _local_kms(self, local_kms: Any) -> None:
        self.kms = local_kms

    def new_key(self) -> KeyInput:
        return str(self.kms.create_key())
