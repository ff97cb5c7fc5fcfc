from __future__ import annotations

import inspect
from typing import Any

import pytest

from inngest_codecs import ConfigError, EncryptionMiddleware, Encryptor, KeyConfigError
from inngest_codecs.config import BY_NAME, SETTINGS, EncryptionSettings


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
    with pytest.raises(ConfigError, match="DECRYPT_ONLY"):
        EncryptionSettings.from_env(
            {"INNGEST_ENCRYPTION_KEY": "k", "INNGEST_ENCRYPTION_DECRYPT_ONLY": "maybe"}
        )


def test_from_mapping_as_loaded_from_toml() -> None:
    settings = EncryptionSettings.from_mapping(
        {"key": "k", "fallback_keys": ["a", "b"], "codec": "aes-gcm", "decrypt_only": False}
    )
    assert settings.fallback_keys == ("a", "b")
    assert settings.encryptor().codec.name == "aes-gcm"
    with pytest.raises(ConfigError, match="unknown"):
        EncryptionSettings.from_mapping({"key": "k", "kee": "typo"})
    with pytest.raises(KeyConfigError, match="'key'"):
        EncryptionSettings.from_mapping({"codec": "aes-gcm"})


def test_repr_hides_keys() -> None:
    settings = EncryptionSettings.from_mapping({"key": "hidden-key", "fallback_keys": "hidden-old"})
    assert "hidden" not in repr(settings)


def test_the_settings_table_in_the_docs_is_generated_from_the_model() -> None:
    import pathlib
    import runpy

    root = pathlib.Path(__file__).resolve().parents[1]
    render = runpy.run_path(str(root / "docs" / "settings_table.py"))["render"]
    page = (root / "docs" / "configuration.md").read_text(encoding="utf-8")
    assert page == render(page), "run: python docs/settings_table.py"
    for setting in SETTINGS:
        assert f"`{setting.env}`" in page


def test_the_factory_keeps_the_drop_in_arguments_and_takes_every_setting() -> None:
    parameters = inspect.signature(EncryptionMiddleware.factory).parameters
    assert list(parameters) == [
        "secret_key",
        "decrypt_only",
        "event_encryption_field",
        "fallback_decryption_keys",
        "settings",
    ]
    given = {name: value for name, (value, _) in SAMPLES.items() if name != "key"}
    factory = EncryptionMiddleware.factory("k", **given)
    for name, value in given.items():
        expected = EncryptionSettings.from_mapping({"key": "k", name: value})
        assert getattr(factory.settings, name) == getattr(expected, name)


SAMPLES: dict[str, tuple[object, str]] = {
    "key": ("k", "k"),
    "fallback_keys": (["a", "b"], "a,b"),
    "codec": ("aes-gcm", "aes-gcm"),
    "codec_options": ({}, "{}"),
    "decrypt_only": (True, "true"),
    "event_encryption_field": (["pii", "card"], "pii,card"),
    "encrypt_errors": (True, "yes"),
    "on_decryption_failure": ("keep", "keep"),
    "max_signature_age": (None, "off"),
    "max_clock_skew": (30, "30"),
    "cache_size": (0, "0"),
    "compression": ("zstd", "zstd"),
    "uncompressed": (["secrets", "step-1"], "secrets,step-1"),
    "plain_fields": (["order_id", "region"], "order_id,region"),
    "max_decompressed_bytes": (1024, "1024"),
    "offload_over": (None, "off"),
    "offload_store": (None, None),
    "max_step_output_bytes": (1000, "1000"),
    "max_event_bytes": (None, "none"),
    "max_run_state_bytes": (5000, "5000"),
    "tenant_keys": ({"acme": "acme-key"}, '{"acme": "acme-key"}'),
    "tenant_from": ("data.tenant_id", "data.tenant_id"),
    "unknown_tenants": ("default", "default"),
    "revoked_tenants": (["gone"], "gone"),
    "revoked_key_ids": (["ab12cd34"], "ab12cd34"),
    "allow_plaintext_ai_infer": (True, "on"),
    "bind_to_place": (False, "off"),
    "indexes": (
        {"customer": {"from": "data.pii.email", "to": "data.customer_idx", "normalize": ["lower"]}},
        '{"customer": {"from": "data.pii.email", "to": "data.customer_idx", "normalize": "lower"}}',
    ),
    "index_key": ("index-key", "index-key"),
    "index_next_key": (None, None),
}


def test_every_setting_reads_the_same_from_every_source() -> None:
    assert set(SAMPLES) == {s.name for s in SETTINGS}
    from_mapping = EncryptionSettings.from_mapping({n: v for n, (v, _) in SAMPLES.items()})
    texts = {n: t for n, (_, t) in SAMPLES.items() if t is not None}
    from_env = EncryptionSettings.from_env({BY_NAME[n].env: t for n, t in texts.items()})
    from_text = EncryptionSettings.from_mapping(texts)
    for name in SAMPLES:
        assert getattr(from_mapping, name) == getattr(from_env, name) == getattr(from_text, name)
    assert from_env.fallback_keys == ("a", "b")
    assert from_env.event_encryption_field == ("pii", "card")
    assert from_env.max_signature_age is None and from_env.max_clock_skew == 30


@pytest.mark.parametrize(
    ("build", "phrase"),
    [
        (
            lambda: EncryptionMiddleware.factory("k", fallback_decryption_key=["x"]),
            "did you mean 'fallback_decryption_keys'",
        ),
        (lambda: EncryptionMiddleware.factory("k", v0=True), "unknown setting 'v0'"),
        (
            lambda: EncryptionMiddleware.factory("k", decrypt_only=2),
            "'decrypt_only' must be true or false",
        ),
        (lambda: EncryptionMiddleware.factory("k", decrypt_only="yes"), "decrypt_only"),
        (
            lambda: EncryptionMiddleware.factory("k", fallback_keys=5),
            "'fallback_keys': the fallback keys must be",
        ),
        (
            lambda: EncryptionMiddleware.factory(
                "k", fallback_keys=["a"], fallback_decryption_keys=["b"]
            ),
            "given twice",
        ),
        (
            lambda: EncryptionMiddleware.factory("k", on_decryption_failure="ignore"),
            "retry, fail, keep",
        ),
        (lambda: EncryptionMiddleware.factory("k", max_clock_skew=-1), "0 or more"),
        (lambda: EncryptionMiddleware.factory({"key": "k"}), "not dict"),
        (
            lambda: EncryptionMiddleware.from_config({"key": "k", "options": "x"}),
            "'options' must be",
        ),
        (lambda: EncryptionMiddleware.from_config({"key": "k", "fallback_keys": 5}), "int"),
        (lambda: EncryptionMiddleware.from_config(["key"]), "must be a mapping"),
        (
            lambda: EncryptionMiddleware.from_env(
                {"INNGEST_ENCRYPTION_KEY": "k", "INNGEST_ENCRYPTION_FALLBACK_KEY": "x"}
            ),
            "did you mean 'INNGEST_ENCRYPTION_FALLBACK_KEYS'",
        ),
        (
            lambda: EncryptionMiddleware.from_env(
                {"INNGEST_ENCRYPTION_KEY": "k", "INNGEST_ENCRYPTION_CODEC_OPTIONS": "{"}
            ),
            "JSON object",
        ),
    ],
)
def test_mistakes_name_the_setting_and_what_it_takes(build: Any, phrase: str) -> None:
    with pytest.raises(ConfigError) as caught:
        build()
    assert phrase in str(caught.value)


def test_fallback_keys_by_either_name_on_the_factory() -> None:
    old = Encryptor("old").encrypt("v")
    for name in ("fallback_keys", "fallback_decryption_keys"):
        factory = EncryptionMiddleware.factory("new", **{name: ["old"]})
        assert factory.tenants.default.decrypt(old) == "v"
