"""``/metrics``: the server's telemetry as Prometheus text, behind its token like every route."""

from __future__ import annotations

import re

import httpx

from inngest_codecs import Encryptor

from .conftest import AUTH, KEY, codec_server


def test_metrics_count_what_the_server_opened_behind_the_token() -> None:
    sealed = Encryptor(KEY, codec="aes-gcm").encrypt({"card": "4111-1111-1111-1111"})
    with codec_server() as server:
        auth = AUTH
        assert httpx.get(server.url + "/metrics").status_code == 401
        before = httpx.get(server.url + "/metrics", headers=auth)
        decoded = httpx.post(server.url + "/decode", json={"output": sealed}, headers=auth)
        assert decoded.status_code == 200
        after = httpx.get(server.url + "/metrics", headers=auth)
    assert before.status_code == after.status_code == 200
    assert after.headers["content-type"].startswith("text/plain; version=0.0.4")
    assert "# TYPE inngest_codecs_values_opened_total counter" in after.text
    # Every key id label of the aes-gcm strategy: which key id a value is counted under
    # depends on the codec that opened it, and earlier tests in the process count too.
    pattern = (
        r'inngest_codecs_values_opened_total\{codec="aes-gcm",key_id="[^"]*",'
        r'strategy="inngest-codecs/aes-256-gcm"\} (\d+)'
    )

    def opened(text: str) -> int:
        return sum(int(count) for count in re.findall(pattern, text))

    assert opened(after.text) == opened(before.text) + 1, after.text
    assert "4111" not in after.text and KEY not in after.text
