"""docs/getting-started.md as a newcomer types it: in a fresh virtual environment, with
the page's own install command run for real from the checkout, then every block in order.

Slow (it builds and installs the package, from pip's cache where it can): one virtual
environment per test session.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from .commands import checked_commands, run_script
from .markdown import ROOT, blocks
from .reader import Reader

pytestmark = pytest.mark.slow
PAGE = ROOT / "docs" / "getting-started.md"
INSTALL_TIMEOUT = 900


@pytest.fixture(scope="session")
def fresh_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A virtual environment with nothing installed but pip."""
    folder = tmp_path_factory.mktemp("getting-started") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True, timeout=300)
    return folder


def _newcomer_env(venv: Path) -> dict[str, str]:
    """The environment of a terminal with the fresh venv activated, and none of ours."""
    ours = str(Path(sys.executable).parent)
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("INNGEST_", "AWS_", "PYTEST_", "COV_", "VIRTUAL_ENV", "PYTHON"))
    }
    path = [p for p in env.get("PATH", "").split(os.pathsep) if p and p != ours]
    env["PATH"] = os.pathsep.join([str(venv / "bin"), *path])
    env["VIRTUAL_ENV"] = str(venv)
    return env


def test_getting_started_runs_in_a_fresh_virtual_environment(
    fresh_venv: Path, tmp_path: Path
) -> None:
    env = _newcomer_env(fresh_venv)
    page = blocks(PAGE)
    installs = [c for b in page if b.language == "sh" for c in checked_commands(b.text)[1]]
    assert installs, "the page installs the package"
    for command in installs:  # as printed, from the root of the checkout
        ran = run_script(command, ROOT, env, timeout=INSTALL_TIMEOUT)
        assert ran.returncode == 0, f"{command!r} failed:\n{ran.stdout}\n{ran.stderr}"
    python = str(fresh_venv / "bin" / "python3")
    found = subprocess.run(
        [python, "-c", "import inngest_codecs; print(inngest_codecs.__file__)"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert str(fresh_venv) in found.stdout, "the package came from the fresh environment"
    reader = Reader(tmp_path, env, python=python)
    for block in page:
        if block.not_run is None:
            reader.follow(block)
    reader.finish()
    assert (tmp_path / "my.key").read_text(encoding="utf-8").startswith("aes-gcm:")
