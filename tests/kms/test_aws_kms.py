"""The aws-kms codec against a local KMS over HTTP: round trips, rotation, and every failure."""

from __future__ import annotations

import base64
import socket
from typing import Any

import pytest

from inngest_codecs import DecryptionError, Encryptor, Key, KeyConfigError, TenantRevokedError
from inngest_codecs.config import EncryptionSettings
from inngest_codecs.envelope import DATA, KEY_ID, STRATEGY
from inngest_codecs.errors import EncryptionError, KeyRevokedError

from .conftest import kms_module

pytestmark = pytest.mark.slow

layout = kms_module("inngest_codecs_aws_kms.layout")
plugin = kms_module("inngest_codecs_aws_kms")

RECORD = {"patient": "Ada Lovelace", "diagnosis": "analytical", "visits": [1, 2, 3]}
CONTEXT = {"app": "clinic"}


def blob(sealed: dict[str, Any]) -> bytes:
    return base64.b64decode(sealed[DATA])


def with_blob(sealed: dict[str, Any], data: bytes) -> dict[str, Any]:
    return {**sealed, DATA: base64.b64encode(data).decode()}


def refused(encryptor: Encryptor, sealed: dict[str, Any]) -> DecryptionError:
    with pytest.raises(DecryptionError) as caught:
        encryptor.decrypt(sealed)
    return caught.value


def test_round_trip_through_the_encryptor(kms_key: str) -> None:
    writer = Encryptor(kms_key, codec="aws-kms", codec_options={"encryption_context": CONTEXT})
    sealed = writer.encrypt(RECORD)
    assert sealed[STRATEGY] == "inngest-codecs/aws-kms"
    assert plugin.AwsKmsCodec.key_id_of(blob(sealed)) == kms_key
    assert writer.decrypt(sealed) == RECORD
    reader = Encryptor(kms_key, codec="aws-kms", codec_options={"encryption_context": CONTEXT})
    assert reader.decrypt(sealed) == RECORD


def test_an_encryptor_of_another_codec_opens_it_by_strategy(kms_key: str) -> None:
    sealed = Encryptor(kms_key, codec="aws-kms").encrypt(RECORD)
    local = Encryptor("a local key", codec="aes-gcm", fallback_keys=[Key.reference(kms_key)])
    assert local.decrypt(sealed) == RECORD


def test_rotation_to_a_new_kms_key_keeps_the_old_one_for_decryption(local_kms: Any) -> None:
    old, new = local_kms.create_key(), local_kms.create_key()
    before = Encryptor(old, codec="aws-kms").encrypt(RECORD)
    rotated = Encryptor(new, codec="aws-kms", fallback_keys=[old])
    after = rotated.encrypt(RECORD)
    assert plugin.AwsKmsCodec.key_id_of(blob(after)) == new
    assert rotated.decrypt(before) == RECORD
    assert rotated.decrypt(after) == RECORD

    local_kms.reset_counts()
    error = refused(Encryptor(new, codec="aws-kms"), before)
    assert not error.permanent
    assert f"wrapped under KMS key {old}, which is not in the key set" in str(error)
    assert local_kms.requests["Decrypt"] == 0  # refused before asking KMS


def test_an_alias_encrypts_and_opens_only_what_its_key_wrapped(local_kms: Any) -> None:
    first, second = local_kms.create_key(), local_kms.create_key()
    client = local_kms.client()
    client.create_alias(AliasName="alias/clinic-rotating", TargetKeyId=first)
    before = Encryptor("alias/clinic-rotating", codec="aws-kms").encrypt(RECORD)
    assert plugin.AwsKmsCodec.key_id_of(blob(before)) == first
    assert Encryptor("alias/clinic-rotating", codec="aws-kms").decrypt(before) == RECORD

    client.update_alias(AliasName="alias/clinic-rotating", TargetKeyId=second)
    after = Encryptor("alias/clinic-rotating", codec="aws-kms").encrypt(RECORD)
    assert plugin.AwsKmsCodec.key_id_of(blob(after)) == second
    error = refused(Encryptor("alias/clinic-rotating", codec="aws-kms"), before)
    assert not error.permanent
    rotated = Encryptor("alias/clinic-rotating", codec="aws-kms", fallback_keys=[first])
    assert rotated.decrypt(before) == rotated.decrypt(after) == RECORD


def test_a_bare_key_id_is_a_kms_key(kms_key: str) -> None:
    key_id = kms_key.rsplit("/", 1)[1]
    sealed = Encryptor(key_id, codec="aws-kms").encrypt(RECORD)
    assert plugin.AwsKmsCodec.key_id_of(blob(sealed)) == kms_key
    assert Encryptor(key_id, codec="aws-kms").decrypt(sealed) == RECORD


def test_a_disabled_kms_key_fails_in_ways_a_retry_can_fix(local_kms: Any, kms_key: str) -> None:
    sealed = Encryptor(kms_key, codec="aws-kms").encrypt(RECORD)
    local_kms.disable_key(kms_key)
    try:
        with pytest.raises(EncryptionError) as caught:
            Encryptor(kms_key, codec="aws-kms").encrypt(RECORD)
        assert "DisabledException: the KMS key is disabled" in str(caught.value)
        assert kms_key in str(caught.value)
        error = refused(Encryptor(kms_key, codec="aws-kms"), sealed)
        assert not error.permanent
        assert "DisabledException" in str(error)
    finally:
        local_kms.enable_key(kms_key)
    assert Encryptor(kms_key, codec="aws-kms").decrypt(sealed) == RECORD


def test_a_tampered_wrapped_key_is_refused_by_kms_not_permanently(kms_key: str) -> None:
    sealed = Encryptor(kms_key, codec="aws-kms").encrypt(RECORD)
    data = blob(sealed)
    parts = layout.parse(data)
    where = len(parts.header) - len(parts.wrapped_key) // 2
    altered = bytearray(data)
    altered[where] ^= 0x01
    error = refused(Encryptor(kms_key, codec="aws-kms"), with_blob(sealed, bytes(altered)))
    assert not error.permanent
    assert "InvalidCiphertextException" in str(error)


def test_an_altered_value_under_an_opened_data_key_fails_permanently(kms_key: str) -> None:
    encryptor = Encryptor(kms_key, codec="aws-kms")
    sealed = encryptor.encrypt(RECORD)
    altered = bytearray(blob(sealed))
    altered[-1] ^= 0x80
    error = refused(Encryptor(kms_key, codec="aws-kms"), with_blob(sealed, bytes(altered)))
    assert error.permanent
    assert "altered" in str(error)


def test_a_key_arn_rewritten_in_the_header_is_refused(local_kms: Any, kms_key: str) -> None:
    other = local_kms.create_key()
    sealed = Encryptor(kms_key, codec="aws-kms").encrypt(RECORD)
    moved = with_blob(sealed, blob(sealed).replace(kms_key.encode(), other.encode()))
    assert plugin.AwsKmsCodec.key_id_of(blob(moved)) == other
    error = refused(Encryptor(other, codec="aws-kms", fallback_keys=[kms_key]), moved)
    assert not error.permanent  # KMS refuses: the wrapped key is not under `other`


@pytest.mark.parametrize(
    "other_context", [{}, {"app": "billing"}, {"app": "clinic", "tenant": "t-1"}], ids=repr
)
def test_a_value_moved_to_another_encryption_context_does_not_open(
    kms_key: str, other_context: dict[str, str]
) -> None:
    sealed = Encryptor(
        kms_key, codec="aws-kms", codec_options={"encryption_context": CONTEXT}
    ).encrypt(RECORD)
    elsewhere = Encryptor(
        kms_key, codec="aws-kms", codec_options={"encryption_context": other_context}
    )
    error = refused(elsewhere, sealed)
    assert not error.permanent
    assert "InvalidCiphertextException" in str(error)
    assert (
        Encryptor(kms_key, codec="aws-kms", codec_options={"encryption_context": CONTEXT}).decrypt(
            sealed
        )
        == RECORD
    )


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_an_unreachable_kms_fails_retriably(kms_key: str, monkeypatch: pytest.MonkeyPatch) -> None:
    sealed = Encryptor(kms_key, codec="aws-kms").encrypt(RECORD)
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{_closed_port()}")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    with pytest.raises(EncryptionError) as caught:
        Encryptor(kms_key, codec="aws-kms").encrypt(RECORD)
    assert "EndpointConnectionError: AWS KMS could not be reached" in str(caught.value)
    error = refused(Encryptor(kms_key, codec="aws-kms"), sealed)
    assert not error.permanent


def test_malformed_values_fail_permanently_and_unknown_versions_do_not(kms_key: str) -> None:
    encryptor = Encryptor(kms_key, codec="aws-kms")
    sealed = encryptor.encrypt(RECORD)
    data = blob(sealed)
    assert refused(encryptor, with_blob(sealed, data[:20])).permanent
    assert refused(encryptor, with_blob(sealed, data[:1] + b"\xff\xff" + data[3:])).permanent
    newer = refused(encryptor, with_blob(sealed, b"\x03" + data[1:]))
    assert not newer.permanent
    assert "unsupported aws-kms format version 3" in str(newer)


SECRET_LIKE = "hunter2-correct-horse-battery-staple"


@pytest.mark.parametrize(
    ("key", "options", "names"),
    [
        (SECRET_LIKE, {}, "none of the configured keys"),
        (SECRET_LIKE.encode(), {}, "a key reference, which is a str"),
        ("alias/a", {"encryption_context": "app=clinic"}, "encryption_context"),
        ("alias/a", {"encryption_context": {"app": 1}}, "encryption_context"),
        ("alias/a", {"encryption_context": {"inngest-codecs": "x"}}, "reserved"),
        ("alias/a", {"max_age": 0}, "max_age"),
        ("alias/a", {"max_age": "300"}, "max_age"),
        ("alias/a", {"max_values": True}, "max_values"),
        ("alias/a", {"max_values": 2**33}, "max_values"),
        ("alias/a", {"max_bytes": -1}, "max_bytes"),
        ("alias/a", {"decrypt_cache_size": 0}, "decrypt_cache_size"),
    ],
)
def test_configuration_mistakes_are_key_config_errors(
    key: str | bytes, options: dict[str, Any], names: str
) -> None:
    with pytest.raises(KeyConfigError) as caught:
        Encryptor(key, codec="aws-kms", codec_options=options)
    assert names in str(caught.value)
    assert SECRET_LIKE not in str(caught.value)


def test_a_local_primary_with_a_kms_fallback_opens_but_cannot_encrypt(kms_key: str) -> None:
    sealed = Encryptor(kms_key, codec="aws-kms").encrypt(RECORD)
    moving_off_kms = Encryptor(SECRET_LIKE, codec="aes-gcm", fallback_keys=[Key.reference(kms_key)])
    assert moving_off_kms.decrypt(sealed) == RECORD
    confused = Encryptor(SECRET_LIKE, codec="aws-kms", fallback_keys=[kms_key])
    with pytest.raises(KeyConfigError) as caught:
        confused.encrypt(RECORD)
    assert SECRET_LIKE not in str(caught.value)


def test_keygen_explains_where_kms_keys_come_from() -> None:
    with pytest.raises(KeyConfigError, match="create-key"):
        plugin.AwsKmsCodec.generate_key()


def test_no_data_key_shows_in_reprs_or_messages(local_kms: Any, kms_key: str) -> None:
    encryptor = Encryptor(kms_key, codec="aws-kms", codec_options={"encryption_context": CONTEXT})
    sealed = encryptor.encrypt(RECORD)
    wrapped = layout.parse(blob(sealed)).wrapped_key
    context = {**CONTEXT, "inngest-codecs": "aws-kms/v1"}
    data_key = local_kms.client().decrypt(CiphertextBlob=wrapped, EncryptionContext=context)[
        "Plaintext"
    ]
    assert len(data_key) == 32
    altered = bytearray(blob(sealed))
    altered[-1] ^= 1
    errors = [
        refused(encryptor, with_blob(sealed, bytes(altered))),
        refused(Encryptor(kms_key, codec="aws-kms"), sealed),
    ]
    codec = encryptor.codec
    texts = [repr(encryptor), repr(codec), str(codec), *(repr(v) for v in vars(codec).values())]
    texts += [text for error in errors for text in (str(error), repr(error))]
    forms = [data_key.hex(), base64.b64encode(data_key).decode(), repr(data_key)[2:-1]]
    for text in texts:
        for form in forms:
            assert form not in text


def test_a_tenant_key_held_in_kms(kms_key: str) -> None:
    tenant_keys = {"acme": {"key": kms_key, "codec": "aws-kms"}, "globex": "local-globex-key"}
    settings = {"key": "local-default-key", "tenant_keys": tenant_keys}
    tenants = EncryptionSettings.from_mapping(settings).tenants()
    sealed = tenants.for_tenant("acme").encrypt({"ssn": "123-45-6789"})
    assert sealed["__STRATEGY__"] == "inngest-codecs/aws-kms" and sealed[KEY_ID] == kms_key
    assert tenants.for_tenant("acme").decrypt(sealed) == {"ssn": "123-45-6789"}
    erased = {"key": "local-default-key", "tenant_keys": {"globex": "local-globex-key"}}
    shredded = EncryptionSettings.from_mapping({**erased, "revoked_tenants": ["acme"]}).tenants()
    with pytest.raises(TenantRevokedError):
        shredded.for_tenant("acme")
    # Still configured somewhere, the revoked KMS key opens nothing.
    kept = {"acme": {"key": "new-local", "fallback_keys": [Key.reference(kms_key)]}}
    revoked = {"key": "local-default-key", "tenant_keys": kept, "revoked_key_ids": [kms_key]}
    with pytest.raises(KeyRevokedError):
        EncryptionSettings.from_mapping(revoked).tenants().for_tenant("acme").decrypt(sealed)


@pytest.mark.parametrize("forged_with", ["secretbox", "aes-gcm"])
def test_a_kms_keyed_encryptor_refuses_values_forged_from_the_public_key_arn(
    kms_key: str, forged_with: str
) -> None:
    # The ARN is written in clear in every aws-kms value: it must never serve as key material.
    forged = Encryptor(kms_key, codec=forged_with).encrypt({"approved": True})
    tenant_keys = {"acme": {"key": kms_key, "codec": "aws-kms"}}
    settings = {"key": "local-default-key", "tenant_keys": tenant_keys}
    for victim in (
        Encryptor(kms_key, codec="aws-kms"),
        EncryptionSettings.from_mapping(settings).tenants().for_tenant("acme"),
    ):
        with pytest.raises(DecryptionError, match="no configured key is of the kind") as caught:
            victim.decrypt(forged)
        assert kms_key not in str(caught.value)
