"""The README's main command, run as a subprocess: plaintext inside, envelopes outside."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from inngest_codecs import Encryptor
from inngest_codecs.for_inngest import events

from .test_commands import assert_clean_failure, cli, cli_without

pytestmark = pytest.mark.slow

PATIENT_DETAILS = ["Maria Garcia", "1984-03-12", "type 2 diabetes"]


@pytest.mark.parametrize("codec", ["secretbox", "aes-gcm"])
def test_demo_shows_both_sides_and_a_working_decrypt_command(codec: str, tmp_path: Path) -> None:
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    result = cli(
        "demo", "--codec", codec, "--out", "kept", cwd=tmp_path, env={"TMPDIR": str(scratch)}
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert max(len(line) for line in out.splitlines()) <= 100
    left = "\n".join(line.split("│")[0] for line in out.splitlines() if "│" in line)
    right = "\n".join(line.split("│")[1] for line in out.splitlines() if "│" in line)
    for detail in PATIENT_DETAILS:
        assert detail in left
        assert detail not in right
    assert right.count('"__ENCRYPTED__": true') >= 4
    assert '"patient_id": "p-1042"' in right
    assert list(scratch.iterdir()) == []  # no temporary directory left behind

    match = re.search(r"decrypt --key-file (\S+) (\S+)", out)
    assert match is not None and match.group(1) == "kept/demo.key"
    key = (tmp_path / match.group(1)).read_text().strip()
    stored = json.loads((tmp_path / match.group(2)).read_text())
    assert (
        events.open_fields(Encryptor(key), stored["event"]["data"])["encrypted"]["name"]
        == "Maria Garcia"
    )
    opened = cli("decrypt", "--key-file", match.group(1), match.group(2), cwd=tmp_path)
    assert opened.returncode == 0
    assert "Maria Garcia" in opened.stdout
    assert out.rstrip().splitlines()[-1].endswith("serve --key-file kept/demo.key")


def test_demo_fits_a_narrow_terminal_and_writes_nothing_unless_asked(tmp_path: Path) -> None:
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    result = cli("demo", cwd=tmp_path, env={"COLUMNS": "72", "TMPDIR": str(scratch)})
    assert result.returncode == 0, result.stderr
    assert max(len(line) for line in result.stdout.splitlines()) <= 72
    assert "--out DIR" in result.stdout and "serve" in result.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tmp"]
    assert list(scratch.iterdir()) == []


def test_demo_without_flask_says_what_to_install() -> None:
    result = cli_without("flask", "demo")
    assert_clean_failure(result, 4)
    assert "pip install '.[demo]'" in result.stderr
