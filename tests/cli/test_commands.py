"""The console script, run as a subprocess, for every command and every error path."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from inngest_codecs import Encryptor

from ..conftest import needs_example_plugin

SCRIPT = shutil.which("inngest-codecs", path=os.path.dirname(sys.executable))
KEY = "cli-test-key"


def cli(
    *args: str, stdin: str = "", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    assert SCRIPT is not None, "the inngest-codecs console script is not installed"
    environment = {k: v for k, v in os.environ.items() if not k.startswith("INNGEST_ENCRYPTION_")}
    environment.update(env or {})
    return subprocess.run(
        [SCRIPT, *args], input=stdin, capture_output=True, text=True, env=environment, timeout=120
    )


def assert_clean_failure(result: subprocess.CompletedProcess[str], status: int) -> None:
    assert result.returncode == status, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("inngest-codecs: ")
    assert KEY not in result.stderr + result.stdout


@needs_example_plugin
def test_codecs_lists_builtins_and_plugins() -> None:
    result = cli("codecs")
    assert result.returncode == 0
    assert "secretbox" in result.stdout and "inngest/libsodium" in result.stdout
    assert "chacha20-poly1305" in result.stdout and "inngest-codecs-example" in result.stdout


@pytest.mark.parametrize("codec", ["secretbox", "aes-gcm"])
def test_keygen_makes_a_working_key(codec: str) -> None:
    first, second = cli("keygen", "--codec", codec), cli("keygen", "--codec", codec)
    key = first.stdout.strip()
    assert first.returncode == 0 and len(key) >= 40 and key != second.stdout.strip()
    assert Encryptor(key, codec=codec).decrypt(Encryptor(key, codec=codec).encrypt(1)) == 1


@pytest.mark.parametrize("codec", ["secretbox", "aes-gcm"])
def test_encrypt_then_decrypt(codec: str) -> None:
    value = {"ssn": "123-45-6789", "n": [1, 2.5, None]}
    sealed = cli("encrypt", "--key", KEY, "--codec", codec, stdin=json.dumps(value))
    assert sealed.returncode == 0, sealed.stderr
    envelope = json.loads(sealed.stdout)
    assert "123-45-6789" not in sealed.stdout
    assert Encryptor(KEY).decrypt(envelope) == value
    opened = cli("decrypt", "--key", KEY, stdin=sealed.stdout)
    assert opened.returncode == 0 and json.loads(opened.stdout) == value


def test_decrypt_opens_envelopes_at_any_depth_with_fallbacks(tmp_path: Path) -> None:
    old, new = Encryptor("old key"), Encryptor(KEY, codec="aes-gcm")
    document = {
        "run": {
            "output": new.encrypt({"total": 3}),
            "steps": [old.encrypt("s1"), {"x": new.encrypt([1])}],
        },
        "plain": "kept",
    }
    path = tmp_path / "export.json"
    path.write_text(json.dumps(document))
    result = cli("decrypt", "--key", KEY, "--fallback-key", "old key", str(path))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "run": {"output": {"total": 3}, "steps": ["s1", {"x": [1]}]},
        "plain": "kept",
    }


def test_decrypt_leaves_unopenable_envelopes_and_counts_them() -> None:
    foreign = Encryptor("someone else").encrypt("theirs")
    document = [Encryptor(KEY).encrypt("mine"), foreign]
    result = cli("decrypt", "--key", KEY, stdin=json.dumps(document))
    assert result.returncode == 1
    assert json.loads(result.stdout) == ["mine", foreign]
    assert "1 envelope(s) left encrypted" in result.stderr
    assert "$[1]" in result.stderr
    assert "Traceback" not in result.stderr


def test_keys_from_environment_and_key_file(tmp_path: Path) -> None:
    sealed = json.dumps(Encryptor(KEY).encrypt("v"))
    key_file = tmp_path / "key"
    key_file.write_text(KEY + "\n")
    by_env = cli("decrypt", stdin=sealed, env={"INNGEST_ENCRYPTION_KEY": KEY})
    by_file = cli("decrypt", "--key-file", str(key_file), stdin=sealed)
    fallback_env = cli(
        "decrypt",
        stdin=sealed,
        env={"INNGEST_ENCRYPTION_KEY": "new", "INNGEST_ENCRYPTION_FALLBACK_KEYS": f"x,{KEY}"},
    )
    for result in (by_env, by_file, fallback_env):
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout) == "v"


def test_json_lines_stream() -> None:
    encryptor = Encryptor(KEY)
    lines = "\n".join(json.dumps({"i": i, "v": encryptor.encrypt(i)}) for i in range(50))
    result = cli("decrypt", "--lines", "--key", KEY, stdin=lines + "\n\n")
    assert result.returncode == 0, result.stderr
    assert [json.loads(line) for line in result.stdout.splitlines()] == [
        {"i": i, "v": i} for i in range(50)
    ]
    sealed = cli("encrypt", "--lines", "--key", KEY, stdin='1\n"two"\n')
    assert [encryptor.decrypt(json.loads(line)) for line in sealed.stdout.splitlines()] == [
        1,
        "two",
    ]


def test_inspect_needs_no_key() -> None:
    document: dict[str, Any] = {
        "a": Encryptor(KEY, codec="aes-gcm").encrypt("x"),
        "b": [Encryptor(KEY).encrypt("y")],
        "c": {"__ENCRYPTED__": True, "__STRATEGY__": "acme/rot13", "data": "AAAA"},
        "d": {"__ENCRYPTED__": True, "data": "U2FsdGVkX18="},
    }
    result = cli("inspect", stdin=json.dumps(document))
    assert result.returncode == 0, result.stderr
    rows = {line.split("\t")[0]: line.split("\t") for line in result.stdout.splitlines()[1:]}
    key_id = Encryptor(KEY, codec="aes-gcm").codec.key_ids[0]
    assert rows["$.a"][1:4] == ["inngest-codecs/aes-256-gcm", "aes-gcm", key_id]
    assert rows["$.b[0]"][1:4] == ["inngest/libsodium", "secretbox", "-"]
    assert rows["$.c"][2] == "not installed"
    assert rows["$.d"][1] == "(v0, no strategy)"


@pytest.mark.parametrize(
    ("args", "stdin", "env", "status", "message"),
    [
        (["decrypt"], '"x"', {}, 4, "no key"),
        (["decrypt", "--key", KEY], "{not json", {}, 3, "not valid JSON"),
        (["decrypt", "--key", KEY, "/no/such/file.json"], "", {}, 3, "cannot read"),
        (["decrypt", "--key-file", "/no/such/key"], "1", {}, 4, "key file"),
        (["encrypt", "--key", KEY, "--codec", "rot13"], "1", {}, 4, "no codec named 'rot13'"),
        (["keygen", "--codec", "rot13"], "", {}, 4, "rot13"),
        (["encrypt", "--key", "  "], "1", {}, 4, "empty"),
        (["encrypt", "--key", KEY], "NaN", {}, 3, "not valid JSON"),
        (["decrypt", "--key", KEY, "--lines"], '1\n{"a":\n', {}, 3, "line 2"),
    ],
)
def test_user_mistakes_are_one_clear_line(
    args: list[str], stdin: str, env: dict[str, str], status: int, message: str
) -> None:
    result = cli(*args, stdin=stdin, env=env)
    assert_clean_failure(result, status)
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_wrong_key_never_prints_key_or_plaintext() -> None:
    sealed = json.dumps(Encryptor("the right key").encrypt("top secret plaintext"))
    result = cli("decrypt", "--key", KEY, stdin=sealed)
    assert result.returncode == 1
    assert "top secret plaintext" not in result.stdout + result.stderr
    assert "the right key" not in result.stdout + result.stderr


@pytest.mark.parametrize("command", ["codecs", "keygen", "encrypt", "decrypt", "inspect", "demo"])
def test_help_on_every_command(command: str) -> None:
    result = cli(command, "--help")
    assert result.returncode == 0 and "usage: inngest-codecs" in result.stdout


def test_usage_error_exit_code() -> None:
    assert cli("frobnicate").returncode == 2


def test_python_dash_m_works() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "inngest_codecs", "codecs"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0 and "aes-gcm" in result.stdout


def test_compressed_and_offloaded_values(tmp_path: Path) -> None:
    value = {"rows": [{"id": i, "name": f"customer {i}"} for i in range(200)]}
    sealed = cli("encrypt", "--key", KEY, "--compression", "zstd", stdin=json.dumps(value))
    assert json.loads(sealed.stdout)["__STRATEGY__"] == "inngest/libsodium+zstd"
    store = f"file://{tmp_path}"
    offloaded = Encryptor(KEY, offload_over=100, offload_store=store).encrypt(value)
    document = json.dumps({"compressed": json.loads(sealed.stdout), "offloaded": offloaded})
    listing = cli("inspect", stdin=document)
    assert "inngest/libsodium+zstd\tsecretbox" in listing.stdout
    assert "inngest/libsodium+offload\tsecretbox" in listing.stdout
    opened = cli("decrypt", "--key", KEY, "--offload-store", store, stdin=document)
    assert opened.returncode == 0, opened.stderr
    assert json.loads(opened.stdout) == {"compressed": value, "offloaded": value}
    without = cli("decrypt", "--key", KEY, stdin=document)
    assert without.returncode == 1
    assert "not opened at $.offloaded: this value was offloaded to a 'file' store" in without.stderr
    unknown = cli("decrypt", "--key", KEY, "--offload-store", "gs://bucket", stdin=document)
    assert_clean_failure(unknown, 4)
