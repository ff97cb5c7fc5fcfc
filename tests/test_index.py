"""Blind indexes: the derivation, the committed vectors, the setting and its refusals."""

from __future__ import annotations

import base64
import enum
import hashlib
import hmac
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inngest_codecs import ConfigError, EncodingError, KeyConfigError
from inngest_codecs.config import EncryptionSettings
from inngest_codecs.for_inngest.events import seal_fields
from inngest_codecs.index import blind_index, derive_key
from inngest_codecs.indexer import Indexer
from inngest_codecs.tenants import TenantRouter

VECTORS = json.loads((Path(__file__).parent / "index_vectors.json").read_text(encoding="utf-8"))
KEY = VECTORS["key"]
INDEXES = {
    "customer": {"from": "data.encrypted.email", "to": "data.customer_idx"},
    "account": {
        "from": "data.encrypted.account.iban",
        "to": "data.account_idx",
        "normalize": ["digits", "last:4"],
    },
}


def indexer(**settings: Any) -> tuple[Indexer, TenantRouter]:
    chosen = EncryptionSettings({"key": KEY, "indexes": INDEXES, **settings})
    tenants = chosen.tenants()
    return chosen.indexer(tenants), tenants


def independent_tag(key: bytes, name: str, message: bytes, tenant: str | None = None) -> str:
    """The derivation as docs/format.md writes it, with RFC 5869 spelled out in ``hmac``."""
    info = (
        b"inngest-codecs/blind-index/v1\0"
        + name.encode()
        + (b"\0" + tenant.encode() if tenant is not None else b"")
    )
    pseudo_random = hmac.digest(bytes(32), key, hashlib.sha256)  # extract, salt none
    index_key = hmac.digest(pseudo_random, info + b"\x01", hashlib.sha256)  # expand, one block
    digest = hmac.new(index_key, message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


@pytest.mark.parametrize("vector", VECTORS["vectors"], ids=lambda v: f"{v['name']}:{v['value']!r}")
def test_each_committed_vector(vector: dict[str, Any]) -> None:
    found = blind_index(
        vector.get("key", KEY),
        vector["name"],
        vector["value"],
        tenant=vector.get("tenant"),
        normalize=vector.get("normalize", ()),
        length=vector.get("bytes", 32),
    )
    assert found == vector["tag"]


@pytest.mark.parametrize("vector", VECTORS["vectors"], ids=lambda v: f"{v['name']}:{v['value']!r}")
def test_each_committed_vector_through_the_setting(vector: dict[str, Any]) -> None:
    spec: dict[str, Any] = {"from": "data.encrypted.value", "to": "data.tag"}
    spec.update({k: vector[k] for k in ("normalize", "bytes") if k in vector})
    key = vector.get("key", KEY)
    settings: dict[str, Any] = {"key": key, "indexes": {vector["name"]: spec}}
    if "tenant" in vector:  # where keys are per tenant: one index_key, the tenant in the info
        settings.update(index_key=key, tenant_keys={vector["tenant"]: "its-own-key"})
    rule, router = indexer(**settings)
    tags = rule.tags(
        {"encrypted": {"value": vector["value"]}}, router.for_tenant(vector.get("tenant"))
    )
    assert tags.get("tag") == vector["tag"]


def test_the_derivation_is_the_documented_one() -> None:
    for tenant in (None, "acme"):
        expected = independent_tag(KEY.encode(), "customer", b'"ana@example.com"', tenant)
        assert blind_index(KEY, "customer", "ana@example.com", tenant=tenant) == expected
    assert blind_index(KEY, "customer", 42) == independent_tag(KEY.encode(), "customer", b"42")


def test_the_vectors_cover_what_they_must() -> None:
    tags = {json.dumps(v["value"]): v["tag"] for v in VECTORS["vectors"] if v["name"] == "customer"}
    assert tags['"1"'] != tags["1"], "a string and a number must not collide"
    assert {v["tag"] for v in VECTORS["vectors"] if v["value"] in ("", None)} == {None}
    by_tenant = {
        v.get("tenant"): v["tag"] for v in VECTORS["vectors"] if v["value"] == "ana@example.com"
    }
    assert len({by_tenant[None], by_tenant["acme"], by_tenant["globex"]}) == 3


INDEXABLE = st.one_of(
    st.text(st.characters(exclude_categories=("Cs",)), min_size=1),
    st.integers(-(2**53 - 1), 2**53 - 1),
)


@given(INDEXABLE, INDEXABLE)
def test_tags_are_equal_exactly_when_the_values_are(a: str | int, b: str | int) -> None:
    same = type(a) is type(b) and a == b
    assert (blind_index(KEY, "customer", a) == blind_index(KEY, "customer", b)) is same


def test_an_int_enum_is_its_number() -> None:
    class Plan(enum.IntEnum):
        PRO = 7

    assert blind_index(KEY, "plan", Plan.PRO) == blind_index(KEY, "plan", 7)
    assert blind_index(KEY, "plan", Plan.PRO, normalize="last:1") == blind_index(KEY, "plan", "7")


def test_index_keys_differ_by_name_and_tenant() -> None:
    keys = {derive_key(b"k", n, t) for n in ("a", "b") for t in (None, "x", "y")}
    assert len(keys) == 6
    assert derive_key(b"k", "a", "b") != derive_key(b"k", "ab")


@pytest.mark.parametrize("value", [1.5, 1.0, True, [1], {"a": 1}, 2**53, "\ud800"], ids=repr)
def test_values_an_index_cannot_take_are_refused_without_naming_them(value: object) -> None:
    with pytest.raises(EncodingError) as raised:
        blind_index(KEY, "customer", value)
    assert repr(value) not in str(raised.value)


def test_the_middleware_rule_writes_tags_beside_the_sealed_data() -> None:
    rule, router = indexer()
    plain = {"encrypted": {"email": "ana@example.com", "account": {"iban": "DE89 0130 00"}}}
    sealed = seal_fields(router.default, plain)
    written = rule.write(sealed, plain, router.default)
    assert written["encrypted"] == sealed["encrypted"]
    assert written["customer_idx"] == blind_index(KEY, "customer", "ana@example.com")
    assert written["account_idx"] == blind_index(KEY, "account", "3000")
    assert "ana@example.com" not in json.dumps(written)


def test_a_missing_value_writes_no_tag_and_an_envelope_is_opened_first() -> None:
    rule, router = indexer()
    assert rule.tags({"encrypted": {"account": None}}, router.default) == {}
    assert rule.tags({"other": 1}, router.default) == {}
    forwarded = seal_fields(router.default, {"encrypted": {"email": "ana@example.com"}})
    assert rule.tags(forwarded, router.default) == rule.tags(
        {"encrypted": {"email": "ana@example.com"}}, router.default
    )


def test_tenants_get_different_tags_for_the_same_value() -> None:
    rule, router = indexer(tenant_keys={"acme": "acme-key", "globex": "globex-key"})
    data = {"encrypted": {"email": "ana@example.com"}}
    tags = {t: rule.tags(data, router.for_tenant(t))["customer_idx"] for t in (None, "acme")}
    assert tags["acme"] == blind_index("acme-key", "customer", "ana@example.com", tenant="acme")
    assert tags[None] == blind_index(KEY, "customer", "ana@example.com")
    shared, shared_router = indexer(
        index_key="index-key", tenant_keys={"acme": "acme-key", "globex": "globex-key"}
    )
    acme = shared.tags(data, shared_router.for_tenant("acme"))["customer_idx"]
    globex = shared.tags(data, shared_router.for_tenant("globex"))["customer_idx"]
    assert acme == blind_index("index-key", "customer", "ana@example.com", tenant="acme")
    assert acme != globex


def test_the_next_tag_is_the_tag_once_the_next_key_is_the_key() -> None:
    spec = {**INDEXES["customer"], "next_to": "data.customer_idx_v2"}
    during, router = indexer(indexes={"customer": spec}, index_next_key="key-2")
    data = {"encrypted": {"email": "ana@example.com"}}
    both = during.tags(data, router.default)
    assert both["customer_idx"] == blind_index(KEY, "customer", "ana@example.com")
    switched = {**INDEXES["customer"], "to": "data.customer_idx_v2"}
    after, after_router = indexer(key="key-2", fallback_keys=[KEY], indexes={"customer": switched})
    assert after.tags(data, after_router.default) == {"customer_idx_v2": both["customer_idx_v2"]}


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"indexes": {"bad name": INDEXES["customer"]}}, "index name"),
        ({"indexes": {"c": {"from": "encrypted.email", "to": "data.x"}}}, "dotted path"),
        ({"indexes": {"c": {"from": "data.encrypted.email", "to": "data.a.b"}}}, "top-level"),
        ({"indexes": {"c": {**INDEXES["customer"], "bytes": 8}}}, "16 to 32"),
        ({"indexes": {"c": {**INDEXES["customer"], "normalize": "upper"}}}, "unknown normaliser"),
        ({"indexes": {"c": {**INDEXES["customer"], "extra": 1}}}, "takes from, to"),
        ({"indexes": {"c": INDEXES["customer"], "d": INDEXES["customer"]}}, "same field"),
        ({"indexes": {"c": {"from": "data.plain.x", "to": "data.x"}}}, "not an encrypted field"),
        ({"indexes": {"c": {"from": "data.encrypted.x", "to": "data.encrypted"}}}, "encrypted"),
        ({"index_next_key": "next"}, "go together"),
        ({"indexes": {"c": {**INDEXES["customer"], "next_to": "data.n"}}}, "go together"),
    ],
)
def test_mistakes_in_the_setting_are_refused_at_start_up(
    settings: dict[str, Any], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        indexer(**settings)


def test_a_key_held_by_a_key_service_needs_an_index_key() -> None:
    arn = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    with pytest.raises(KeyConfigError, match="set index_key") as raised:
        indexer(key=arn, codec="aws-kms")
    assert arn not in str(raised.value)
    rule, router = indexer(key=arn, codec="aws-kms", index_key="index-key")
    data = {"encrypted": {"email": "ana@example.com"}}
    assert rule.tags(data, router.default)["customer_idx"] == blind_index(
        "index-key", "customer", "ana@example.com"
    )


def test_the_setting_reads_from_the_environment() -> None:
    settings = EncryptionSettings.from_env(
        {"INNGEST_ENCRYPTION_KEY": KEY, "INNGEST_ENCRYPTION_INDEXES": json.dumps(INDEXES)}
    )
    assert [i.name for i in settings.indexes] == ["customer", "account"]
    assert settings.indexes[1].normalizer == ("digits", "last:4")


def test_a_python_normaliser_is_a_function() -> None:
    spec = {**INDEXES["customer"], "normalize": lambda v: v.split("@")[0]}
    rule, router = indexer(indexes={"customer": spec})
    found = rule.tags({"encrypted": {"email": "ana@example.com"}}, router.default)
    assert found["customer_idx"] == blind_index(KEY, "customer", "ana")
