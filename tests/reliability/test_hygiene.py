"""Every failure path, with logging at DEBUG: no key, plaintext or ciphertext escapes.

The paths of the library and its settings, of the payload layers (compression,
offloading, size limits), of the middleware and of the CLI.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import inngest
import pytest
from inngest.experimental import mocked

from inngest_codecs import CodecError, EncryptionMiddleware, Encryptor, load_codec
from inngest_codecs.config import EncryptionSettings
from inngest_codecs.envelope import build
from inngest_codecs.for_inngest.limits import SizeGuard, SizeLimits
from inngest_codecs.offload import LocalDirectoryStore

from .figures import count

KEY = "hygiene-primary-key-0001"
FALLBACK = "hygiene-fallback-key-0002"
PLAINTEXT = "hygiene-plaintext-ssn-123-45-6789"
VALUE = {"ssn": PLAINTEXT, "rows": [{"n": i, "ssn": PLAINTEXT} for i in range(100)]}
SEALED = Encryptor("a completely different key").encrypt({"ssn": PLAINTEXT})
CIPHERTEXT = SEALED["data"]
SECRETS = [KEY, FALLBACK, PLAINTEXT, CIPHERTEXT[:24]]
NAMING = {"bad object", "bad config", "codec option"}
"""Paths whose error names what was refused (here the plaintext, used as a name)."""


def library_paths() -> dict[str, Callable[[], Any]]:
    encryptor = Encryptor(KEY, fallback_keys=[FALLBACK])
    tampered = {**encryptor.encrypt(PLAINTEXT), "data": CIPHERTEXT}
    return {
        "wrong key": lambda: encryptor.decrypt(SEALED),
        "tampered": lambda: encryptor.decrypt(tampered),
        "unknown codec": lambda: Encryptor(KEY, codec="rot13"),
        "unknown strategy": lambda: encryptor.decrypt({**SEALED, "__STRATEGY__": "acme/x"}),
        "malformed base64": lambda: encryptor.decrypt({**SEALED, "data": PLAINTEXT}),
        "bad value": lambda: encryptor.encrypt({"ssn": PLAINTEXT, "x": float("nan")}),
        "bad object": lambda: encryptor.encrypt({PLAINTEXT: object()}),
        "empty key": lambda: Encryptor("   "),
        "bad raw key": lambda: Encryptor(KEY.encode()),
        "bad config": lambda: EncryptionSettings.from_mapping({"key": KEY, PLAINTEXT: 1}),
        "bad env": lambda: EncryptionSettings.from_env(
            {"INNGEST_ENCRYPTION_KEY": KEY, "INNGEST_ENCRYPTION_DECRYPT_ONLY": PLAINTEXT}
        ),
        "codec option": lambda: load_codec("aes-gcm", KEY, **{PLAINTEXT: 1}),
    }


def assert_clean(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text


def payload_paths(folder: Path) -> tuple[dict[str, Callable[[], Any]], list[str]]:
    """The payload layers' failure paths, and the ciphertext and stored bytes they handle."""
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

    handled = [claim["data"][:24], compressed["data"][:24], sealed["data"][:24]]
    handled += [base64.b64encode(object_bytes[:18]).decode(), object_bytes[:16].hex()]
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
    }, handled


PAYLOAD_PATHS = [
    "too large to decompress",
    "malformed frame",
    "no store",
    "altered object",
    "missing object",
    "store write",
    "step too large",
    "event too large",
]


@pytest.mark.parametrize("path", sorted(library_paths()) + PAYLOAD_PATHS)
def test_failure_paths_leak_nothing(
    path: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    payload, handled = payload_paths(tmp_path)
    paths = {**library_paths(), **payload}
    # The payload layers raise only the library's own errors.
    with pytest.raises(CodecError if path in payload else Exception) as caught:
        paths[path]()
    error = caught.value
    text = f"{error}{error!r}{error.args}{vars(error)}"
    # The position or name of what was refused is reported, never a value.
    for secret in [*SECRETS, *handled]:
        if not (path in NAMING and secret == PLAINTEXT):
            assert secret not in text
    for record in caplog.records:
        for secret in [*SECRETS, *handled]:
            assert secret not in record.getMessage()
    count("failure paths checked for leaks")


def test_near_limit_warning_leaks_nothing(caplog: pytest.LogCaptureFixture) -> None:
    sealed = Encryptor(KEY).encrypt(VALUE)
    guard = SizeGuard(SizeLimits(max_step_output_bytes=int(len(sealed["data"]) * 1.1)))
    with caplog.at_level(logging.DEBUG):
        guard.check_step_output("s", sealed, VALUE)
    [warning] = [r.getMessage() for r in caplog.records]
    assert PLAINTEXT not in warning and sealed["data"][:24] not in warning and KEY not in warning


def test_reprs_hold_no_secret(tmp_path: Path) -> None:
    encryptor = Encryptor(KEY, fallback_keys=[FALLBACK])
    settings = EncryptionSettings.from_mapping({"key": KEY, "fallback_keys": [FALLBACK]})
    factory = EncryptionMiddleware.factory(KEY, fallback_decryption_keys=[FALLBACK])
    middleware = factory(inngest.Inngest(app_id="h", is_production=False), None)
    layered = Encryptor(
        KEY, compression="zstd", offload_over=100, offload_store=f"file://{tmp_path}"
    )
    things = (encryptor, encryptor.codec, encryptor.keys, settings, middleware, layered)
    for thing in (*things, LocalDirectoryStore(tmp_path), SizeGuard()):
        assert_clean(repr(thing))
        count("reprs checked")


def test_middleware_failure_path(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    client = mocked.Inngest(
        app_id="h",
        is_production=False,
        middleware=[EncryptionMiddleware.factory(KEY, fallback_decryption_keys=[FALLBACK])],
    )

    @client.create_function(fn_id="f", trigger=inngest.TriggerEvent(event="h/e"))
    def fn(ctx: inngest.ContextSync) -> None:
        return None

    result = mocked.trigger(fn, inngest.Event(name="h/e", data={"encrypted": SEALED}), client)
    assert result.error is not None
    assert_clean(f"{result.error}{result.error!r}")
    for record in caplog.records:
        assert_clean(record.getMessage())
    count("failure paths checked for leaks")


@pytest.mark.slow
@pytest.mark.parametrize(
    "args",
    [
        ["decrypt", "--key", KEY, "--fallback-key", FALLBACK],
        ["decrypt", "--key", KEY, "--lines"],
        ["encrypt", "--key", KEY, "--codec", "nope"],
    ],
)
def test_cli_failure_output(args: list[str]) -> None:
    script = os.path.join(os.path.dirname(sys.executable), "inngest-codecs")
    result = subprocess.run(
        [script, *args], input=json.dumps({"x": SEALED}), capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    assert PLAINTEXT not in result.stdout + result.stderr
    assert KEY not in result.stderr and FALLBACK not in result.stderr
    assert CIPHERTEXT[:24] not in result.stderr
    count("CLI failure outputs checked")
