"""Byte compatibility with inngest-encryption 0.1.0 from PyPI, both directions."""

from __future__ import annotations

import inngest
import pytest
from inngest_encryption.main import EncryptionMiddleware as Official

from inngest_codecs import DecryptionError, Encryptor

VALUES = [{"ssn": "123-45-6789", "n": [1, 2.5, None, True]}, "plain string", 2**70, [], "é✓"]


def official(key: str | bytes, fallbacks: list[str | bytes] | None = None) -> Official:
    client = inngest.Inngest(app_id="compat", is_production=False)
    return Official(client, None, key, fallback_decryption_keys=fallbacks)


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_ours_encrypts_official_decrypts(value: object) -> None:
    sealed = Encryptor("shared secret").encrypt(value)
    assert official("shared secret")._decrypt(sealed) == value


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_official_encrypts_ours_decrypts(value: object) -> None:
    sealed = official("shared secret")._encrypt(value)
    assert Encryptor("shared secret").decrypt(sealed) == value


def test_hex_bytes_key_is_compatible() -> None:
    # inngest-encryption takes a bytes key as 64 hex digits of the raw key.
    raw = bytes(range(32))
    hex_key = raw.hex().encode()
    assert official(hex_key)._decrypt(Encryptor(hex_key).encrypt({"a": 1})) == {"a": 1}
    assert Encryptor(hex_key).decrypt(official(hex_key)._encrypt({"a": 1})) == {"a": 1}
    assert Encryptor(raw).decrypt(official(hex_key)._encrypt("same key")) == "same key"


def test_fallback_keys_open_official_data() -> None:
    old = official("old key")._encrypt({"v": "old"})
    ours = Encryptor("new key", fallback_keys=["other", "old key"])
    assert ours.decrypt(old) == {"v": "old"}
    with pytest.raises(DecryptionError):
        Encryptor("new key").decrypt(old)


def test_official_fallbacks_open_our_data() -> None:
    sealed = Encryptor("old key").encrypt({"v": 1})
    assert official("new key", ["old key"])._decrypt(sealed) == {"v": 1}


def test_untrimmed_key_from_official_still_opens() -> None:
    # inngest-encryption hashes keys as given; we trim like the TypeScript
    # package does, and fall back to the untrimmed form when decrypting.
    sealed = official("  spaced key \n")._encrypt("v")
    assert Encryptor("  spaced key \n").decrypt(sealed) == "v"
    ours = Encryptor("  spaced key \n").encrypt("v")
    assert official("spaced key")._decrypt(ours) == "v"
