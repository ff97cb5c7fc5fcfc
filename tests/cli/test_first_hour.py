"""The mistakes of a first hour with the command line, each answered by what went wrong."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from inngest_codecs import Encryptor

from .test_commands import KEY, assert_clean_failure, cli

pytestmark = pytest.mark.slow  # runs the console script in subprocesses


def test_a_generated_key_passes_as_a_flag_and_brings_its_codec(tmp_path: Path) -> None:
    key = cli("keygen", "--codec", "aes-gcm").stdout.strip()
    assert key.startswith("aes-gcm:")
    sealed = cli("encrypt", "--key", key, stdin='{"card": "4111"}')
    assert sealed.returncode == 0, sealed.stderr
    assert json.loads(sealed.stdout)["__STRATEGY__"] == "inngest-codecs/aes-256-gcm"
    (tmp_path / "k").write_text(key + "\n", encoding="utf-8")
    opened = cli("decrypt", "--key-file", str(tmp_path / "k"), stdin=sealed.stdout)
    assert json.loads(opened.stdout) == {"card": "4111"} and opened.stderr == ""


def test_key_id_uses_the_codec_every_other_command_uses() -> None:
    default = cli("key-id", "--key", KEY)
    assert default.stdout.splitlines()[0].split() == ["KEY", "KEY", "ID", "(secretbox)"]
    assert default.stdout.split()[-1] == Encryptor(KEY).codec.key_ids[0]
    key = cli("keygen", "--codec", "aes-gcm").stdout.strip()
    generated = cli("key-id", "--key", key)
    assert "(aes-gcm)" in generated.stdout
    assert generated.stdout.split()[-1] == Encryptor(key, codec="aes-gcm").codec.key_ids[0]
    from_env = cli("key-id", "--key", KEY, env={"INNGEST_ENCRYPTION_CODEC": "aes-gcm"})
    assert "(aes-gcm)" in from_env.stdout


def test_fallback_keys_come_from_a_file_too(tmp_path: Path) -> None:
    (tmp_path / "old").write_text("first old key: long enough to be strong\n", encoding="utf-8")
    sealed = json.dumps(Encryptor("first old key: long enough to be strong").encrypt(5))
    opened = cli(
        "decrypt", "--key", KEY, "--fallback-key-file", str(tmp_path / "old"), stdin=sealed
    )
    assert opened.returncode == 0, opened.stderr
    assert json.loads(opened.stdout) == 5


def test_a_stray_variable_warns_where_nothing_is_written_and_stops_encrypt() -> None:
    stray = {"INNGEST_ENCRYPTION_KEY_OLD": "x", "INNGEST_ENCRYPTION_KEY": KEY}
    sealed = json.dumps(Encryptor(KEY).encrypt({"a": 1}))
    for command in (["decrypt"], ["key-id"], ["inspect"], ["codecs"]):
        result = cli(*command, stdin=sealed, env=stray)
        assert result.returncode == 0, (command, result.stderr)
    decrypted = cli("decrypt", stdin=sealed, env=stray)
    assert decrypted.stderr.startswith(
        "inngest-codecs: warning: unknown variable INNGEST_ENCRYPTION_KEY_OLD; not one of"
    )
    refused = cli("encrypt", stdin="1", env=stray)
    assert_clean_failure(refused, 4)
    assert "unknown variable INNGEST_ENCRYPTION_KEY_OLD" in refused.stderr


def test_the_key_file_variable_is_read(tmp_path: Path) -> None:
    (tmp_path / "key").write_text(KEY + "\n", encoding="utf-8")
    sealed = json.dumps(Encryptor(KEY).encrypt("v"))
    result = cli(
        "decrypt", stdin=sealed, env={"INNGEST_ENCRYPTION_KEY_FILE": str(tmp_path / "key")}
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == "v"


@pytest.mark.parametrize(
    ("args", "warning"),
    [
        (["--key", "abc", "--codec", "aes-gcm"], "the key is weak: 3 bytes of text, fewer than 32"),
        (
            ["--key", "0123456789abcdef0123456789abcdef"],
            "the key is too short: hex digits giving 128 bits, fewer than the 256",
        ),
        (
            ["--key", "aes-gcm:" + "A" * 43, "--codec", "secretbox"],
            "the key was generated for aes-gcm but the codec is secretbox",
        ),
    ],
)
def test_weak_keys_and_keys_for_another_codec_are_said(args: list[str], warning: str) -> None:
    result = cli("encrypt", *args, stdin="1")
    assert result.returncode == 0
    assert result.stderr.startswith(f"inngest-codecs: warning: {warning}")


@pytest.mark.parametrize(
    ("args", "stdin", "files", "status", "message"),
    [
        (
            ["decrypt", "--key-file", "{dir}/empty.key"],
            "1",
            {"empty.key": ""},
            4,
            "--key-file: '{dir}/empty.key' is empty",
        ),
        (
            ["decrypt", "--key", KEY],
            '{"a": "x',
            {},
            3,
            "standard input is not valid JSON: unterminated string starting at line 1, column 7",
        ),
        (
            ["demo", "--out", "{dir}/taken"],
            "",
            {"taken": "a file"},
            2,
            "--out {dir}/taken is a file, not a folder",
        ),
        (
            ["decrypt", "--key", KEY, "--lines", "{dir}/pretty.json"],
            "",
            {"pretty.json": '{\n  "a": 1\n}\n'},
            3,
            "line 1 of {dir}/pretty.json opens a JSON document that goes on over several lines: "
            "it is one document, not JSON lines; drop --lines",
        ),
        (
            ["encrypt", "--key", KEY, "--codec-option", "token=1"],
            "1",
            {},
            4,
            "codec 'secretbox' has no option 'token'; it takes none",
        ),
        (
            ["decrypt", "--key", KEY, "--lines"],
            '{"a": 1}\n{"b": }\n',
            {},
            3,
            "line 2 of standard input is not valid JSON (column 7: expecting value)",
        ),
    ],
)
def test_messages_name_the_real_problem(
    args: list[str],
    stdin: str,
    files: dict[str, str],
    status: int,
    message: str,
    tmp_path: Path,
) -> None:
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    result = cli(*(arg.replace("{dir}", str(tmp_path)) for arg in args), stdin=stdin)
    assert_clean_failure(result, status)
    assert result.stderr.strip() == "inngest-codecs: " + message.replace("{dir}", str(tmp_path))


def test_decrypt_and_inspect_take_several_files(tmp_path: Path) -> None:
    for index in range(2):
        document = {"n": Encryptor(KEY).encrypt(index)}
        (tmp_path / f"{index}.json").write_text(json.dumps(document), encoding="utf-8")
    files = [str(tmp_path / "0.json"), str(tmp_path / "1.json")]
    opened = cli("decrypt", "--key", KEY, *files)
    assert opened.returncode == 0, opened.stderr
    assert opened.stdout == '{\n  "n": 0\n}\n{\n  "n": 1\n}\n'
    listed = cli("inspect", *files)
    assert len(listed.stdout.splitlines()) == 3


def test_help_says_decrypt_with_where_a_command_decrypts() -> None:
    for command in ("decrypt", "run", "event", "serve"):
        text = " ".join(cli(command, "--help").stdout.split())
        assert "codec to decrypt with" in text and "codec to encrypt with" not in text, command
    assert "codec to encrypt with" in " ".join(cli("encrypt", "--help").stdout.split())


def test_every_flag_that_takes_a_secret_has_a_file_form() -> None:
    for command in ("encrypt", "decrypt", "key-id", "run", "event", "serve"):
        text = cli(command, "--help").stdout
        assert "--key-file" in text, command
        if "--fallback-key " in text:
            assert "--fallback-key-file" in text, command
    assert "--token-file" in cli("serve", "--help").stdout


def test_serve_reads_its_token_from_a_file() -> None:
    result = cli("serve", "--key", KEY, "--token-file", "/no/such/token")
    assert_clean_failure(result, 4)
    assert "--token-file: cannot read '/no/such/token': No such file or directory" in result.stderr
