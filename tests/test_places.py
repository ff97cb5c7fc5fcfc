"""Places as associated data: the encoding, the aes-gcm bound format, the Encryptor's checks."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from hypothesis import given
from hypothesis import strategies as st

from inngest_codecs import EncodingError, Encryptor, MisplacedValueError, Place
from inngest_codecs.errors import DecryptionError

KEY = "correct horse battery staple"
AES_KEY = "b73dc2c8547e564c5660f30440dc5f38441003564fa09321d18f70864b9fa73e"
KEY_ID = "7599c348"
STRATEGY = "inngest-codecs/aes-256-gcm"
EVENT_FIELD = Place(("event", "bank/transfer"), ("field", "encrypted"))
STEP = Place(("function", "bank-ledger"), ("step", "f1419eb205e623d8c835d7d94b398dfe1f022a69"))
# The vectors of docs/format.md: changing one breaks every bound value stored.
EVENT_FIELD_BYTES = (
    "0102056576656e74000d62616e6b2f7472616e73666572056669656c640009656e63727970746564"
)
STEP_BYTES = (
    "01020866756e6374696f6e000b62616e6b2d6c65646765720473746570002866313431396562323035"
    "653632336438633833356437643934623339386466653166303232613639"
)
BOUND_BLOB = (
    "AnWZw0gAKAECBWV2ZW50AA1iYW5rL3RyYW5zZmVyBWZpZWxkAAllbmNyeXB0ZWQAAAAAAAAAAAAAAACNZySCsPQg"
    "BXD9fy+3UHCVD+dC7ec7VnDOMvCr3ALLhg=="
)

labels = st.from_regex(r"[a-z][a-z0-9_-]{0,31}", fullmatch=True)
identifiers = st.text(max_size=40)


def envelope(data: str) -> dict[str, object]:
    return {"__ENCRYPTED__": True, "__STRATEGY__": STRATEGY, "data": data}


def test_places_encode_to_the_documented_bytes() -> None:
    assert EVENT_FIELD.associated_data.hex() == EVENT_FIELD_BYTES
    assert STEP.associated_data.hex() == STEP_BYTES
    assert str(STEP) == "function 'bank-ledger' step 'f1419eb205e623d8c835d7d94b398dfe1f022a69'"


@given(st.lists(st.tuples(labels, identifiers), min_size=1, max_size=6))
def test_a_place_reads_back_from_its_bytes(parts: list[tuple[str, str]]) -> None:
    place = Place(*parts)
    assert Place.from_bytes(place.associated_data) == place
    assert Place.from_bytes(place.associated_data + b"\x00") is None
    assert Place.from_bytes(place.associated_data[:-1]) is None or parts[-1][1] == ""


def test_field_boundaries_are_unambiguous() -> None:
    # Without length prefixes these two would be the same bytes.
    assert Place(("event", "a"), ("field", "bc")) != Place(("event", "ab"), ("field", "c"))


@pytest.mark.parametrize(
    "parts",
    [(), (("Event", "x"),), ((["event"], "x"),), (("event", 3),), (("e", "x" * 70000),)],
)
def test_malformed_places_are_refused(parts: tuple[tuple[str, object], ...]) -> None:
    with pytest.raises(EncodingError):
        Place(*parts)  # type: ignore[arg-type]


def test_the_bound_vector_opens_only_at_its_place() -> None:
    encryptor = Encryptor(KEY, codec="aes-gcm")
    assert encryptor.decrypt(envelope(BOUND_BLOB), place=EVENT_FIELD) == {"account": "42"}
    with pytest.raises(MisplacedValueError) as refused:
        encryptor.decrypt(envelope(BOUND_BLOB), place=STEP)
    assert refused.value.permanent
    assert str(EVENT_FIELD) in str(refused.value) and str(STEP) in str(refused.value)
    assert refused.value.written_data == EVENT_FIELD.associated_data


def test_a_bound_value_has_the_documented_layout() -> None:
    sealed = Encryptor(KEY, codec="aes-gcm").encrypt({"account": "42"}, place=EVENT_FIELD)
    blob = base64.b64decode(sealed["data"])
    place = EVENT_FIELD.associated_data
    header = bytes([2]) + bytes.fromhex(KEY_ID) + len(place).to_bytes(2, "big") + place
    assert blob.startswith(header)
    nonce, body = blob[len(header) : len(header) + 12], blob[len(header) + 12 :]
    aad = header + STRATEGY.encode()
    assert AESGCM(bytes.fromhex(AES_KEY)).decrypt(nonce, body, aad) == b'{"account":"42"}'


def test_a_place_changed_in_the_header_fails_the_tag() -> None:
    blob = bytearray(base64.b64decode(BOUND_BLOB))
    blob[20] ^= 1  # inside the stored place
    forged = envelope(base64.b64encode(bytes(blob)).decode())
    with pytest.raises(DecryptionError, match="altered") as refused:
        Encryptor(KEY, codec="aes-gcm").decrypt(forged, place=EVENT_FIELD)
    assert not isinstance(refused.value, MisplacedValueError)


@pytest.mark.parametrize("cut", [5, 6, 7, 30, 48])
def test_truncated_bound_values_are_refused_cleanly(cut: int) -> None:
    short = base64.b64encode(base64.b64decode(BOUND_BLOB)[:cut]).decode()
    with pytest.raises(DecryptionError) as refused:
        Encryptor(KEY, codec="aes-gcm").decrypt(envelope(short), place=EVENT_FIELD)
    assert refused.value.permanent


def test_values_without_a_place_keep_format_1_and_open_anywhere() -> None:
    encryptor = Encryptor(KEY, codec="aes-gcm")
    sealed = encryptor.encrypt("old")
    assert base64.b64decode(sealed["data"])[0] == 1
    assert encryptor.decrypt(sealed, place=STEP) == "old"


def test_the_plaintext_cache_does_not_open_a_value_at_another_place() -> None:
    encryptor = Encryptor(KEY, codec="aes-gcm", cache_size=8)
    sealed = encryptor.encrypt({"limit": 100}, place=STEP)  # remembered as made
    assert encryptor.decrypt(sealed, place=STEP) == {"limit": 100}
    with pytest.raises(MisplacedValueError):
        encryptor.decrypt(sealed, place=EVENT_FIELD)


@pytest.mark.parametrize("compression", [None, "zstd"])
def test_compressed_values_are_bound(compression: str | None) -> None:
    encryptor = Encryptor(KEY, codec="aes-gcm", compression=compression)
    sealed = encryptor.encrypt("x" * 4000, place=STEP)
    assert encryptor.decrypt(sealed, place=STEP) == "x" * 4000
    with pytest.raises(MisplacedValueError):
        encryptor.decrypt(sealed, place=EVENT_FIELD)


@pytest.mark.parametrize("codec", ["secretbox", "chacha20-poly1305"])
def test_codecs_without_associated_data_ignore_places(codec: str) -> None:
    """secretbox stays byte-compatible, and a third-party codec is never handed the keyword."""
    encryptor = Encryptor(KEY, codec=codec)
    sealed = encryptor.encrypt("v", place=STEP)
    assert encryptor.decrypt(sealed, place=EVENT_FIELD) == "v"
