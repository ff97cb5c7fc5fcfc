"""Settings from the environment: ``*_FILE`` variables, unknown variables, generated keys."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from inngest_codecs import ConfigError, EncryptionMiddleware, Encryptor, available_codecs
from inngest_codecs.config import EncryptionSettings
from inngest_codecs.keycheck import check, made_for

KEY = "a passphrase long enough to hold 32 bytes of text"


def generated(codec: str) -> str:
    return available_codecs()[codec].codec_class.generate_key()


@pytest.mark.parametrize("codec", ["secretbox", "aes-gcm"])
def test_generated_keys_name_their_codec_and_never_start_with_a_dash(codec: str) -> None:
    keys = {generated(codec) for _ in range(200)}
    assert len(keys) == 200
    for key in keys:
        name, _, random = key.partition(":")
        assert name == codec and not key.startswith("-")
        assert len(base64.urlsafe_b64decode(random + "=")) == 32
        assert made_for(key) == codec and check(key) == []


def test_a_generated_key_brings_its_codec_when_none_is_set() -> None:
    key = generated("aes-gcm")
    settings = EncryptionSettings.from_env({"INNGEST_ENCRYPTION_KEY": key})
    assert settings.codec == "aes-gcm"
    chosen = EncryptionSettings.from_env(
        {"INNGEST_ENCRYPTION_KEY": key, "INNGEST_ENCRYPTION_CODEC": "secretbox"}
    )
    assert chosen.codec == "secretbox"  # a codec that is set wins
    assert EncryptionSettings.from_env({"INNGEST_ENCRYPTION_KEY": KEY}).codec == "secretbox"


def test_file_variables_read_every_secret_setting(tmp_path: Path) -> None:
    (tmp_path / "key").write_text(KEY + "\n", encoding="utf-8")
    (tmp_path / "old").write_text("old-1,old-2\n", encoding="utf-8")
    (tmp_path / "tenants").write_text('{"acme": "acme key"}', encoding="utf-8")
    settings = EncryptionSettings.from_env(
        {
            "INNGEST_ENCRYPTION_KEY_FILE": str(tmp_path / "key"),
            "INNGEST_ENCRYPTION_FALLBACK_KEYS_FILE": str(tmp_path / "old"),
            "INNGEST_ENCRYPTION_TENANT_KEYS_FILE": str(tmp_path / "tenants"),
        }
    )
    assert settings.key == KEY and settings.fallback_keys == ("old-1", "old-2")
    assert settings.tenant_keys == {"acme": "acme key"}
    assert settings.encryptor().decrypt(Encryptor("old-2").encrypt(7)) == 7


def test_the_factory_reads_the_key_file_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "key").write_text(KEY, encoding="utf-8")
    monkeypatch.delenv("INNGEST_ENCRYPTION_KEY", raising=False)
    monkeypatch.setenv("INNGEST_ENCRYPTION_KEY_FILE", str(tmp_path / "key"))
    factory = EncryptionMiddleware.factory()
    assert factory.tenants.for_tenant(None).decrypt(Encryptor(KEY).encrypt("v")) == "v"


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        (
            {"INNGEST_ENCRYPTION_KEY": KEY, "INNGEST_ENCRYPTION_KEY_FILE": "{dir}/key"},
            "set INNGEST_ENCRYPTION_KEY or INNGEST_ENCRYPTION_KEY_FILE, not both",
        ),
        (
            {"INNGEST_ENCRYPTION_KEY_FILE": "{dir}/empty"},
            "INNGEST_ENCRYPTION_KEY_FILE: '{dir}/empty' is empty",
        ),
        (
            {"INNGEST_ENCRYPTION_KEY_FILE": "{dir}/missing"},
            "INNGEST_ENCRYPTION_KEY_FILE: cannot read '{dir}/missing': No such file or directory",
        ),
        (
            {"INNGEST_ENCRYPTION_KEY": KEY, "INNGEST_ENCRYPTION_CODEX_FILE": "{dir}/key"},
            "unknown variable INNGEST_ENCRYPTION_CODEX_FILE; did you mean "
            "'INNGEST_ENCRYPTION_CODEC_FILE'?",
        ),
    ],
)
def test_file_variable_mistakes_name_the_variable(
    environ: dict[str, str], message: str, tmp_path: Path
) -> None:
    (tmp_path / "key").write_text(KEY, encoding="utf-8")
    (tmp_path / "empty").write_text("\n", encoding="utf-8")
    environ = {name: value.replace("{dir}", str(tmp_path)) for name, value in environ.items()}
    with pytest.raises(ConfigError) as caught:
        EncryptionSettings.from_env(environ)
    assert message.replace("{dir}", str(tmp_path)) in str(caught.value)
    assert KEY not in str(caught.value)


@pytest.mark.parametrize(
    ("variable", "suggested"),
    [
        ("INNGEST_ENCRYPTION_FALLBACK_KEY", "did you mean 'INNGEST_ENCRYPTION_FALLBACK_KEYS'?"),
        ("INNGEST_ENCRYPTION_CODECS", "did you mean 'INNGEST_ENCRYPTION_CODEC'?"),
        ("INNGEST_ENCRYPTION_FOO", None),
        ("INNGEST_ENCRYPTION_KEY_OLD", None),
    ],
)
def test_unknown_variables_are_refused_with_a_suggestion_only_when_close(
    variable: str, suggested: str | None
) -> None:
    environ = {"INNGEST_ENCRYPTION_KEY": KEY, variable: "x"}
    with pytest.raises(ConfigError) as caught:
        EncryptionMiddleware.from_env(environ)
    message = str(caught.value)
    assert message.startswith(f"unknown variable {variable}")
    if suggested is None:
        assert "did you mean" not in message
        assert "not one of the INNGEST_ENCRYPTION_* settings" in message
    else:
        assert suggested in message


def test_unknown_variables_can_be_warnings_instead() -> None:
    warnings: list[str] = []
    settings = EncryptionSettings.from_env(
        {"INNGEST_ENCRYPTION_KEY": KEY, "INNGEST_ENCRYPTION_KEY_OLD": "x"},
        on_unknown=warnings.append,
    )
    assert settings.key == KEY
    assert warnings == [warnings[0]] and warnings[0].startswith(
        "unknown variable INNGEST_ENCRYPTION_KEY_OLD"
    )


@pytest.mark.parametrize(
    ("key", "level", "phrase"),
    [
        ("abc", "warning", "weak: 3 bytes of text"),
        (b"short", "warning", "weak: 5 bytes of raw bytes"),
        ("0123456789abcdef0123456789abcdef", "error", "hex digits giving 128 bits"),
        ("aes-gcm:" + "A" * 22, "error", "a key generated for aes-gcm giving 128 bits"),
    ],
)
def test_weak_and_short_keys_are_flagged_without_showing_them(
    key: str | bytes, level: str, phrase: str
) -> None:
    [finding] = check(key)
    assert finding.level == level and phrase in finding.message
    assert str(key) not in finding.message
    assert check("z" * 32) == [] and check(bytes(32)) == [] and check("ab" * 32) == []


def test_the_factory_logs_a_weak_key_and_a_key_made_for_another_codec(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level("WARNING", logger="inngest_codecs"):
        EncryptionMiddleware.factory("a", codec="aes-gcm")
        EncryptionMiddleware.factory(generated("aes-gcm"), codec="secretbox")
    messages = [record.getMessage() for record in caplog.records]
    assert "inngest-codecs: the key is weak: 1 bytes of text, fewer than 32" in messages[0]
    assert "the key was generated for aes-gcm but the codec is secretbox" in messages[1]
