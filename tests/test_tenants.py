"""Keys per tenant, chosen above the codecs, and crypto-shredding: the Encryptor level."""

from __future__ import annotations

from typing import Any

import inngest
import pytest

from inngest_codecs import DecryptionError, Encryptor, KeyConfigError
from inngest_codecs.config import EncryptionSettings
from inngest_codecs.envelope import KEY_ID
from inngest_codecs.errors import KeyRevokedError
from inngest_codecs.tenants import tenant_of

KEYS = {"acme": "acme-key", "globex": {"key": "globex-key", "codec": "aes-gcm"}}


def key_id(key: str, codec: str = "secretbox") -> str:
    return Encryptor(key, codec=codec).codec.key_ids[0]


def test_each_tenant_writes_under_its_own_key_and_names_it() -> None:
    keyring = Encryptor("default-key", tenant_keys=KEYS)
    acme, globex = keyring.for_tenant("acme"), keyring.for_tenant("globex")
    sealed_acme, sealed_globex = acme.encrypt({"ssn": 1}), globex.encrypt({"ssn": 2})
    assert sealed_acme[KEY_ID] == key_id("acme-key")
    assert sealed_globex[KEY_ID] == key_id("globex-key", "aes-gcm")
    assert sealed_globex["__STRATEGY__"] == "inngest-codecs/aes-256-gcm"
    assert "acme-key" not in str(sealed_acme) and "globex-key" not in str(sealed_globex)
    assert acme.decrypt(sealed_acme) == {"ssn": 1} and globex.decrypt(sealed_globex) == {"ssn": 2}
    assert keyring.for_tenant("unknown") is keyring and keyring.for_tenant(None) is keyring
    assert keyring.tenants == ("acme", "globex")


def test_a_tenant_cannot_open_another_tenants_values() -> None:
    keyring = Encryptor("default-key", tenant_keys=KEYS)
    sealed = keyring.for_tenant("acme").encrypt("acme data")
    for reader in (keyring.for_tenant("globex"), keyring, Encryptor("globex-key")):
        with pytest.raises(DecryptionError) as caught:
            reader.decrypt(sealed)
        assert key_id("acme-key") in str(caught.value) and not caught.value.permanent
        assert "acme-key" not in str(caught.value)
    # The mark cannot be removed to get around the check: the key still does not open it.
    unmarked = {k: v for k, v in sealed.items() if k != KEY_ID}
    with pytest.raises(DecryptionError):
        keyring.for_tenant("globex").decrypt(unmarked)


def test_removing_and_revoking_a_key_shreds_its_values_only() -> None:
    before = Encryptor("default-key", tenant_keys=KEYS)
    erased = before.for_tenant("acme").encrypt({"customer": "to be erased"})
    kept = before.for_tenant("globex").encrypt({"customer": "kept"})
    after = Encryptor(
        "default-key",
        tenant_keys={"globex": KEYS["globex"]},
        revoked_key_ids=[key_id("acme-key")],
    )
    with pytest.raises(KeyRevokedError) as caught:
        after.for_tenant("acme").decrypt(erased)
    assert caught.value.permanent and key_id("acme-key") in str(caught.value)
    assert after.for_tenant("globex").decrypt(kept) == {"customer": "kept"}


def test_tenant_rotation_with_fallback_keys() -> None:
    old = Encryptor("d", tenant_keys={"acme": "old"}).for_tenant("acme").encrypt("v")
    rotated = Encryptor("d", tenant_keys={"acme": {"key": "new", "fallback_keys": ["old"]}})
    assert rotated.for_tenant("acme").decrypt(old) == "v"
    assert rotated.for_tenant("acme").encrypt("w")[KEY_ID] == key_id("new")


@pytest.mark.parametrize(
    ("source", "event", "expected"),
    [
        ("data.tenant_id", inngest.Event(name="e", data={"tenant_id": "acme"}), "acme"),
        ("data.org.id", {"data": {"org": {"id": 42}}}, "42"),
        ("data.tenant_id", {"data": {}}, None),
        ("data.tenant_id", {"data": {"tenant_id": True}}, None),
        ("data.tenant_id", {"data": {"tenant_id": {"nested": 1}}}, None),
        (lambda event: event["data"]["t"], {"data": {"t": "globex"}}, "globex"),
        (None, {"data": {"tenant_id": "acme"}}, None),
    ],
)
def test_where_an_event_names_its_tenant(source: Any, event: Any, expected: str | None) -> None:
    assert tenant_of(event, source) == expected


def test_tenant_settings_from_the_environment_and_their_mistakes() -> None:
    settings = EncryptionSettings.from_env(
        {
            "INNGEST_ENCRYPTION_KEY": "default-key",
            "INNGEST_ENCRYPTION_TENANT_KEYS": '{"acme": "acme-key", "globex": {"key": "g"}}',
            "INNGEST_ENCRYPTION_TENANT_FROM": "data.tenant_id",
            "INNGEST_ENCRYPTION_REVOKED_KEY_IDS": "abcd1234,ef567890",
        }
    )
    assert settings.tenant_from == "data.tenant_id"
    assert settings.revoked_key_ids == ("abcd1234", "ef567890")
    assert settings.encryptor().tenants == ("acme", "globex")
    for bad, phrase in [
        ({"acme": {"kee": "x"}}, "tenant 'acme': unknown key setting"),
        ({"acme": {"codec": "aes-gcm"}}, "tenant 'acme': the key is missing"),
        ({"acme": {"x", "y"}}, "set"),
        (["acme"], "mapping"),
    ]:
        with pytest.raises(KeyConfigError, match=phrase):
            EncryptionSettings.from_mapping({"key": "k", "tenant_keys": bad}).encryptor()


def test_inspect_reports_the_key_id_a_tenant_envelope_names() -> None:
    from inngest_codecs.documents import describe

    sealed = Encryptor("d", tenant_keys={"acme": "acme-key"}).for_tenant("acme").encrypt(1)
    assert describe(sealed).key_id == key_id("acme-key")
