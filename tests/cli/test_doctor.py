"""``inngest-codecs doctor``: one test per check, through the console script."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from .test_commands import KEY, cli

pytestmark = pytest.mark.slow  # runs the console script in subprocesses

DEV = {"INNGEST_DEV": "1"}


def doctor(env: dict[str, str]) -> tuple[int, list[str]]:
    result = cli("doctor", env=env)
    assert "Traceback" not in result.stderr and KEY not in result.stdout + result.stderr
    return result.returncode, result.stdout.splitlines()


def line(lines: list[str], text: str) -> str:
    found = [entry for entry in lines if text in entry]
    assert found, f"no line with {text!r} in:\n" + "\n".join(lines)
    return found[0]


def test_settings_in_effect_and_where_each_came_from(tmp_path: Path) -> None:
    generated = cli("keygen", "--codec", "aes-gcm").stdout.strip()
    (tmp_path / "key").write_text(generated + "\n", encoding="utf-8")
    status, lines = doctor(
        {
            **DEV,
            "INNGEST_ENCRYPTION_KEY_FILE": str(tmp_path / "key"),
            "INNGEST_ENCRYPTION_ON_DECRYPTION_FAILURE": "fail",
        }
    )
    assert status == 0, lines
    assert line(lines, "codec aes-gcm").endswith("(named by the generated key)")
    assert line(lines, "key: set").endswith("(INNGEST_ENCRYPTION_KEY_FILE)")
    assert line(lines, "on_decryption_failure").endswith(
        "on_decryption_failure: fail (INNGEST_ENCRYPTION_ON_DECRYPTION_FAILURE)"
    )
    assert lines[-1] == "0 error(s), 0 warning(s)"
    assert generated not in "\n".join(lines)
    _, chosen = doctor(
        {**DEV, "INNGEST_ENCRYPTION_KEY": KEY, "INNGEST_ENCRYPTION_CODEC": "aes-gcm"}
    )
    assert line(chosen, "codec aes-gcm").endswith("(INNGEST_ENCRYPTION_CODEC)")


def test_unknown_variables_are_warnings() -> None:
    status, lines = doctor(
        {**DEV, "INNGEST_ENCRYPTION_KEY": KEY, "INNGEST_ENCRYPTION_KEY_OLD": "x"}
    )
    assert status == 0
    assert line(lines, "KEY_OLD").startswith("warn   unknown variable INNGEST_ENCRYPTION_KEY_OLD")
    assert "the middleware refuses to start with it" in line(lines, "KEY_OLD")
    assert lines[-1] == "0 error(s), 1 warning(s)"


def test_key_strength() -> None:
    status, lines = doctor({**DEV, "INNGEST_ENCRYPTION_KEY": "abc"})
    assert status == 0
    assert line(lines, "weak").startswith("warn   the key is weak: 3 bytes of text")
    status, lines = doctor({**DEV, "INNGEST_ENCRYPTION_KEY": "0123456789abcdef" * 2})
    assert status == 4
    assert line(lines, "too short").startswith("ERROR  the key is too short: hex digits giving 128")
    status, lines = doctor({**DEV, "INNGEST_ENCRYPTION_KEY": KEY})
    assert status == 0 and line(lines, "every key is strong enough for secretbox")


def test_a_key_made_for_another_codec() -> None:
    generated = cli("keygen", "--codec", "aes-gcm").stdout.strip()
    env = {**DEV, "INNGEST_ENCRYPTION_KEY": generated, "INNGEST_ENCRYPTION_CODEC": "secretbox"}
    status, lines = doctor(env)
    assert status == 0
    assert line(lines, "generated for").startswith(
        "warn   the key was generated for aes-gcm but the codec is secretbox"
    )


def test_plugins_named_but_not_installed_with_the_command_that_installs_them() -> None:
    code = (
        "import sys\nsys.modules['inngest_codecs_legacy'] = None\n"
        "from inngest_codecs.cli import main\nsys.exit(main(['doctor']))"
    )
    env = {
        **DEV,
        "INNGEST_ENCRYPTION_KEY": KEY,
        "INNGEST_ENCRYPTION_CODEC": "legacy-aes",
        "PATH": "/usr/bin:/bin",
    }
    result = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", code],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.returncode == 4
    assert line(result.stdout.splitlines(), "not installed") == (
        "ERROR  codec legacy-aes is not installed: from a checkout: pip install "
        "./plugins/inngest-codecs-legacy (to be published as inngest-codecs-legacy)"
    )
    status, lines = doctor(
        {**DEV, "INNGEST_ENCRYPTION_KEY": KEY, "INNGEST_ENCRYPTION_OFFLOAD_STORE": "gs://bucket/"}
    )
    assert status == 4 and "ERROR  store gs is not installed" in line(lines, "store gs")


def test_the_inngest_mode() -> None:
    key = {"INNGEST_ENCRYPTION_KEY": KEY}
    status, lines = doctor({**key, **DEV})
    assert status == 0 and line(lines, "Inngest: dev mode (INNGEST_DEV=1)")
    status, lines = doctor(key)
    assert status == 4
    assert line(lines, "Inngest").startswith(
        "ERROR  Inngest: cloud mode without INNGEST_SIGNING_KEY"
    )
    status, lines = doctor({**key, "INNGEST_SIGNING_KEY": "signkey-prod-00"})
    assert status == 0 and line(lines, "Inngest").startswith("warn   Inngest: cloud mode")
    both = {**key, "INNGEST_SIGNING_KEY": "signkey-prod-00", "INNGEST_EVENT_KEY": "e"}
    status, lines = doctor(both)
    assert status == 0 and "signing key and event key set" in line(lines, "Inngest")
    assert "signkey-prod-00" not in "\n".join(lines)


def test_a_round_trip_through_the_codecs_and_the_store(tmp_path: Path) -> None:
    (tmp_path / "store").mkdir()
    env = {
        **DEV,
        "INNGEST_ENCRYPTION_KEY": KEY,
        "INNGEST_ENCRYPTION_OFFLOAD_STORE": f"file://{tmp_path}/store",
        "INNGEST_ENCRYPTION_TENANT_KEYS": '{"acme": "the acme key, long enough to be strong"}',
    }
    status, lines = doctor(env)
    assert status == 0, lines
    assert line(lines, "round trip") == (
        f"ok     round trip: encrypted and opened with secretbox; 1 tenant(s); "
        f"store file://{tmp_path}/store"
    )
    assert any((tmp_path / "store").iterdir())  # the value went through the store
    (tmp_path / "taken").write_text("a file", encoding="utf-8")
    env["INNGEST_ENCRYPTION_OFFLOAD_STORE"] = f"file://{tmp_path}/taken/store"
    status, lines = doctor(env)
    assert status == 4 and line(lines, "round trip").startswith("ERROR  round trip failed:")
    options = {**DEV, "INNGEST_ENCRYPTION_KEY": KEY, "INNGEST_ENCRYPTION_CODEC_OPTIONS": '{"t": 1}'}
    status, lines = doctor(options)
    assert status == 4 and line(lines, "codec_options: set (t)")
    assert line(lines, "round trip") == (
        "ERROR  round trip failed: codec 'secretbox' has no option 't'; it takes none"
    )


def test_no_key_and_unreadable_key_files_are_errors(tmp_path: Path) -> None:
    status, lines = doctor(DEV)
    assert status == 4 and line(lines, "no key").startswith(
        "ERROR  no key: set INNGEST_ENCRYPTION_KEY, or INNGEST_ENCRYPTION_KEY_FILE"
    )
    status, lines = doctor({**DEV, "INNGEST_ENCRYPTION_KEY_FILE": str(tmp_path / "missing")})
    assert status == 4 and "cannot read" in line(lines, "INNGEST_ENCRYPTION_KEY_FILE")
