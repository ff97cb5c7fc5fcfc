"""KMS calls reach the latency histogram, by operation and outcome."""

from __future__ import annotations

from typing import Any

import pytest

from inngest_codecs import Encryptor
from inngest_codecs.errors import CodecError

from ..test_telemetry import Readings, readings  # noqa: F401  (the fixture)

pytestmark = pytest.mark.slow


def test_kms_calls_are_timed(readings: Readings, local_kms: Any, kms_key: str) -> None:  # noqa: F811
    sealed = Encryptor(kms_key, codec="aws-kms").encrypt({"order": 1})
    assert Encryptor(kms_key, codec="aws-kms").decrypt(sealed) == {"order": 1}
    missing = kms_key.rsplit("/", 1)[0] + "/00000000-0000-0000-0000-000000000000"
    with pytest.raises(CodecError):
        Encryptor(missing, codec="aws-kms").encrypt({"order": 2})
    calls = {(a["operation"], a["outcome"]): p.count for a, p in readings.points("kms.duration")}
    assert calls == {
        ("GenerateDataKey", "ok"): 1,
        ("Decrypt", "ok"): 1,
        ("GenerateDataKey", "error"): 1,
    }
    assert readings.total("values.sealed", codec="aws-kms") == 1
    assert readings.total("values.opened", codec="aws-kms") == 1
