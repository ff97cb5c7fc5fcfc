"""Starts the Node side of the cross-language tests once per session."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).parent
NODE_REASON = "Node.js and npm are needed for the cross-language tests (tests/interop)"


class Bridge:
    """One Node process answering JSON-line requests (see bridge.ts)."""

    def __init__(self) -> None:
        self._process = subprocess.Popen(
            [str(HERE / "node_modules" / ".bin" / "tsx"), "bridge.ts"],
            cwd=HERE,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )

    def call(self, op: str, **fields: Any) -> Any:
        assert self._process.stdin is not None and self._process.stdout is not None
        self._process.stdin.write(json.dumps({"op": op, **fields}) + "\n")
        self._process.stdin.flush()
        reply = json.loads(self._process.stdout.readline())
        if not reply["ok"]:
            raise NodeError(reply["error"])
        return reply["result"]

    def close(self) -> None:
        if self._process.stdin is not None:
            self._process.stdin.close()
        self._process.wait(timeout=30)


class NodeError(Exception):
    """The Node side refused or failed a request."""


def _install() -> None:
    if (HERE / "node_modules" / ".package-lock.json").exists():
        return
    subprocess.run(
        ["npm", "ci", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=HERE,
        check=True,
        timeout=600,
    )


@pytest.fixture(scope="session")
def node() -> Iterator[Bridge]:
    if not (shutil.which("node") and shutil.which("npm")):
        if os.environ.get("CI"):
            pytest.fail(NODE_REASON + ", and CI must run them")
        pytest.skip(NODE_REASON)
    _install()
    bridge = Bridge()
    yield bridge
    bridge.close()
