"""aws-kms format 2: a value bound to its place, against a local KMS over HTTP."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from inngest_codecs import DecryptionError, Encryptor, MisplacedValueError, Place
from inngest_codecs.envelope import DATA

from .conftest import kms_module

layout = kms_module("inngest_codecs_aws_kms.layout")
plugin = kms_module("inngest_codecs_aws_kms")

HERE = Place(("function", "clinic-intake"), ("step", "f1419eb205e623d8c835d7d94b398dfe1f022a69"))
THERE = Place(("event", "clinic/visit"), ("field", "encrypted"))
RECORD = {"patient": "Ada Lovelace"}


def blob(sealed: dict[str, Any]) -> bytes:
    return base64.b64decode(sealed[DATA])


def test_a_bound_value_opens_only_at_its_place(kms_key: str) -> None:
    options = {"encryption_context": {"app": "clinic"}}
    encryptor = Encryptor(kms_key, codec="aws-kms", codec_options=options)
    sealed = encryptor.encrypt(RECORD, place=HERE)
    assert encryptor.decrypt(sealed, place=HERE) == RECORD
    assert encryptor.decrypt(sealed) == RECORD  # an operator's reader checks no place
    with pytest.raises(MisplacedValueError) as refused:
        encryptor.decrypt(sealed, place=THERE)
    assert refused.value.permanent and str(HERE) in str(refused.value)
    assert plugin.AwsKmsCodec.key_id_of(blob(sealed)) == kms_key


def test_the_bound_layout_is_a_prefix_covered_by_the_tag(kms_key: str) -> None:
    encryptor = Encryptor(kms_key, codec="aws-kms")
    sealed = encryptor.encrypt(RECORD, place=HERE)
    data = blob(sealed)
    place = HERE.associated_data
    prefix = bytes([2]) + len(place).to_bytes(2, "big") + place
    assert data.startswith(prefix) and data[len(prefix)] == layout.VERSION
    # The unbound value behind the prefix does not open alone: the prefix is in the tag.
    alone = {**sealed, DATA: base64.b64encode(data[len(prefix) :]).decode()}
    with pytest.raises(DecryptionError, match="altered"):
        encryptor.decrypt(alone)
    forged = bytearray(data)
    forged[5] ^= 1
    with pytest.raises(DecryptionError, match="altered"):
        encryptor.decrypt({**sealed, DATA: base64.b64encode(bytes(forged)).decode()}, place=HERE)


def test_unbound_values_still_open_at_any_place(kms_key: str) -> None:
    encryptor = Encryptor(kms_key, codec="aws-kms")
    old = encryptor.encrypt(RECORD)
    assert blob(old)[0] == layout.VERSION
    assert encryptor.decrypt(old, place=THERE) == RECORD


@pytest.mark.parametrize("cut", [1, 3, 40])
def test_a_truncated_bound_value_is_refused_cleanly(kms_key: str, cut: int) -> None:
    encryptor = Encryptor(kms_key, codec="aws-kms")
    sealed = encryptor.encrypt(RECORD, place=HERE)
    short = {**sealed, DATA: base64.b64encode(blob(sealed)[:cut]).decode()}
    with pytest.raises(DecryptionError) as refused:
        encryptor.decrypt(short, place=HERE)
    assert refused.value.permanent
