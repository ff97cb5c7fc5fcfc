"""Keys per tenant, chosen above the codecs, and crypto-shredding: the router level."""

from __future__ import annotations

from typing import Any

import inngest
import pytest

from inngest_codecs import (
    ConfigError,
    DecryptionError,
    EncodingError,
    Encryptor,
    KeyConfigError,
    KeyRevokedError,
    TenantRevokedError,
    TenantRouter,
    UnknownTenantError,
)
from inngest_codecs.config import EncryptionSettings
from inngest_codecs.envelope import KEY_ID
from inngest_codecs.tenants import tenant_of

KEYS: dict[str, Any] = {"acme": "acme-key", "globex": {"key": "globex-key", "codec": "aes-gcm"}}


def key_id(key: str, codec: str = "secretbox") -> str:
    return Encryptor(key, codec=codec).codec.key_ids[0]


def router(**settings: Any) -> TenantRouter:
    return EncryptionSettings.from_mapping(
        {"key": "default-key", "tenant_keys": KEYS, **settings}
    ).tenants()


def test_each_tenant_writes_under_its_own_key_and_names_it() -> None:
    tenants = router()
    acme, globex = tenants.for_tenant("acme"), tenants.for_tenant("globex")
    sealed_acme, sealed_globex = acme.encrypt({"ssn": 1}), globex.encrypt({"ssn": 2})
    assert sealed_acme[KEY_ID] == key_id("acme-key")
    assert sealed_globex[KEY_ID] == key_id("globex-key", "aes-gcm")
    assert sealed_globex["__STRATEGY__"] == "inngest-codecs/aes-256-gcm"
    assert "acme-key" not in str(sealed_acme) and "globex-key" not in str(sealed_globex)
    assert acme.decrypt(sealed_acme) == {"ssn": 1} and globex.decrypt(sealed_globex) == {"ssn": 2}
    assert tenants.for_tenant(None) is tenants.default
    assert tenants.tenants == ("acme", "globex")


def test_an_unknown_tenant_is_refused_never_given_the_default_key() -> None:
    tenants = router()
    for unknown in ("initech", "acme ", "ACME"):
        with pytest.raises(UnknownTenantError, match="has no key here") as caught:
            tenants.for_tenant(unknown)
        assert not caught.value.permanent
    assert router(unknown_tenants="default").for_tenant("initech") is not None


def test_a_revoked_tenant_is_refused_for_good() -> None:
    tenants = router(revoked_tenants=["acme"])
    with pytest.raises(TenantRevokedError) as caught:
        tenants.for_tenant("acme")
    assert caught.value.permanent
    assert tenants.tenants == ("globex",)
    # Revoking the tenant's encrypting key revokes the tenant too.
    by_key = router(revoked_key_ids=[key_id("acme-key")])
    with pytest.raises(TenantRevokedError):
        by_key.for_tenant("acme")


def test_a_tenant_cannot_open_another_tenants_values() -> None:
    tenants = router()
    sealed = tenants.for_tenant("acme").encrypt("acme data")
    for reader in (tenants.for_tenant("globex"), tenants.default, Encryptor("globex-key")):
        with pytest.raises(DecryptionError) as caught:
            reader.decrypt(sealed)
        assert not caught.value.permanent and "acme-key" not in str(caught.value)
    unmarked = {k: v for k, v in sealed.items() if k != KEY_ID}
    with pytest.raises(DecryptionError):
        tenants.for_tenant("globex").decrypt(unmarked)


def test_revocation_is_decided_by_the_key_that_opens_the_value() -> None:
    erased = router().for_tenant("acme").encrypt({"customer": "to be erased"})
    kept = router().for_tenant("globex").encrypt({"customer": "kept"})
    # The revoked key is still configured (as another tenant's fallback key): still refused.
    keys = {**KEYS, "globex": {**KEYS["globex"], "fallback_keys": ["acme-key"]}}
    after = router(tenant_keys=keys, revoked_key_ids=[key_id("acme-key")])
    for value in (erased, {k: v for k, v in erased.items() if k != KEY_ID}):
        with pytest.raises(KeyRevokedError) as caught:
            after.for_tenant("globex").decrypt(value)
        assert caught.value.permanent
    assert after.for_tenant("globex").decrypt(kept) == {"customer": "kept"}
    # A hint naming another key changes nothing: the key that opens decides.
    with pytest.raises(KeyRevokedError):
        after.for_tenant("globex").decrypt({**erased, KEY_ID: key_id("globex-key", "aes-gcm")})


def test_revocation_works_without_tenants() -> None:
    old = Encryptor("old", codec="aes-gcm").encrypt("v")
    revoked = Encryptor("new", fallback_keys=["old"], revoked_key_ids=[key_id("old", "aes-gcm")])
    with pytest.raises(KeyRevokedError):
        revoked.decrypt(old)
    assert Encryptor("new", fallback_keys=["old"]).decrypt(old) == "v"
    with pytest.raises(KeyConfigError, match="revoked"):
        Encryptor("old", revoked_key_ids=[key_id("old")])


@pytest.mark.parametrize("hint", [["a"], {"id": "a"}, 5, "", "x" * 513])
def test_a_key_hint_of_the_wrong_type_is_a_malformed_value(hint: object) -> None:
    sealed = Encryptor("k").encrypt("v")
    with pytest.raises(EncodingError, match="__KEY__"):
        Encryptor("k").decrypt({**sealed, KEY_ID: hint})


def test_tenant_rotation_with_fallback_keys() -> None:
    old = router(tenant_keys={"acme": "old"}).for_tenant("acme").encrypt("v")
    rotated = router(tenant_keys={"acme": {"key": "new", "fallback_keys": ["old"]}})
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


def test_tenant_settings_from_the_environment() -> None:
    settings = EncryptionSettings.from_env(
        {
            "INNGEST_ENCRYPTION_KEY": "default-key",
            "INNGEST_ENCRYPTION_TENANT_KEYS": '{"acme": "acme-key", "globex": {"key": "g"}}',
            "INNGEST_ENCRYPTION_TENANT_FROM": "data.tenant_id",
            "INNGEST_ENCRYPTION_REVOKED_KEY_IDS": "abcd1234,ef567890",
            "INNGEST_ENCRYPTION_UNKNOWN_TENANTS": "default",
        }
    )
    assert settings.tenant_from == "data.tenant_id"
    assert settings.revoked_key_ids == ("abcd1234", "ef567890")
    assert settings.tenants().tenants == ("acme", "globex")
    assert settings.unknown_tenants == "default"


@pytest.mark.parametrize(
    ("bad", "phrase"),
    [
        ({"acme": {"kee": "x"}}, "tenant 'acme': 'kee' cannot be set per tenant"),
        ({"acme": {"key": "k", "compression": "zstd"}}, "'compression' cannot be set per tenant"),
        (
            {"acme": {"key": "k", "revoked_key_ids": []}},
            "'revoked_key_ids' cannot be set per tenant",
        ),
        (
            {"acme": {"key": "k", "codec_options": {"revoked_key_ids": []}}},
            "codec 'secretbox' has no option 'revoked_key_ids'",
        ),
        ({"acme": {"codec": "aes-gcm"}}, "tenant 'acme': the key is missing"),
        ({"acme": {"x", "y"}}, "set"),
        (["acme"], "mapping"),
    ],
)
def test_a_tenant_spec_takes_only_per_tenant_things(bad: object, phrase: str) -> None:
    with pytest.raises(ConfigError, match=phrase):
        EncryptionSettings.from_mapping({"key": "k", "tenant_keys": bad}).tenants()


def test_inspect_reports_the_key_id_a_tenant_envelope_names() -> None:
    from inngest_codecs.for_inngest.documents import describe

    sealed = router(tenant_keys={"acme": "acme-key"}).for_tenant("acme").encrypt(1)
    assert describe(sealed).key_id == key_id("acme-key")
