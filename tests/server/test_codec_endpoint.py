"""``--codec-endpoint``: the CLI opens documents through a running codec server, holding no key;
the server's audit log names who asked, and a tenant-limited credential stays limited."""

from __future__ import annotations

import json

import pytest

from inngest_codecs.config import EncryptionSettings
from inngest_codecs.keyring import Keyring
from inngest_codecs.server.credentials import Credentials

from ..cli.test_commands import assert_clean_failure, cli
from .conftest import KEY, TOKEN, codec_server

pytestmark = pytest.mark.slow

ACME_TOKEN = "acme-support-token-0123456789"


def test_decrypt_through_a_codec_server_with_no_key_here() -> None:
    settings = EncryptionSettings({"key": KEY, "tenant_keys": {"acme": "acme-tenant-key"}})
    encryptor = settings.tenants()
    credentials = Credentials.parse(f"alice: {TOKEN}\nacme-support: {ACME_TOKEN} tenants=acme")
    document = {
        "order": encryptor.for_tenant("acme").encrypt({"card": "4111"}),
        "note": encryptor.default.encrypt("internal"),
    }
    with codec_server(
        encryptor.default, keyring=Keyring.from_settings(settings), credentials=credentials
    ) as server:
        opened = cli(
            "decrypt",
            "--codec-endpoint",
            server.url,
            "--path",
            "order",
            stdin=json.dumps(document),
            env={"INNGEST_CODECS_TOKEN": TOKEN},
        )
        assert opened.returncode == 0, opened.stderr
        assert json.loads(opened.stdout) == {"card": "4111"}
        assert "tenant acme's key" in opened.stderr

        limited = cli(
            "decrypt",
            "--codec-endpoint",
            server.url,
            "--codec-token",
            ACME_TOKEN,
            stdin=json.dumps(document),
        )
        assert_clean_failure(limited, 4)
        assert "tenant your credential may not open" in limited.stderr
        wrong = cli("decrypt", "--codec-endpoint", server.url, "--codec-token", "x" * 20, stdin="1")
        assert_clean_failure(wrong, 4)
        assert "not valid here" in wrong.stderr
        lines = server.audit_lines()
    assert [(line["who"], line["status"]) for line in lines] == [
        ("alice", 200),
        ("acme-support", 403),
        (None, 401),
    ]
    assert "4111" not in json.dumps(lines)


def test_the_endpoint_must_be_https_off_this_machine_and_needs_a_credential() -> None:
    remote = cli("decrypt", "--codec-endpoint", "http://codecs.example:8290", stdin="{}")
    assert_clean_failure(remote, 4)
    assert "must be https" in remote.stderr
    anonymous = cli("decrypt", "--codec-endpoint", "http://127.0.0.1:9", stdin="{}")
    assert_clean_failure(anonymous, 4)
    assert "needs your credential" in anonymous.stderr
