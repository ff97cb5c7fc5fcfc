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

pytestmark = pytest.mark.slow

SCRIPT = shutil.which("inngest-codecs", path=os.path.dirname(sys.executable))
KEY = "a cli test key that is long enough to be strong"


def cli(
    *args: str, stdin: str = "", env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    assert SCRIPT is not None, "the inngest-codecs console script is not installed"
    environment = {k: v for k, v in os.environ.items() if not k.startswith("INNGEST_")}
    environment.update(env or {})
    return subprocess.run(
        [SCRIPT, *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
        cwd=cwd,
    )


def cli_without(module: str, *args: str) -> subprocess.CompletedProcess[str]:
    """The CLI in a Python where ``module`` cannot be imported (an extra not installed)."""
    code = (
        f"import sys, importlib.util; sys.modules[{module!r}] = None\n"
        "find = importlib.util.find_spec\n"
        f"importlib.util.find_spec = lambda name, *a: None if name == {module!r} else find(name)\n"
        "from inngest_codecs.cli import main\n"
        f"sys.exit(main({list(args)!r}))"
    )
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)


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
        (
            ["decrypt", "--key-file", "/no/such/key"],
            "1",
            {},
            4,
            "--key-file: cannot read '/no/such/key': No such file or directory",
        ),
        (["encrypt", "--key", KEY, "--codec", "rot13"], "1", {}, 4, "no codec named 'rot13'"),
        (["keygen", "--codec", "rot13"], "", {}, 4, "rot13"),
        (["encrypt", "--key", "  "], "1", {}, 4, "empty"),
        (["encrypt", "--key", KEY], "NaN", {}, 3, "NaN or Infinity"),
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


def test_version_and_help_without_markup_with_an_example_per_command() -> None:
    version = cli("--version")
    assert version.returncode == 0 and version.stdout.startswith("inngest-codecs 0.")
    top = cli("--help").stdout
    assert "``" not in top and ":class:" not in top and "exit status:" in top
    for command in [
        "codecs",
        "keygen",
        "key-id",
        "encrypt",
        "decrypt",
        "inspect",
        "run",
        "event",
        "serve",
        "demo",
    ]:
        text = cli(command, "--help").stdout
        assert "``" not in text and ":mod:" not in text, command
        assert f"inngest-codecs {command}" in text.split("example:\n  ", 1)[1], command


def test_key_id_prints_the_key_ids_never_the_keys() -> None:
    result = cli("key-id", "--key", KEY, "--fallback-key", "older key", "--codec", "aes-gcm")
    assert result.returncode == 0, result.stderr
    rows = [line.split() for line in result.stdout.splitlines()[1:]]
    expected = Encryptor(KEY, codec="aes-gcm", fallback_keys=["older key"]).codec.key_ids
    assert rows == [["primary", expected[0]], ["fallback", "#1", expected[1]]]
    assert KEY not in result.stdout and "older key" not in result.stdout
    sealed = Encryptor(KEY, codec="aes-gcm").encrypt(1)
    inspected = cli("inspect", stdin=json.dumps(sealed))
    assert expected[0] in inspected.stdout


def test_path_picks_a_sub_document_even_inside_an_envelope() -> None:
    encryptor = Encryptor(KEY)
    run = {"data": {"output": encryptor.encrypt({"total": 3, "items": ["a"]})}}
    whole = cli("decrypt", "--key", KEY, "--path", "data.output", stdin=json.dumps(run))
    assert json.loads(whole.stdout) == {"total": 3, "items": ["a"]}
    inner = cli("decrypt", "--key", KEY, "--path", "$.data.output.items[0]", stdin=json.dumps(run))
    assert json.loads(inner.stdout) == "a"
    listed = cli("inspect", "--path", "data", stdin=json.dumps(run))
    assert listed.stdout.splitlines()[1].startswith("$.output\t")
    missing = cli("decrypt", "--key", KEY, "--path", "data.result", stdin=json.dumps(run))
    assert_clean_failure(missing, 3)
    assert "$.data is an object without result" in missing.stderr
    sealed = cli("inspect", "--path", "data.output.total", stdin=json.dumps(run))
    assert_clean_failure(sealed, 3)
    assert "is an envelope" in sealed.stderr


def test_no_envelope_is_said_and_json_lines_are_recognised() -> None:
    plain = cli("decrypt", "--key", KEY, stdin='{"a": 1}')
    assert plain.returncode == 0 and json.loads(plain.stdout) == {"a": 1}
    assert "no envelope in the input" in plain.stderr
    inspected = cli("inspect", stdin="[1, 2]")
    assert inspected.returncode == 0 and "no envelope in the input" in inspected.stderr
    lines = '{"a": 1}\n{"b": 2}\n'
    for command in (["decrypt", "--key", KEY], ["inspect"]):
        result = cli(*command, stdin=lines)
        assert_clean_failure(result, 3)
        assert "looks like JSON lines; add --lines" in result.stderr


def test_inspect_escapes_everything_taken_from_the_input() -> None:
    forged = "inngest/libsodium\tsecretbox\t-\t1 bytes\n$.forged\tx\x1b[2J\x9b31m" + "A" * 5000
    document = {
        "tab\tkey\x1b]0;title\x07": {"__ENCRYPTED__": True, "__STRATEGY__": forged, "data": "AA=="},
        "é": {"__ENCRYPTED__": True, "__STRATEGY__": 7, "data": "not base64"},
    }
    result = cli("inspect", stdin=json.dumps(document))
    assert result.returncode == 0, result.stderr
    rows = result.stdout.splitlines()
    assert len(rows) == 3
    assert all(len(row.split("\t")) == 5 for row in rows)
    assert all(cell.isascii() and cell.isprintable() for row in rows for cell in row.split("\t"))
    assert (
        "\x1b" not in result.stdout and "\x9b" not in result.stdout and "\x07" not in result.stdout
    )
    assert len(rows[1]) < 400 and "(5" in rows[1]
    assert rows[2].split("\t")[:2] == ['$["\\u00e9"]', "(malformed)"]


@pytest.mark.parametrize(
    ("stdin", "message"),
    [
        ("1" * 5000, "an integer of more than"),
        ("[" * 100_000, "nested too deeply"),
        ('{"a": Infinity}', "NaN or Infinity"),
        # Python 3.13 points at the comma itself, earlier versions just after it.
        ('{"a": 1,}', "not valid JSON (line 1, column "),
        ("", "is empty"),
    ],
)
def test_every_message_names_the_real_problem(stdin: str, message: str) -> None:
    result = cli("decrypt", "--key", KEY, stdin=stdin)
    assert_clean_failure(result, 3)
    assert message in result.stderr
    assert "not valid UTF-8 JSON" not in result.stderr


def test_lone_surrogates_and_non_utf8_give_clear_errors() -> None:
    sealed = Encryptor(KEY).encrypt("fine")
    in_value = cli("decrypt", "--key", KEY, stdin=json.dumps({"v": "\ud800", "e": sealed}))
    assert_clean_failure(in_value, 3)
    assert "lone surrogate" in in_value.stderr and "$[<key 0>]" in in_value.stderr
    assert in_value.stdout == ""
    in_key = subprocess.run(
        [str(SCRIPT), "decrypt", "--key", "bad\udcff"], input=b"1", capture_output=True, timeout=60
    )
    assert in_key.returncode == 4 and b"not valid Unicode" in in_key.stderr
    assert b"Traceback" not in in_key.stderr
    encrypted = cli("encrypt", "--key", KEY, stdin='"\\udfff"')
    assert_clean_failure(encrypted, 3)
    assert "lone surrogate" in encrypted.stderr
    latin1 = subprocess.run(
        [str(SCRIPT), "decrypt", "--key", KEY], input=b'"caf\xe9"', capture_output=True, timeout=60
    )
    assert latin1.returncode == 3 and b"not UTF-8 text" in latin1.stderr


def test_decrypt_never_prints_what_json_cannot_carry() -> None:
    from inngest_codecs import envelope
    from inngest_codecs.codecs.secretbox import SecretBoxCodec
    from inngest_codecs.keys import KeySet

    codec = SecretBoxCodec(KeySet.build(KEY))
    for plaintext in (b"1e400", b'"\\ud800"', b'{"x": [1e999]}'):
        sealed = envelope.build(codec.strategy, codec.encrypt(plaintext))
        result = cli("decrypt", "--key", KEY, stdin=json.dumps({"v": sealed}))
        assert result.returncode != 0
        assert "Infinity" not in result.stdout and "Traceback" not in result.stderr
        assert result.stderr.startswith("inngest-codecs: ")


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


def test_a_path_through_an_envelope_is_not_called_empty() -> None:
    sealed = Encryptor(KEY).encrypt({"card": "4111"})
    result = cli("decrypt", "--key", KEY, "--path", "card", stdin=json.dumps(sealed))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == "4111"
    assert "no envelope" not in result.stderr
