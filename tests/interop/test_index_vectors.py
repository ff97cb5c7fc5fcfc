"""docs/typescript/blind-index.ts computes the committed tags, as the Python side does."""

from __future__ import annotations

import json
import subprocess

import pytest

from ..docs.markdown import ROOT
from ..test_index import VECTORS
from .conftest import HERE, Bridge
from .test_docs_typescript import TSC_OPTIONS

pytestmark = pytest.mark.slow


def _node(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(HERE / "node_modules" / ".bin" / command[0]), *command[1:]],
        cwd=HERE,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_typescript_gives_every_committed_tag(node: Bridge) -> None:
    ran = _node("tsx", "index_vectors.ts")
    assert ran.returncode == 0, ran.stderr
    assert json.loads(ran.stdout) == [vector["tag"] for vector in VECTORS["vectors"]]


def test_the_typescript_file_type_checks(node: Bridge) -> None:
    source = ROOT / "docs" / "typescript" / "blind-index.ts"
    checked = _node("tsc", *TSC_OPTIONS, "--allowImportingTsExtensions", str(source))
    assert checked.returncode == 0, checked.stdout + checked.stderr
