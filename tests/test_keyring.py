"""The operator keyring: every configured key opens what it wrote and names its tenant; the
__KEY__ hint only orders the tries; revoked keys and tenants are never loaded."""

from __future__ import annotations

from pathlib import Path

import pytest

from inngest_codecs import ConfigError, Encryptor, KeyConfigError
from inngest_codecs.config import EncryptionSettings
from inngest_codecs.errors import DecryptionError, KeyRevokedError
from inngest_codecs.keyring import Keyring, keyring_from_env

TENANTS = {"acme": {"key": "acme-key", "codec": "aes-gcm"}, "globex": ["globex-new", "globex-old"]}


def settings(**extra: object) -> EncryptionSettings:
    return EncryptionSettings({"key": "default-key", "tenant_keys": TENANTS, **extra})


def test_each_value_opens_with_the_key_that_wrote_it_and_names_the_tenant() -> None:
    router = settings().tenants()
    ring = Keyring.from_settings(settings())
    acme = router.for_tenant("acme").encrypt({"a": 1})
    old = EncryptionSettings({"key": "globex-old", "tenant_keys": {}}).encryptor().encrypt(2)
    opened = {
        name: ring.open(value)
        for name, value in {
            "acme": acme,
            "globex": router.for_tenant("globex").encrypt(3),
            "old": old,
            "default": router.default.encrypt(4),
        }.items()
    }
    assert {name: (o.value, o.tenant) for name, o in opened.items()} == {
        "acme": ({"a": 1}, "acme"),
        "globex": (3, "globex"),
        "old": (2, "globex"),
        "default": (4, None),
    }
    assert opened["acme"].key_id == acme["__KEY__"]
    assert opened["old"].key_id == old["__KEY__"] != opened["globex"].key_id
    assert ring.tenants == {"acme", "globex"}
    assert ring.writer("acme").encrypt(1)["__KEY__"] == acme["__KEY__"]


def test_the_hint_orders_but_never_decides() -> None:
    ring = Keyring.from_settings(settings())
    sealed = settings().tenants().for_tenant("globex").encrypt("g")
    acme_id = ring.writer("acme").encrypt(0)["__KEY__"]
    lied = {**sealed, "__KEY__": acme_id}  # names acme's key; globex's opens it
    assert ring.open(lied).tenant == "globex"
    with pytest.raises(DecryptionError, match="ffffffff', which is not configured here"):
        ring.open({**Encryptor("nobody's").encrypt(1), "__KEY__": "ffffffff"})


def test_revoked_keys_and_tenants_never_open() -> None:
    sealed = settings().tenants().for_tenant("globex").encrypt("g")
    revoked = settings(revoked_key_ids=[sealed["__KEY__"]])
    with pytest.raises(KeyRevokedError, match="which is revoked"):
        Keyring.from_settings(revoked).open(sealed)
    erased = Keyring.from_settings(settings(revoked_tenants=["globex"]))
    assert erased.tenants == {"acme"}


def test_keys_directory_and_file_variables(tmp_path: Path) -> None:
    (tmp_path / "tenant.initech.key").write_text("initech-key\n")
    (tmp_path / "plain").write_text("plain-key")
    ring = Keyring.from_settings(settings(), keys_dir=str(tmp_path))
    assert ring.open(Encryptor("initech-key").encrypt(1)).tenant == "initech"
    assert ring.open(Encryptor("plain-key").encrypt(2)).value == 2
    with pytest.raises(KeyConfigError, match="does not exist"):
        Keyring.from_settings(settings(), keys_dir=str(tmp_path / "missing"))
    key_file = tmp_path / "k"
    key_file.write_text("from-a-file\n")
    from_file, _ = keyring_from_env({"INNGEST_ENCRYPTION_KEY_FILE": str(key_file)})
    assert from_file.key == "from-a-file"
    direct = {"INNGEST_ENCRYPTION_KEY": "direct", "INNGEST_ENCRYPTION_KEY_FILE": str(key_file)}
    with pytest.raises(ConfigError, match="not both"):
        keyring_from_env(direct)
    with pytest.raises(KeyConfigError, match="INNGEST_ENCRYPTION_KEY_FILE: cannot read"):
        keyring_from_env({"INNGEST_ENCRYPTION_KEY_FILE": str(tmp_path / "none")})
