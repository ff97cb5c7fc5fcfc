from __future__ import annotations

import pytest

from inngest_codecs import ConfigError, Encryptor, KeyConfigError, KeySet, load_codec


@pytest.mark.parametrize("key", [None, "", "   \n\t", b"", []])
def test_missing_or_empty_keys_are_rejected(key: object) -> None:
    with pytest.raises(KeyConfigError):
        KeySet.build(key)  # type: ignore[arg-type]


def test_empty_fallback_is_rejected() -> None:
    with pytest.raises(KeyConfigError, match="fallback key #2"):
        KeySet.build("k", ["ok", " "])


def test_wrong_type_is_rejected_without_echoing_it() -> None:
    with pytest.raises(KeyConfigError) as caught:
        KeySet.build(12345)  # type: ignore[arg-type]
    assert "12345" not in str(caught.value)


def test_list_form_takes_first_as_primary() -> None:
    keys = KeySet.build(["first", "second"], ["third"])
    assert keys.primary.material == b"first"
    assert [k.material for k in keys.decryption_keys] == [b"first", b"second", b"third"]


def test_trimmed_key_encrypts_and_untrimmed_form_is_tried() -> None:
    keys = KeySet.build("\u00a0 key \ufeff")
    assert keys.primary.material == b"key"
    assert [k.material for k in keys.decryption_keys] == [b"key", "\u00a0 key \ufeff".encode()]


def test_no_key_in_any_repr() -> None:
    secret = "do-not-print-me"
    keys = KeySet.build(secret, ["fallback-secret"])
    codec = load_codec("aes-gcm", secret)
    for text in (repr(keys), repr(keys.primary), repr(codec), repr(Encryptor(secret))):
        assert secret not in text
        assert "fallback-secret" not in text


def test_raw_secretbox_key_must_be_32_bytes() -> None:
    with pytest.raises(KeyConfigError, match="32 raw bytes or 64 hex digits"):
        Encryptor(b"short")


def test_unknown_codec_option_is_rejected_with_the_closest_one() -> None:
    with pytest.raises(ConfigError, match="codec 'secretbox' has no option 'padding'"):
        Encryptor("k", codec="secretbox", codec_options={"padding": True})
    with pytest.raises(ConfigError, match="did you mean 'max_age'"):
        load_codec("aws-kms", "alias/x", max_ag=5)


REAL = "the-real-key-do-not-print"


@pytest.mark.parametrize(
    "key",
    [{"key": REAL}, {REAL}, frozenset([REAL]), (k for k in [REAL]), 3.5, bytearray(b"k" * 32)],
    ids=["dict", "set", "frozenset", "generator", "float", "bytearray"],
)
def test_only_str_bytes_or_lists_of_them_are_keys(key: object) -> None:
    for attempt in (
        lambda: KeySet.build(key),  # type: ignore[arg-type]
        lambda: KeySet.build("primary", key),  # type: ignore[arg-type]
        lambda: Encryptor("primary", fallback_keys=key),  # type: ignore[arg-type]
    ):
        with pytest.raises(KeyConfigError) as caught:
            attempt()
        assert type(key).__name__ in str(caught.value)
        assert REAL not in str(caught.value)


def test_tuples_and_lists_of_keys_are_accepted() -> None:
    keys = KeySet.build(("a", b"b" * 32), ["c"])
    assert [k.material for k in keys.decryption_keys] == [b"a", b"b" * 32, b"c"]
