"""A reader working through one page: each block run in order, in one fresh directory.

Python blocks run in a fresh interpreter each; shell blocks in bash, and what they
export reaches the blocks after them, as it would in the reader's terminal. A
block titled with a file name is that file: it is written, and the blocks after
it use it (import it, run it, load it). A block titled ``output`` is
compared with what the block before it printed (``...`` stands for anything;
runs of whitespace compare equal). A command that serves until stopped
(``inngest-codecs serve``) is started on a free port, asked for its page, and
stopped; in what it printed, the URL it bound shows the port the page expects.
"""

from __future__ import annotations

import contextlib
import os
import queue
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from inngest_codecs.server.settings import DEFAULT_PORT

from .commands import checked_commands
from .markdown import Block

TIMEOUT = 180
SERVES = re.compile(r"(?:^|\s)inngest-codecs serve\b")
LISTENING = re.compile(r"viewer and codec server on (?P<base>http://\S+):(?P<port>\d+) ")
PAGE_PORT = re.compile(r"--port[= ](\d+)")
LOGIN = re.compile(r"sign in by opening (?P<url>http://\S+)")
NOT_CARRIED = {"_", "SHLVL", "PWD", "OLDPWD", "DOCS_ENV_FILE"}


@dataclass
class Ran:
    block: Block
    output: str
    status: int


class BlockFailed(AssertionError):
    pass


class Reader:
    def __init__(self, cwd: Path, env: dict[str, str], python: str = sys.executable) -> None:
        self.cwd = cwd
        self.env = env
        self.python = python  # the interpreter python blocks run in
        self.last: Ran | None = None

    def follow(self, block: Block) -> None:
        if block.is_output:
            self._compare(block)
            return
        self._settle()
        if block.title:
            (self.cwd / block.title).write_text(block.text, encoding="utf-8")
        elif block.language == "python":
            self.last = self._run(block, [self.python, "-"], stdin=block.text)
        elif block.language == "sh":
            self.last = self._shell(block)

    def finish(self) -> None:
        self._settle()

    def _settle(self) -> None:
        """A block that failed, with no output block after it to say it should."""
        if self.last is not None and self.last.status != 0:
            raise BlockFailed(
                f"{self.last.block.where} exited with {self.last.status}:\n{self.last.output}"
            )
        self.last = None

    def _compare(self, block: Block) -> None:
        if self.last is None:
            raise BlockFailed(f"{block.where}: an output block follows no block that ran")
        if not output_matches(block.text, self.last.output):
            raise BlockFailed(
                f"{block.where} shows what {self.last.block.where} prints, but it printed:\n"
                f"{self.last.output}"
            )
        self.last = None

    def _run(
        self,
        block: Block,
        command: list[str],
        stdin: str | None = None,
        env: dict[str, str] | None = None,
    ) -> Ran:
        process = self._start(command, subprocess.PIPE if stdin is not None else None, env)
        try:
            output, _ = process.communicate(stdin, timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            _stop(process)
            raise BlockFailed(f"{block.where} did not finish in {TIMEOUT} s") from None
        with contextlib.suppress(ProcessLookupError):  # whatever it left running
            os.killpg(process.pid, signal.SIGKILL)
        return Ran(block, output, process.returncode)

    def _start(
        self, command: list[str], stdin: int | None = None, env: dict[str, str] | None = None
    ) -> subprocess.Popen[str]:
        """A process group of its own, so that stopping it stops whatever it started."""
        return subprocess.Popen(
            command,
            stdin=stdin,
            cwd=self.cwd,
            env=self.env if env is None else env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )

    def _shell(self, block: Block) -> Ran:
        script, _, problems = checked_commands(block.text)
        if problems:
            raise BlockFailed(f"{block.where}: " + "; ".join(problems))
        lines = script.rstrip("\n").split("\n")
        serving = next((i for i, line in enumerate(lines) if SERVES.search(line)), None)
        if serving is None:
            return self._bash(block, script)
        if serving != len(lines) - 1:
            raise BlockFailed(f"{block.where}: a command that serves must come last")
        before = self._bash(block, "\n".join(lines[:serving]) + "\n")
        if before.status != 0:
            return before
        return self._serve(block, lines[serving], before.output)

    def _bash(self, block: Block, script: str) -> Ran:
        """Run a script; what it exports is set for the blocks after it."""
        handle, env_file = tempfile.mkstemp(prefix="docs-env-")
        os.close(handle)
        wrapped = f'set -euo pipefail\n{script}\nenv -0 > "$DOCS_ENV_FILE"\n'
        try:
            ran = self._run(
                block, ["bash", "-c", wrapped], env={**self.env, "DOCS_ENV_FILE": env_file}
            )
            if ran.status == 0:
                exported = Path(env_file).read_text(encoding="utf-8").split("\0")
                self.env = dict(
                    item.split("=", 1) for item in exported if "=" in item and not _skip(item)
                )
        finally:
            os.unlink(env_file)
        return ran

    def _serve(self, block: Block, command: str, printed_before: str) -> Ran:
        """Serve on a port the system picks (a port the page names still wins), never on a
        fixed one that a viewer the reader left running would hold."""
        expected = PAGE_PORT.search(command)
        port = expected[1] if expected else str(DEFAULT_PORT)
        chosen = SERVES.sub(lambda found: found[0] + " --port 0", command, count=1)
        process = self._start(["bash", "-c", f"set -euo pipefail\n{chosen}"])
        lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=_pump, args=(process, lines), daemon=True).start()
        printed: list[str] = []
        try:
            listening = _wait_for_url(lines, printed)
            if listening is not None:
                base = listening["base"].replace("//0.0.0.0", "//127.0.0.1")
                token = self.env.get("INNGEST_CODECS_TOKEN") or self.env.get(
                    "INNGEST_CODECS_SERVE_TOKEN"
                )
                _fetch_viewer(f"{base}:{listening['port']}", token, "".join(printed))
        finally:
            _stop(process)
            while (line := lines.get(timeout=TIMEOUT)) is not None:
                printed.append(line)
        output = printed_before + "".join(printed)
        if listening is None:
            return Ran(block, output, process.returncode or 1)
        bound = f"{listening['base']}:{listening['port']}"
        return Ran(block, output.replace(bound, f"{listening['base']}:{port}"), 0)


def _skip(item: str) -> bool:
    return item.split("=", 1)[0] in NOT_CARRIED or item.startswith("BASH_FUNC_")


def _pump(process: subprocess.Popen[str], lines: queue.Queue[str | None]) -> None:
    assert process.stdout is not None
    for line in process.stdout:
        lines.put(line)
    lines.put(None)


def _wait_for_url(lines: queue.Queue[str | None], printed: list[str]) -> re.Match[str] | None:
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            break
        if line is None:  # it stopped on its own
            lines.put(None)
            return None
        printed.append(line)
        listening = LISTENING.search(line)
        if listening:
            return listening
    return None


def _fetch_viewer(url: str, token: str | None, printed: str) -> None:
    """The viewer page, signed in with the page's token, or else through the login URL
    serve printed, as a reader would."""
    headers = {"authorization": f"Bearer {token}"} if token else {}
    login = LOGIN.search(printed)
    with httpx.Client(timeout=30, follow_redirects=True) as browser:
        if login is not None and not token:
            browser.get(login["url"])
        page = browser.get(url, headers=headers)
    if page.status_code != 200 or "text/html" not in page.headers.get("content-type", ""):
        raise BlockFailed(f"{url} answered {page.status_code}, not the viewer page")


def _stop(process: subprocess.Popen[str]) -> None:
    """Ctrl-C, as the page tells the reader to stop it."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGINT)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def output_matches(expected: str, printed: str) -> bool:
    """Whether ``printed`` is what ``expected`` shows: ``...`` matches anything, and any
    run of whitespace matches any other."""
    pattern = ".*?".join(re.escape(" ".join(part.split())) for part in expected.split("..."))
    return re.fullmatch(pattern, " ".join(printed.split()), re.S) is not None
