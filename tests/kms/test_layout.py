"""The aws-kms byte layout: known answers for docs/format.md, and what parsing refuses."""

from __future__ import annotations

import pytest

from .conftest import kms_module

layout = kms_module("inngest_codecs_aws_kms.layout")
plugin = kms_module("inngest_codecs_aws_kms")

ARN = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
WRAPPED = bytes(range(184))


def test_context_encoding_known_answer() -> None:
    context = {"app": "clinic", layout.CONTEXT_KEY: layout.CONTEXT_VALUE}
    assert layout.encode_context(context).hex() == (
        "000200036170700006636c696e6963000e696e6e676573742d636f64656373000a6177732d6b6d732f7631"
    )


def test_header_layout() -> None:
    header = layout.header(ARN, WRAPPED)
    assert header == b"\x01" + len(ARN).to_bytes(2, "big") + ARN.encode() + b"\x00\xb8" + WRAPPED


def test_parse_splits_what_header_joined() -> None:
    blob = layout.header(ARN, WRAPPED) + b"n" * 12 + b"sealed" + b"t" * 16
    value = layout.parse(blob)
    assert value.header == layout.header(ARN, WRAPPED)
    assert value.key_arn == ARN
    assert value.wrapped_key == WRAPPED
    assert value.nonce == b"n" * 12
    assert bytes(value.sealed) == b"sealed" + b"t" * 16
    assert plugin.AwsKmsCodec.key_id_of(blob) == ARN


@pytest.mark.parametrize(
    "blob",
    [
        b"\x01" + b"\x00" * 40,  # empty key ARN
        b"\x01\xff\xff" + b"a" * 60,  # a length past the end
        layout.header("alias/not-a-key-arn", WRAPPED) + bytes(28),
        layout.header(ARN, WRAPPED).replace(b"1234abcd", "1234ab\u00e9".encode()) + bytes(28),
    ],
    ids=["empty ARN", "length past end", "alias in place of a key ARN", "not ASCII"],
)
def test_malformed_headers_are_refused(blob: bytes) -> None:
    with pytest.raises(layout.Malformed):
        layout.parse(blob).key_arn  # noqa: B018
    assert plugin.AwsKmsCodec.key_id_of(blob) is None
