"""``inngest-codecs serve`` as a user starts it: a real process, real HTTP, Ctrl-C to stop."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
from pathlib import Path

import httpx
import pytest

from inngest_codecs import Encryptor

from ..cli.test_commands import SCRIPT, assert_clean_failure, cli, cli_without
from .conftest import KEY, TOKEN

pytestmark = pytest.mark.slow


def test_serve_answers_then_stops_on_ctrl_c(tmp_path: Path) -> None:
    audit = tmp_path / "audit.jsonl"
    env = {k: v for k, v in os.environ.items() if not k.startswith("INNGEST_")}
    env.update({"INNGEST_ENCRYPTION_KEY": KEY, "INNGEST_CODECS_SERVE_TOKEN": TOKEN})
    process = subprocess.Popen(
        [str(SCRIPT), "serve", "--port", "0", "--audit-log", str(audit)],
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stderr is not None
        ready = process.stderr.readline()
        bound = re.search(r" on (http://127\.0\.0\.1:(\d+)) ", ready)
        assert bound is not None and int(bound[2]) != 0, ready  # the port bound, not 0
        assert "token required" in ready
        sealed = Encryptor(KEY).encrypt({"ssn": "123-45-6789"})
        response = httpx.post(
            f"{bound[1]}/decode",
            content=json.dumps({"v": sealed}),
            headers={"content-type": "application/json", "authorization": f"Bearer {TOKEN}"},
        )
        assert response.json()["document"] == {"v": {"ssn": "123-45-6789"}}
    finally:
        process.send_signal(signal.SIGINT)
        _, rest = process.communicate(timeout=30)
    assert process.returncode == 0
    assert "Traceback" not in rest and KEY not in ready + rest and TOKEN not in ready + rest
    lines = [json.loads(line) for line in audit.read_text().splitlines()]
    assert [(line["route"], line["outcome"], line["opened"]) for line in lines] == [
        ("/decode", "ok", 1)
    ]


def test_serve_refuses_what_would_expose_it() -> None:
    env = {"INNGEST_ENCRYPTION_KEY": KEY}
    exposed = cli("serve", "--host", "0.0.0.0", env=env)
    assert_clean_failure(exposed, 4)
    assert "without a token" in exposed.stderr
    wildcard = cli("serve", "--allow-origin", "*", env=env)
    assert_clean_failure(wildcard, 4)
    assert "exact origin" in wildcard.stderr
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        busy = cli("serve", "--port", str(taken.getsockname()[1]), env=env)
    assert_clean_failure(busy, 4)
    assert "cannot listen on 127.0.0.1" in busy.stderr
    no_key = cli("serve", "--port", "0")
    assert_clean_failure(no_key, 4)
    assert "no key" in no_key.stderr


def test_serve_without_the_extra_says_what_to_install() -> None:
    result = cli_without("starlette", "serve", "--key", "k")
    assert_clean_failure(result, 4)
    assert "pip install '.[serve]'" in result.stderr
