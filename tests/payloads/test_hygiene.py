"""Every failure path of the payload layers: no key, plaintext or ciphertext escapes."""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from inngest_codecs import CodecError, Encryptor
from inngest_codecs.envelope import build
from inngest_codecs.for_inngest.limits import SizeGuard, SizeLimits
from inngest_codecs.offload import LocalDirectoryStore

KEY = "payload-hygiene-key-0001"
PLAINTEXT = "payload-hygiene-plaintext-ssn-123-45-6789"
VALUE = {"ssn": PLAINTEXT, "rows": [{"n": i, "ssn": PLAINTEXT} for i in range(100)]}


def _failures(folder: Path) -> tuple[dict[str, Callable[[], Any]], list[str]]:
    (folder / "objects").mkdir()
    store = LocalDirectoryStore(folder / "objects")
    offloading = Encryptor(KEY, offload_over=100, offload_store=store)
    claim = offloading.encrypt(VALUE)
    [stored] = [p for p in store.root.rglob("*") if p.is_file()]
    object_bytes = stored.read_bytes()
    compressing = Encryptor(KEY, compression="zstd", max_decompressed_bytes=1000)
    compressed = compressing.encrypt(VALUE)
    blocked = folder / "blocked"
    blocked.write_text("")
    guard = SizeGuard(SizeLimits(max_step_output_bytes=2000, max_event_bytes=2000))
    sealed = Encryptor(KEY).encrypt(VALUE)

    def altered() -> None:
        stored.write_bytes(object_bytes[:-1] + bytes([object_bytes[-1] ^ 1]))
        offloading.decrypt(claim)

    def missing() -> None:
        stored.unlink(missing_ok=True)
        offloading.decrypt(claim)

    secrets = [KEY, PLAINTEXT, claim["data"][:24], compressed["data"][:24], sealed["data"][:24]]
    secrets.append(base64.b64encode(object_bytes[:18]).decode())
    secrets.append(object_bytes[:16].hex())
    return {
        "too large to decompress": lambda: compressing.decrypt(compressed),
        "malformed frame": lambda: Encryptor(KEY).decrypt(
            build("inngest/libsodium+zstd", Encryptor(KEY).codec.encrypt(PLAINTEXT.encode()))
        ),
        "no store": lambda: Encryptor(KEY).decrypt(claim),
        "altered object": altered,
        "missing object": missing,
        "store write": lambda: Encryptor(
            KEY, offload_over=100, offload_store=LocalDirectoryStore(blocked)
        ).encrypt(VALUE),
        "step too large": lambda: guard.check_step_output("s", sealed, VALUE),
        "event too large": lambda: guard.check_event("e", {"name": "e", "data": sealed}, VALUE),
    }, secrets


@pytest.mark.parametrize(
    "path",
    [
        "too large to decompress",
        "malformed frame",
        "no store",
        "altered object",
        "missing object",
        "store write",
        "step too large",
        "event too large",
    ],
)
def test_failure_paths_leak_nothing(
    path: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    failures, secrets = _failures(tmp_path)
    with pytest.raises(CodecError) as caught:
        failures[path]()
    text = f"{caught.value}{caught.value!r}{caught.value.args}{vars(caught.value)}"
    text += "".join(record.getMessage() for record in caplog.records)
    for secret in secrets:
        assert secret not in text


def test_near_limit_warning_leaks_nothing(caplog: pytest.LogCaptureFixture) -> None:
    sealed = Encryptor(KEY).encrypt(VALUE)
    guard = SizeGuard(SizeLimits(max_step_output_bytes=int(len(sealed["data"]) * 1.1)))
    with caplog.at_level(logging.DEBUG):
        guard.check_step_output("s", sealed, VALUE)
    [warning] = [r.getMessage() for r in caplog.records]
    assert PLAINTEXT not in warning and sealed["data"][:24] not in warning and KEY not in warning


def test_reprs_hold_no_secret(tmp_path: Path) -> None:
    encryptor = Encryptor(
        KEY, compression="zstd", offload_over=100, offload_store=f"file://{tmp_path}"
    )
    for thing in (encryptor, LocalDirectoryStore(tmp_path), SizeGuard()):
        assert KEY not in repr(thing)
