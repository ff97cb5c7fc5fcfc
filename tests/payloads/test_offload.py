"""The claim check with the local-directory store: out, back, and every way it can go wrong."""

from __future__ import annotations

import contextlib
import hashlib
import os
import threading
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from inngest_codecs import ConfigError, DecryptionError, Encryptor, registry
from inngest_codecs import registry as stores
from inngest_codecs.errors import (
    PluginWarning,
    StoredObjectAlteredError,
    StoredObjectMissingError,
    StoreError,
    UnknownCodecError,
    UnknownStoreError,
)
from inngest_codecs.for_inngest.limits import encoded_size
from inngest_codecs.offload import LocalDirectoryStore, Store
from inngest_codecs.offload.claim import MARK, Reference
from inngest_codecs.registry import available_stores, open_store

from ..conftest import installed_distributions
from .data import api_response, records

KEY = "offload key"
GUARD = 60.0
"""Seconds a read may block before the test fails instead of hanging (never reached when green)."""


@pytest.fixture
def store(tmp_path: Path) -> LocalDirectoryStore:
    (tmp_path / "objects").mkdir()
    return LocalDirectoryStore(tmp_path / "objects")


def objects(store: LocalDirectoryStore) -> list[Path]:
    return sorted(p for p in store.root.rglob("*") if p.is_file())


def _reference(encryptor: Encryptor, sealed: dict[str, Any]) -> Reference:
    """The reference inside a claim check (opened with the codec alone)."""
    from inngest_codecs.envelope import parse

    _, blob = parse(sealed)
    return Reference.from_bytes(encryptor.codec.decrypt(blob), sealed["__STRATEGY__"])


@pytest.mark.slow
@pytest.mark.parametrize("codec", ["secretbox", "aes-gcm"])
def test_six_megabytes_round_trip_through_the_store(codec: str, store: LocalDirectoryStore) -> None:
    value = api_response(6_000_000)
    encryptor = Encryptor(KEY, codec=codec, offload_over=1_000_000, offload_store=store)
    sealed = encryptor.encrypt(value)
    assert sealed["__STRATEGY__"] == encryptor.codec.strategy + "+offload"
    assert encoded_size(sealed) < 400
    [stored] = objects(store)
    reference = _reference(encryptor, sealed)
    assert stored.name == reference.sha256 == hashlib.sha256(stored.read_bytes()).hexdigest()
    assert reference.size == stored.stat().st_size
    assert reference.strategy == encryptor.codec.strategy
    assert reference.store == "file"
    # A reader that only reads from the store opens it.
    reader = Encryptor(KEY, codec="secretbox", offload_store=f"file://{store.root}")
    assert reader.decrypt(sealed) == value


def test_small_values_stay_inline(store: LocalDirectoryStore) -> None:
    encryptor = Encryptor(KEY, offload_over=1_000_000, offload_store=store)
    sealed = encryptor.encrypt(records(10))
    assert sealed["__STRATEGY__"] == "inngest/libsodium"
    assert objects(store) == []


@pytest.mark.slow
def test_offload_over_compares_the_envelope_after_compression(store: LocalDirectoryStore) -> None:
    value = api_response(2_000_000)
    plain = Encryptor(KEY, offload_over=1_000_000, offload_store=store).encrypt(value)
    assert plain["__STRATEGY__"] == "inngest/libsodium+offload"
    both = Encryptor(KEY, compression="zstd", offload_over=1_000_000, offload_store=store)
    compressed = both.encrypt(value)
    assert compressed["__STRATEGY__"] == "inngest/libsodium+zstd"  # small enough inline
    bigger = api_response(6_000_000)
    sealed = both.encrypt(bigger)
    assert sealed["__STRATEGY__"] == "inngest/libsodium+offload"
    assert _reference(both, sealed).strategy == "inngest/libsodium+zstd"
    assert Encryptor(KEY, offload_store=store).decrypt(sealed) == bigger


def test_missing_object_is_a_typed_error(store: LocalDirectoryStore) -> None:
    encryptor = Encryptor(KEY, offload_over=100, offload_store=store)
    sealed = encryptor.encrypt(records(20))
    objects(store)[0].unlink()
    with pytest.raises(StoredObjectMissingError) as caught:
        encryptor.decrypt(sealed)
    assert isinstance(caught.value, DecryptionError)
    assert not caught.value.permanent
    assert _reference(encryptor, sealed).sha256 in str(caught.value)


def test_altered_object_is_a_typed_error(store: LocalDirectoryStore) -> None:
    encryptor = Encryptor(KEY, offload_over=100, offload_store=store)
    sealed = encryptor.encrypt(records(20))
    [stored] = objects(store)
    data = bytearray(stored.read_bytes())
    data[-1] ^= 1
    stored.write_bytes(bytes(data))
    with pytest.raises(StoredObjectAlteredError) as caught:
        encryptor.decrypt(sealed)
    assert caught.value.permanent


def test_object_replaced_by_another_valid_ciphertext_is_refused(
    store: LocalDirectoryStore,
) -> None:
    # Someone with write access to the store swaps in another value under the same key:
    # the codec would open it, the digest in the encrypted reference does not match.
    encryptor = Encryptor(KEY, offload_over=100, offload_store=store)
    sealed = encryptor.encrypt({"pay": records(20)})
    [stored] = objects(store)
    (store.root / "x").mkdir()
    other = Encryptor(KEY, offload_over=100, offload_store=LocalDirectoryStore(store.root / "x"))
    other.encrypt({"pay": records(21)})
    stored.write_bytes(objects(LocalDirectoryStore(store.root / "x"))[0].read_bytes())
    with pytest.raises(StoredObjectAlteredError):
        encryptor.decrypt(sealed)


def test_reader_without_a_store_is_told_what_to_set(store: LocalDirectoryStore) -> None:
    sealed = Encryptor(KEY, offload_over=100, offload_store=store).encrypt(records(20))
    with pytest.raises(StoreError, match="offloaded to a 'file' store; set offload_store"):
        Encryptor(KEY).decrypt(sealed)


def test_a_reader_without_the_layer_refuses_it_by_name(store: LocalDirectoryStore) -> None:
    sealed = Encryptor(KEY, offload_over=100, offload_store=store).encrypt(records(20))
    with pytest.raises(UnknownCodecError, match=r"opens strategy 'inngest/libsodium\+offload'"):
        registry.codec_for_strategy(sealed["__STRATEGY__"])


def test_reference_is_not_json_to_a_reader_that_ignores_the_strategy(
    store: LocalDirectoryStore,
) -> None:
    encryptor = Encryptor(KEY, offload_over=100, offload_store=store)
    sealed = encryptor.encrypt(records(20))
    from inngest_codecs.envelope import parse

    opened = encryptor.codec.decrypt(parse(sealed)[1])
    assert opened.startswith(MARK)
    with pytest.raises(orjson.JSONDecodeError):
        orjson.loads(opened)


@pytest.mark.parametrize(
    "plaintext",
    [
        pytest.param(b'{"v":1}', id="no mark"),
        pytest.param(MARK + b"not json", id="not json"),
        pytest.param(MARK + b"[]", id="not an object"),
        pytest.param(
            MARK + b'{"v":2,"store":"file","sha256":"' + b"0" * 64 + b'","size":1,'
            b'"strategy":"inngest/libsodium"}',
            id="unknown version",
        ),
        pytest.param(
            MARK + b'{"v":1,"store":"file","sha256":"../../etc/passwd","size":1,'
            b'"strategy":"inngest/libsodium"}',
            id="name not a digest",
        ),
        pytest.param(
            MARK + b'{"v":1,"store":"file","sha256":"' + b"0" * 64 + b'","size":1,'
            b'"strategy":"inngest/libsodium+offload"}',
            id="refers to a claim check",
        ),
        pytest.param(
            MARK + b'{"v":1,"store":"file","sha256":"' + b"0" * 64 + b'","size":-2,'
            b'"strategy":"inngest/libsodium"}',
            id="negative size",
        ),
    ],
)
def test_malformed_references_are_permanent_errors(
    plaintext: bytes, store: LocalDirectoryStore
) -> None:
    from inngest_codecs.envelope import build

    encryptor = Encryptor(KEY, offload_store=store)
    sealed = build("inngest/libsodium+offload", encryptor.codec.encrypt(plaintext))
    with pytest.raises(DecryptionError) as caught:
        encryptor.decrypt(sealed)
    assert caught.value.permanent
    assert objects(store) == []


def test_a_store_whose_directory_is_gone_fails_and_is_not_created_again(
    store: LocalDirectoryStore, tmp_path: Path
) -> None:
    encryptor = Encryptor(KEY, offload_over=100, offload_store=store)
    sealed = encryptor.encrypt(records(20))
    store.root.rename(tmp_path / "moved")  # or a volume that is not mounted
    with pytest.raises(StoreError, match="does not exist") as writing:
        encryptor.encrypt(records(21))
    with pytest.raises(StoreError, match="does not exist") as reading:
        encryptor.decrypt(sealed)
    assert not store.root.exists()
    for caught in (writing, reading):
        assert not isinstance(caught.value, DecryptionError)  # the store is gone, not the object
    (tmp_path / "moved").rename(store.root)
    assert encryptor.decrypt(sealed) == records(20)


def _stored(store: LocalDirectoryStore) -> tuple[Encryptor, dict[str, Any], Path]:
    encryptor = Encryptor(KEY, offload_over=100, offload_store=store)
    sealed = encryptor.encrypt(records(20))
    [stored] = objects(store)
    return encryptor, sealed, stored


def test_a_symbolic_link_in_place_of_an_object_is_not_followed(
    store: LocalDirectoryStore, tmp_path: Path
) -> None:
    encryptor, sealed, stored = _stored(store)
    elsewhere = tmp_path / "elsewhere"
    stored.rename(elsewhere)
    stored.symlink_to(elsewhere)  # even to the very bytes it should hold
    with pytest.raises(StoredObjectAlteredError, match="not a regular file") as caught:
        encryptor.decrypt(sealed)
    assert caught.value.permanent


def test_a_symbolic_link_in_place_of_a_fan_out_directory_is_not_followed(
    store: LocalDirectoryStore, tmp_path: Path
) -> None:
    encryptor, sealed, stored = _stored(store)
    stored.parent.rename(tmp_path / "elsewhere")
    stored.parent.symlink_to(tmp_path / "elsewhere")
    with pytest.raises(StoredObjectAlteredError):
        encryptor.decrypt(sealed)


def test_a_fifo_in_place_of_an_object_is_refused_without_blocking(
    store: LocalDirectoryStore,
) -> None:
    encryptor, sealed, stored = _stored(store)
    stored.unlink()
    os.mkfifo(stored)
    outcome: list[BaseException | None] = []
    reader = threading.Thread(target=lambda: outcome.append(_failure(encryptor, sealed)))
    reader.start()
    try:
        reader.join(GUARD)
        assert not reader.is_alive(), "reading the claim check blocked on a FIFO"
    finally:
        with contextlib.suppress(OSError):  # lets a blocked reader see the end of the FIFO
            os.close(os.open(stored, os.O_WRONLY | os.O_NONBLOCK))
        reader.join()
    assert isinstance(outcome[0], StoredObjectAlteredError)


def test_an_object_larger_than_its_reference_is_not_read_whole(
    store: LocalDirectoryStore,
) -> None:
    encryptor, sealed, stored = _stored(store)
    with stored.open("r+b") as handle:
        handle.truncate(256 * 1024 * 1024)  # sparse: no disk, but 256 MiB to whoever reads it
    tracemalloc.start()
    try:
        with pytest.raises(StoredObjectAlteredError):
            encryptor.decrypt(sealed)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4 * 1024 * 1024, f"{peak:,} bytes allocated to refuse a 256 MiB object"


def _failure(encryptor: Encryptor, sealed: dict[str, Any]) -> BaseException | None:
    try:
        encryptor.decrypt(sealed)
    except Exception as error:
        return error
    return None


def test_unreadable_store_is_a_store_error(tmp_path: Path) -> None:
    blocked = tmp_path / "file-not-dir"
    blocked.write_text("")
    encryptor = Encryptor(KEY, offload_over=100, offload_store=LocalDirectoryStore(blocked))
    with pytest.raises(StoreError, match="cannot open the file store's directory"):
        encryptor.encrypt(records(20))


def test_configuration_errors() -> None:
    with pytest.raises(ConfigError, match="offload_store"):
        Encryptor(KEY, offload_over=100)
    with pytest.raises(ConfigError, match="offload_over"):
        Encryptor(KEY, offload_over=0, offload_store="file:///tmp/x")
    with pytest.raises(ConfigError, match="max_decompressed_bytes"):
        Encryptor(KEY, max_decompressed_bytes=-1)
    with pytest.raises(UnknownStoreError, match="no store named 'gs'") as caught:
        Encryptor(KEY, offload_store="gs://bucket/x")
    assert "file" in caught.value.installed
    with pytest.raises(UnknownStoreError, match="URL whose scheme"):
        open_store("/var/lib/offload")
    with pytest.raises(ConfigError):
        open_store("file://somehost/path")


def test_store_urls_and_instances() -> None:
    assert isinstance(open_store("file:///tmp/objects"), LocalDirectoryStore)
    assert open_store("file:///tmp/some%20dir").root == Path("/tmp/some dir")  # type: ignore[attr-defined]
    given = LocalDirectoryStore("/tmp/x")
    assert open_store(given) is given
    assert "file" in available_stores()


STORE_PLUGINS = """
from inngest_codecs.offload import Store


class Fake(Store):
    name = "fake"

    @classmethod
    def from_url(cls, url):
        return cls()

    def put(self, name, data):
        pass

    def get(self, name, size):
        return b""


class Other(Fake):
    name = "shared"
"""


@pytest.fixture
def plugins(tmp_path: Path) -> Iterator[None]:
    dists = {
        "store_a": "file = store_impl:Fake\nshared = store_impl:Fake\nfake = store_impl:Fake",
        "store_b": "shared = store_impl:Other",
        "store_c": "broken = no_such_module_anywhere:Store\nwrong = json:JSONDecoder",
    }
    modules = {"store_impl": STORE_PLUGINS}
    with installed_distributions(tmp_path, stores.STORES, dists, modules, stores.refresh):
        yield


@pytest.mark.usefixtures("plugins")
def test_store_trust_rules() -> None:
    with pytest.warns(PluginWarning) as caught:
        names = available_stores()
    messages = " ".join(str(w.message) for w in caught)
    assert "store_a 0.1 declares the built-in store name 'file'" in messages
    assert "store plugin 'broken'" in messages and "failed to load" in messages
    assert "'wrong' is not a Store subclass" in messages
    assert "fake" in names and "file" in names
    assert "broken" not in names and "shared" not in names
    assert isinstance(open_store("file:///tmp/x"), LocalDirectoryStore)
    assert isinstance(open_store("fake://anything"), Store)
    with pytest.raises(UnknownStoreError, match="neither is used") as conflict:
        open_store("shared://x")
    assert "store_a 0.1" in str(conflict.value) and "store_b 0.1" in str(conflict.value)
