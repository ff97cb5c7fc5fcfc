"""docs/cli.md shows what the terminal really prints: the same characters, tabs included."""

from __future__ import annotations

import itertools
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from .commands import run_script
from .markdown import ROOT, blocks

pytestmark = pytest.mark.slow  # runs the console script in subprocesses

PAGE = ROOT / "docs" / "cli.md"


def _shown(command: str) -> tuple[str, str]:
    """The shell block that runs ``command`` and the output block after it."""
    for before, block in itertools.pairwise(blocks(PAGE)):
        if block.is_output and command in before.text:
            return before.text, block.text
    raise AssertionError(f"docs/cli.md shows no output of {command!r}")


@pytest.mark.parametrize("command", ["inngest-codecs inspect", "inngest-codecs doctor"])
def test_the_page_shows_exactly_what_is_printed(command: str, tmp_path: Path) -> None:
    script, shown = _shown(command)
    key = subprocess.run(
        [Path(sys.executable).parent / "inngest-codecs", "keygen", "--codec", "aes-gcm"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    (tmp_path / "prod.key").write_text(key, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("INNGEST_")}
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    ran = run_script(script, tmp_path, env, timeout=120)
    assert ran.returncode == 0, ran.stderr
    key_id = r"[0-9a-f]{8}"  # the one thing that differs from key to key
    pattern = re.escape(shown).replace(re.escape("..."), key_id)
    assert re.fullmatch(pattern, ran.stdout), f"the page shows:\n{shown}\nprinted:\n{ran.stdout}"
