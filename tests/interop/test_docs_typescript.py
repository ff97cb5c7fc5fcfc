"""The TypeScript blocks of the docs type-check and run under Node with the real npm
packages, as a reader's project would (tests/docs runs the Python ones)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from inngest_codecs import available_codecs

from ..docs.markdown import PAGES, ROOT, blocks
from .conftest import HERE, Bridge

pytestmark = pytest.mark.slow

TSC_OPTIONS = ["--noEmit", "--strict", "--target", "es2022", "--skipLibCheck"]
TSC_OPTIONS += ["--module", "esnext", "--moduleResolution", "bundler"]
"""A reader's project compiled by a bundler, as `import ... from "./aes-gcm"` assumes."""
TS_BLOCKS = [block for page in PAGES for block in blocks(page) if block.language == "ts"]


@pytest.fixture(scope="module")
def project(node: Bridge, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A reader's project: the npm packages, and the files of docs/typescript copied in."""
    folder = tmp_path_factory.mktemp("reader-project")
    (folder / "node_modules").symlink_to(HERE / "node_modules")
    (folder / "package.json").write_text(json.dumps({"type": "module"}), encoding="utf-8")
    for source in (ROOT / "docs" / "typescript").glob("*.ts"):
        shutil.copy(source, folder)
    for index, block in enumerate(TS_BLOCKS):
        (folder / f"block{index}.ts").write_text(block.text, encoding="utf-8")
    return folder


def test_the_docs_have_typescript_blocks() -> None:
    assert {b.page for b in TS_BLOCKS} == {"docs/cross-language.md", "docs/flow-control.md"}


def test_typescript_blocks_type_check(project: Path) -> None:
    files = [f"block{index}.ts" for index in range(len(TS_BLOCKS))]
    checked = subprocess.run(
        [str(project / "node_modules" / ".bin" / "tsc"), *TSC_OPTIONS, *files],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


@pytest.mark.parametrize("index", range(len(TS_BLOCKS)), ids=lambda i: TS_BLOCKS[i].where)
def test_typescript_block_runs(project: Path, index: int) -> None:
    key = available_codecs()["aes-gcm"].codec_class.generate_key
    env = {**os.environ, "INNGEST_ENCRYPTION_KEY": key(), "OLD_KEY": key()}
    ran = subprocess.run(
        [str(project / "node_modules" / ".bin" / "tsx"), f"block{index}.ts"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert ran.returncode == 0, f"{TS_BLOCKS[index].where}:\n{ran.stdout}{ran.stderr}"
