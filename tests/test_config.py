from __future__ import annotations

import pytest

from inngest_codecs import Encryptor, KeyConfigError
from inngest_codecs.config import EncryptionSettings


def test_from_env_reads_every_variable() -> None:
    settings = EncryptionSettings.from_env(
        {
            "INNGEST_ENCRYPTION_KEY": "primary",
            "INNGEST_ENCRYPTION_FALLBACK_KEYS": "old1, old2,,",
            "INNGEST_ENCRYPTION_CODEC": "aes-gcm",
            "INNGEST_ENCRYPTION_DECRYPT_ONLY": "yes",
            "INNGEST_ENCRYPTION_EVENT_FIELD": "pii",
        }
    )
    assert settings.fallback_keys == ("old1", "old2")
    assert (settings.codec, settings.decrypt_only, settings.event_encryption_field) == (
        "aes-gcm",
        True,
        ("pii",),
    )
    old = Encryptor("old2", codec="secretbox").encrypt("v")
    assert settings.encryptor().decrypt(old) == "v"


def test_from_env_defaults_and_missing_key() -> None:
    settings = EncryptionSettings.from_env({"INNGEST_ENCRYPTION_KEY": "k"})
    assert (settings.codec, settings.decrypt_only, settings.event_encryption_field) == (
        "secretbox",
        False,
        ("encrypted",),
    )
    with pytest.raises(KeyConfigError, match="INNGEST_ENCRYPTION_KEY"):
        EncryptionSettings.from_env({})


def test_bad_boolean_is_a_config_error() -> None:
    with pytest.raises(KeyConfigError, match="DECRYPT_ONLY"):
        EncryptionSettings.from_env(
            {"INNGEST_ENCRYPTION_KEY": "k", "INNGEST_ENCRYPTION_DECRYPT_ONLY": "maybe"}
        )


def test_from_mapping_as_loaded_from_toml() -> None:
    settings = EncryptionSettings.from_mapping(
        {"key": "k", "fallback_keys": ["a", "b"], "codec": "aes-gcm", "decrypt_only": False}
    )
    assert settings.fallback_keys == ("a", "b")
    assert settings.encryptor().codec.name == "aes-gcm"
    with pytest.raises(KeyConfigError, match="unknown"):
        EncryptionSettings.from_mapping({"key": "k", "kee": "typo"})
    with pytest.raises(KeyConfigError, match="'key'"):
        EncryptionSettings.from_mapping({"codec": "aes-gcm"})


def test_repr_hides_keys() -> None:
    settings = EncryptionSettings.from_mapping({"key": "hidden-key", "fallback_keys": "hidden-old"})
    assert "hidden" not in repr(settings)
