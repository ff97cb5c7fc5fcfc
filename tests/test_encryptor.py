from __future__ import annotations

import pytest

from inngest_codecs import EncodingError, Encryptor
from inngest_codecs.envelope import is_envelope
from inngest_codecs.for_inngest import events


def test_encrypts_only_the_configured_field() -> None:
    encryptor = Encryptor("k")
    data = {"user_id": "u1", "encrypted": {"ssn": "123"}}
    sealed = events.seal_fields(encryptor, data)
    assert sealed["user_id"] == "u1"
    assert is_envelope(sealed["encrypted"])
    assert data["encrypted"] == {"ssn": "123"}, "input must not be mutated"
    assert events.open_fields(encryptor, sealed) == data


def test_custom_field_and_missing_field() -> None:
    encryptor = Encryptor("k")
    assert is_envelope(events.seal_fields(encryptor, {"pii": 1}, "pii")["pii"])
    assert events.seal_fields(encryptor, {"other": 1}) == {"other": 1}


def test_only_our_own_envelopes_are_left_as_they_are() -> None:
    encryptor = Encryptor("k")
    once = events.seal_fields(encryptor, {"encrypted": "v"})
    assert events.seal_fields(encryptor, once) == once
    # Anything that merely looks like an envelope is encrypted like any value.
    for look_alike in (
        {**once["encrypted"], "ssn": "123-45-6789"},
        Encryptor("other key").encrypt("v"),
        {"__ENCRYPTED__": True, "data": "bm90IGNpcGhlcnRleHQ="},
        {**once["encrypted"], "__KEY__": ["not", "a", "key id"]},
        {**once["encrypted"], "__KEY__": {"id": 1}},
    ):
        sealed = events.seal_fields(encryptor, {"encrypted": look_alike})
        assert encryptor.decrypt(sealed["encrypted"]) == look_alike


def test_several_fields_can_be_encrypted() -> None:
    encryptor = Encryptor("k")
    sealed = events.seal_fields(encryptor, {"a": 1, "b": 2, "c": 3}, ["a", "c", "missing"])
    assert sealed["b"] == 2 and "missing" not in sealed
    assert events.open_fields(encryptor, sealed) == {"a": 1, "b": 2, "c": 3}


def test_decrypts_any_field_holding_an_envelope() -> None:
    encryptor = Encryptor("k")
    data = {"a": encryptor.encrypt(1), "b": encryptor.encrypt({"x": [2]}), "c": "plain"}
    assert events.open_fields(encryptor, data) == {"a": 1, "b": {"x": [2]}, "c": "plain"}


def test_whole_data_envelope_merges_plain_keys() -> None:
    encryptor = Encryptor("k")
    data = {**encryptor.encrypt({"secret": 1}), "_inngest": {"id": "inv"}}
    assert events.open_fields(encryptor, data) == {"secret": 1, "_inngest": {"id": "inv"}}


def test_whole_data_envelope_must_hold_an_object() -> None:
    encryptor = Encryptor("k")
    with pytest.raises(EncodingError, match="not an object"):
        events.open_fields(encryptor, encryptor.encrypt([1, 2]))


def test_codec_migration_keeps_old_data_readable() -> None:
    old = Encryptor("k", codec="secretbox").encrypt("old")
    new = Encryptor("k", codec="aes-gcm")
    assert new.decrypt(old) == "old"
    assert new.encrypt("x")["__STRATEGY__"] == "inngest-codecs/aes-256-gcm"


def _count_decryptions(monkeypatch: pytest.MonkeyPatch, encryptor: Encryptor) -> list[bytes]:
    calls: list[bytes] = []
    real_decrypt = type(encryptor.codec).decrypt

    def counting(self: object, blob: bytes) -> bytes:
        calls.append(blob)
        return real_decrypt(self, blob)  # type: ignore[arg-type]

    monkeypatch.setattr(type(encryptor.codec), "decrypt", counting)
    return calls


def test_cache_skips_decryption_of_values_seen_again(monkeypatch: pytest.MonkeyPatch) -> None:
    encryptor = Encryptor("k", cache_size=2)
    values = [encryptor.encrypt({"n": n}) for n in range(3)]
    calls = _count_decryptions(monkeypatch, encryptor)
    first = encryptor.decrypt(values[0])
    again = encryptor.decrypt(values[0])
    assert first == again == {"n": 0}
    assert first is not again, "each caller gets its own object"
    assert len(calls) == 1
    encryptor.decrypt(values[1])
    encryptor.decrypt(values[2])  # evicts values[0]
    encryptor.decrypt(values[0])
    assert len(calls) == 4


def test_cache_never_opens_a_relabelled_or_altered_value() -> None:
    encryptor = Encryptor("k", cache_size=8)
    sealed = encryptor.encrypt("v")
    assert encryptor.decrypt(sealed) == "v"
    relabelled = {**sealed, "__STRATEGY__": "inngest-codecs/aes-256-gcm"}
    with pytest.raises(Exception, match=r"aes-gcm|version|no configured key"):
        encryptor.decrypt(relabelled)


def test_a_value_just_encrypted_opens_from_the_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    encryptor = Encryptor("k", codec="aes-gcm", cache_size=4)
    calls = _count_decryptions(monkeypatch, encryptor)
    sealed = encryptor.encrypt({"step": "output"})
    assert encryptor.decrypt(sealed) == {"step": "output"}
    assert calls == []
    # Another Encryptor (another process, in production) still decrypts it for real.
    assert Encryptor("k", codec="aes-gcm").decrypt(sealed) == {"step": "output"}


def test_the_cache_keeps_the_most_recently_used(monkeypatch: pytest.MonkeyPatch) -> None:
    encryptor = Encryptor("k", cache_size=2)
    first, second = encryptor.encrypt(1), encryptor.encrypt(2)
    calls = _count_decryptions(monkeypatch, encryptor)
    assert encryptor.decrypt(first) == 1  # a hit: now the most recent
    encryptor.encrypt(3)  # evicts the least recently used: second
    assert encryptor.decrypt(first) == 1
    assert calls == []
    assert encryptor.decrypt(second) == 2
    assert len(calls) == 1


def test_the_cache_is_safe_under_concurrent_use() -> None:
    import threading

    encryptor = Encryptor("k", cache_size=8)
    sealed = [encryptor.encrypt({"n": n}) for n in range(40)]
    failures: list[BaseException] = []

    def work(offset: int) -> None:
        try:
            for round_ in range(300):
                n = (offset * 7 + round_) % len(sealed)
                assert encryptor.decrypt(sealed[n]) == {"n": n}
                if round_ % 5 == 0:
                    extra = encryptor.encrypt([offset, round_])
                    assert encryptor.decrypt(extra) == [offset, round_]
        except BaseException as error:  # reported below, with the thread's own traceback
            failures.append(error)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    encryptor.encrypt("one more")  # a race may leave one extra entry; the next put trims it
    assert len(encryptor._cache._items) <= 8  # type: ignore[union-attr]
