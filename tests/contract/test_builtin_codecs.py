"""The built-in codecs keep the codec contract."""

from __future__ import annotations

from inngest_codecs.codecs.aesgcm import AesGcmCodec
from inngest_codecs.codecs.secretbox import SecretBoxCodec
from inngest_codecs.testing.codec_contract import CodecContract


class TestSecretBox(CodecContract):
    codec_class = SecretBoxCodec


class TestAesGcm(CodecContract):
    codec_class = AesGcmCodec
