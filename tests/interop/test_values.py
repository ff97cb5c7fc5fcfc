"""Value level, both directions, against the real LibSodiumEncryptionService and our aes-gcm.ts."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from inngest_codecs import DecryptionError, Encryptor, Place
from inngest_codecs.envelope import build

from .conftest import Bridge, NodeError

pytestmark = pytest.mark.slow

# Values both JSON and JavaScript carry exactly.
VALUES: list[Any] = [
    None,
    True,
    0,
    -1,
    2**53 - 1,
    -(2**53 - 1),
    0.1,
    1.7976931348623157e308,
    5e-324,
    "",
    "ascii",
    '日本語 🎉 ñ \u2028\u2029 \x00 "quotes" \\ backslash',
    [],
    {},
    [[[[[[[[[["deep"]]]]]]]]]],
    {"nested": {"list": [1, "two", {"three": [None, False]}], "empty": {}}},
    {"ключ": "значение", "emoji 🔑": ["✓"]},
]
TS = {"secretbox": "libsodium", "aes-gcm": "aesgcm"}


def _blob(envelope: dict[str, Any]) -> str:
    return str(envelope["data"])


@pytest.mark.parametrize("codec", sorted(TS))
@pytest.mark.parametrize("value", VALUES, ids=lambda v: json.dumps(v, ensure_ascii=True)[:30])
def test_python_encrypts_typescript_decrypts(node: Bridge, codec: str, value: Any) -> None:
    sealed = Encryptor("interop key", codec=codec).encrypt(value)
    assert node.call(f"{TS[codec]}.decrypt", keys=["interop key"], data=_blob(sealed)) == value


@pytest.mark.parametrize("codec", sorted(TS))
@pytest.mark.parametrize("value", VALUES, ids=lambda v: json.dumps(v, ensure_ascii=True)[:30])
def test_typescript_encrypts_python_decrypts(node: Bridge, codec: str, value: Any) -> None:
    data = node.call(f"{TS[codec]}.encrypt", keys=["interop key"], value=value)
    strategy = Encryptor("k", codec=codec).codec.strategy
    assert (
        Encryptor("interop key", codec=codec).decrypt(build(strategy, base64.b64decode(data)))
        == value
    )


@pytest.mark.parametrize("value", VALUES[-3:], ids=lambda v: json.dumps(v)[:30])
def test_typescript_opens_values_python_bound_to_their_place(node: Bridge, value: Any) -> None:
    """The TypeScript service is told no place, so it opens a bound value without a check."""
    place = Place(("event", "shop/checkout"), ("field", "encrypted"))
    sealed = Encryptor("interop key", codec="aes-gcm").encrypt(value, place=place)
    assert base64.b64decode(sealed["data"])[0] == 2
    assert node.call("aesgcm.decrypt", keys=["interop key"], data=_blob(sealed)) == value
    altered = bytearray(base64.b64decode(sealed["data"]))
    altered[10] ^= 1  # inside the place: the tag covers it on this side too
    with pytest.raises(NodeError):
        node.call("aesgcm.decrypt", keys=["interop key"], data=base64.b64encode(altered).decode())


@pytest.mark.parametrize("codec", sorted(TS))
def test_four_megabytes_both_ways(node: Bridge, codec: str) -> None:
    value = {"rows": [{"id": i, "text": "é" * 60} for i in range(33_000)]}
    assert len(json.dumps(value, ensure_ascii=False).encode()) > 4_000_000
    encryptor = Encryptor("big", codec=codec)
    assert (
        node.call(f"{TS[codec]}.decrypt", keys=["big"], data=_blob(encryptor.encrypt(value)))
        == value
    )
    data = node.call(f"{TS[codec]}.encrypt", keys=["big"], value=value)
    assert encryptor.decrypt(build(encryptor.codec.strategy, base64.b64decode(data))) == value


@pytest.mark.parametrize("codec", sorted(TS))
def test_fallback_keys_on_each_side(node: Bridge, codec: str) -> None:
    old_from_python = Encryptor("old", codec=codec).encrypt({"v": 1})
    assert node.call(f"{TS[codec]}.decrypt", keys=["new", "old"], data=_blob(old_from_python)) == {
        "v": 1
    }
    with pytest.raises(NodeError):
        node.call(f"{TS[codec]}.decrypt", keys=["new"], data=_blob(old_from_python))

    old_from_ts = node.call(f"{TS[codec]}.encrypt", keys=["old"], value={"v": 2})
    strategy = Encryptor("k", codec=codec).codec.strategy
    envelope = build(strategy, base64.b64decode(old_from_ts))
    assert Encryptor("new", codec=codec, fallback_keys=["old"]).decrypt(envelope) == {"v": 2}
    with pytest.raises(DecryptionError):
        Encryptor("new", codec=codec).decrypt(envelope)


@pytest.mark.parametrize("codec", sorted(TS))
def test_keys_with_surrounding_whitespace(node: Bridge, codec: str) -> None:
    spaced = "  spaced key\n"
    sealed = Encryptor(spaced, codec=codec).encrypt("w")
    assert node.call(f"{TS[codec]}.decrypt", keys=["spaced key"], data=_blob(sealed)) == "w"
    data = node.call(f"{TS[codec]}.encrypt", keys=[spaced], value="w")
    strategy = Encryptor("k", codec=codec).codec.strategy
    assert (
        Encryptor("spaced key", codec=codec).decrypt(build(strategy, base64.b64decode(data))) == "w"
    )
