"""Every failure path, with logging at DEBUG: no key, plaintext or ciphertext escapes."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import inngest
import pytest
from inngest.experimental import mocked

from inngest_codecs import EncryptionMiddleware, Encryptor, load_codec
from inngest_codecs.config import EncryptionSettings

from .figures import count

KEY = "hygiene-primary-key-0001"
FALLBACK = "hygiene-fallback-key-0002"
PLAINTEXT = "hygiene-plaintext-ssn-123-45-6789"
SEALED = Encryptor("a completely different key").encrypt({"ssn": PLAINTEXT})
CIPHERTEXT = SEALED["data"]
SECRETS = [KEY, FALLBACK, PLAINTEXT, CIPHERTEXT[:24]]


def failure_paths() -> dict[str, Callable[[], Any]]:
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


@pytest.mark.parametrize("path", sorted(failure_paths()))
def test_library_failure_paths(path: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with pytest.raises(Exception) as caught:
        failure_paths()[path]()
    error = caught.value
    if path in ("bad object", "bad config", "codec option"):
        # The position or name of what was refused is reported, never a value.
        assert CIPHERTEXT[:24] not in str(error) and KEY not in str(error)
    else:
        assert_clean(f"{error}{error!r}{error.args}")
    for record in caplog.records:
        assert_clean(record.getMessage())
    count("failure paths checked for leaks")


def test_reprs_hold_no_secret() -> None:
    encryptor = Encryptor(KEY, fallback_keys=[FALLBACK])
    settings = EncryptionSettings.from_mapping({"key": KEY, "fallback_keys": [FALLBACK]})
    factory = EncryptionMiddleware.factory(KEY, fallback_decryption_keys=[FALLBACK])
    middleware = factory(inngest.Inngest(app_id="h", is_production=False), None)
    for thing in (encryptor, encryptor.codec, encryptor.keys, settings, middleware):
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
