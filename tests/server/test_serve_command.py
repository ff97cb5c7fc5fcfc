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


def start_serve(audit: Path, *args: str, **env: str) -> subprocess.Popen[str]:
    """``inngest-codecs serve`` as a user starts it, on a port the system picks, with only
    ``env`` of INNGEST_* set."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("INNGEST_")}
    return subprocess.Popen(
        [str(SCRIPT), "serve", "--port", "0", "--audit-log", str(audit), *args],
        env={**clean, "INNGEST_ENCRYPTION_KEY": KEY, **env},
        stderr=subprocess.PIPE,
        text=True,
    )


def bound_url(ready: str) -> str:
    """The URL the ready line names: the port bound, not the 0 asked for."""
    found = re.search(r" on (http://127\.0\.0\.1:(\d+)) ", ready)
    assert found is not None and int(found[2]) != 0, ready
    return found[1]


def test_serve_answers_then_stops_on_ctrl_c(tmp_path: Path) -> None:
    audit = tmp_path / "audit.jsonl"
    process = start_serve(audit, INNGEST_CODECS_SERVE_TOKEN=TOKEN)
    try:
        assert process.stderr is not None
        ready = process.stderr.readline()
        assert "credentials: token;" in ready
        sealed = Encryptor(KEY).encrypt({"ssn": "123-45-6789"})
        response = httpx.post(
            f"{bound_url(ready)}/decode",
            content=json.dumps({"v": sealed}),
            headers={
                "content-type": "application/json",
                "authorization": f"Bearer {TOKEN}",
                "x-forwarded-for": "203.0.113.9",  # no proxy is trusted: ignored
            },
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
    assert lines[0]["who"] == "token" and lines[0]["client"].startswith("127.0.0.1:")


def test_serve_without_credentials_makes_one_and_prints_a_login_url(tmp_path: Path) -> None:
    process = start_serve(tmp_path / "audit.jsonl")
    try:
        assert process.stderr is not None
        login = process.stderr.readline()
        process.stderr.readline()
        ready = process.stderr.readline()
        found = re.search(r"(http://127\.0\.0\.1:\d+)/login\?token=(\S+)", login)
        assert "credentials: local;" in ready and found is not None, login
        base, token = found.groups()
        assert httpx.get(base + "/").status_code == 401
        assert httpx.get(base + "/healthz").json() == {"ok": True}
        with httpx.Client(base_url=base) as browser:
            signed_in = browser.get(f"/login?token={token}")
            assert signed_in.status_code == 303
            assert browser.get("/").status_code == 200
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=30)
    assert process.returncode == 0


def test_serve_refuses_what_would_expose_it() -> None:
    env = {"INNGEST_ENCRYPTION_KEY": KEY}
    exposed = cli("serve", "--host", "0.0.0.0", env=env)
    assert_clean_failure(exposed, 4)
    assert "without configured credentials" in exposed.stderr
    bad_port = cli("serve", "--port", "99999", env=env)
    assert_clean_failure(bad_port, 4)
    assert "from 0 to 65535" in bad_port.stderr
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


def test_a_trusted_proxy_names_the_client_in_the_audit_log(tmp_path: Path) -> None:
    audit = tmp_path / "audit.jsonl"
    process = start_serve(audit, "--trusted-proxy", "127.0.0.1", INNGEST_CODECS_SERVE_TOKEN=TOKEN)
    try:
        assert process.stderr is not None
        ready = process.stderr.readline()
        answer = httpx.get(
            f"{bound_url(ready)}/api/info",
            headers={"authorization": f"Bearer {TOKEN}", "x-forwarded-for": "203.0.113.9"},
        )
        assert answer.status_code == 200
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=30)
    (line,) = [json.loads(text) for text in audit.read_text().splitlines()]
    assert line["client"].startswith("203.0.113.9") and line["who"] == "token"
