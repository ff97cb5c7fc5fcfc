"""The legacy plugin against real crypto-js output: inngest/aes and v0 envelopes."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from inngest_codecs import DecryptionError, Encryptor, available_codecs
from inngest_codecs.envelope import DATA, MARKER, STRATEGY

from ..conftest import needs_legacy_plugin
from .conftest import Bridge

pytestmark = [pytest.mark.slow, needs_legacy_plugin]

VALUES: list[Any] = [{"ssn": "123-45-6789"}, "é ✓ 🎉", [1, 2.5, None, True], 0, {}]


def test_plugin_is_a_separate_distribution() -> None:
    info = available_codecs()["legacy-aes"]
    assert info.distribution == "inngest-codecs-legacy"
    assert info.strategy == "inngest/aes" and "" in info.opens


@pytest.mark.parametrize("value", VALUES, ids=repr)
@pytest.mark.parametrize("with_strategy", [True, False], ids=["inngest-aes", "v0"])
def test_crypto_js_output_opens(node: Bridge, value: Any, with_strategy: bool) -> None:
    data = node.call("cryptojs.encrypt", keys=["legacy key"], value=value)
    envelope = {MARKER: True, DATA: data}
    if with_strategy:
        envelope[STRATEGY] = "inngest/aes"
    # Opened by any Encryptor once the plugin is installed, whatever its codec.
    assert Encryptor("legacy key", codec="aes-gcm").decrypt(envelope) == value


@pytest.mark.parametrize("value", VALUES, ids=repr)
@pytest.mark.parametrize("v0", [False, True], ids=["inngest-aes", "v0"])
def test_our_legacy_output_opens_in_crypto_js(node: Bridge, value: Any, v0: bool) -> None:
    envelope = Encryptor("legacy key", codec="legacy-aes", codec_options={"v0": v0}).encrypt(value)
    assert (STRATEGY in envelope) is not v0
    assert base64.b64decode(envelope[DATA]).startswith(b"Salted__")
    assert node.call("cryptojs.decrypt", keys=["legacy key"], data=envelope[DATA]) == value


def test_fallback_keys_skip_wrong_ones(node: Bridge) -> None:
    data = node.call("cryptojs.encrypt", keys=["oldest"], value={"v": 1})
    envelope = {MARKER: True, DATA: data}
    many = Encryptor("new", fallback_keys=[f"wrong-{i}" for i in range(40)] + ["oldest"])
    assert many.decrypt(envelope) == {"v": 1}
    with pytest.raises(DecryptionError):
        Encryptor("new").decrypt(envelope)


def test_malformed_legacy_data_is_a_decryption_error() -> None:
    for blob in (b"", b"Salted__", b"Salted__12345678" + b"x" * 15, b"NotSalted" * 4):
        envelope = {MARKER: True, STRATEGY: "inngest/aes", DATA: base64.b64encode(blob).decode()}
        with pytest.raises(DecryptionError):
            Encryptor("k").decrypt(envelope)
