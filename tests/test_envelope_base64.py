"""The envelope's base64 is standard base64 (RFC 4648), and nothing looser is read."""

from __future__ import annotations

import base64
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inngest_codecs import EncodingError, envelope

ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
# Base64 letters, padding in and out of place, and what lax decoders skip or accept.
near_base64 = st.text(st.sampled_from(ALPHABET + "=" * 8 + "-_ \n\r\t.é\x00"), max_size=24)


# RFC 4648 base64: whole groups of four letters, the last padded with at most two "=".
CANONICAL = re.compile(r"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?")


def reference(data: str) -> bytes | None:
    """The bytes ``data`` stands for when it is in the RFC 4648 form, else None.

    (The standard library's strict mode also takes extra "=" after a whole
    group, as in ``"AAAA="``; the envelope does not.)
    """
    return base64.b64decode(data) if CANONICAL.fullmatch(data) else None


def read(data: str) -> bytes | None:
    try:
        return envelope.decode_base64(data)
    except EncodingError:
        return None


@given(near_base64)
def test_decoding_takes_exactly_the_rfc_4648_form(data: str) -> None:
    assert read(data) == reference(data)


@given(st.binary(max_size=200))
def test_envelopes_carry_standard_base64(blob: bytes) -> None:
    sealed = envelope.build("some/strategy", blob)
    assert sealed["data"] == base64.b64encode(blob).decode("ascii")
    assert envelope.parse(sealed) == ("some/strategy", blob)


@pytest.mark.parametrize(
    "data", ["YQ", "YQ==\n", " YQ==", "YQ=a", "YQ===", "-_8=", "YQ==YQ==", "AAAA="]
)
def test_lax_forms_are_refused(data: str) -> None:
    with pytest.raises(EncodingError, match="not standard base64"):
        envelope.decode_base64(data)
