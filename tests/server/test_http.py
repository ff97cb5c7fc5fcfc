"""The codec server over real HTTP under uvicorn: decode, encode, limits, CORS, audit.

Credentials, sign-in and cross-site refusals are in test_auth.py."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import httpx
import pytest

from inngest_codecs import ConfigError, Encryptor
from inngest_codecs.server import check_settings

from .conftest import AUTH, KEY, OLD_KEY, TOKEN, RunningServer, codec_server

SECRETS = ["4111-1111-1111-1111", "Maria Garcia", "type 2 diabetes"]


def nested_document() -> dict[str, Any]:
    """A run export: envelopes of two codecs and two keys at several depths, and two that
    no key opens."""
    current, aes, old = Encryptor(KEY), Encryptor(KEY, codec="aes-gcm"), Encryptor(OLD_KEY)
    return {
        "run": {
            "status": "Completed",
            "output": aes.encrypt({"card": SECRETS[0]}),
            "steps": [
                {"id": "a", "data": current.encrypt(SECRETS[1])},
                {"id": "b", "data": {"nested": [old.encrypt({"dx": SECRETS[2]})]}},
            ],
        },
        "odd key.with dots": Encryptor("someone else's key").encrypt("theirs"),
        "unknown": {"__ENCRYPTED__": True, "__STRATEGY__": "acme/rot13", "data": "AAAA"},
        "plain": [1, 2.5, None, True, "kept"],
    }


def post_json(url: str, body: Any, headers: dict[str, str] | None = None) -> httpx.Response:
    """POST ``body`` as JSON with the test credential (``headers`` may replace it)."""
    return httpx.post(
        url,
        content=json.dumps(body),
        headers={"content-type": "application/json", **AUTH, **(headers or {})},
    )


def test_decode_opens_a_nested_document_and_lists_what_it_could_not(server: RunningServer) -> None:
    document = nested_document()
    response = post_json(f"{server.url}/decode", document)
    assert response.status_code == 200
    body = response.json()
    opened = body["document"]
    assert opened["run"]["output"] == {"card": SECRETS[0]}
    assert opened["run"]["steps"][0]["data"] == SECRETS[1]
    assert opened["run"]["steps"][1]["data"]["nested"][0] == {"dx": SECRETS[2]}
    assert opened["plain"] == document["plain"]
    assert opened["odd key.with dots"] == document["odd key.with dots"]

    aes_key_id = Encryptor(KEY, codec="aes-gcm").codec.key_ids[0]
    assert sorted((e["path"], e["codec"], e["key_id"]) for e in body["opened"]) == [
        ("$.run.output", "aes-gcm", aes_key_id),
        ("$.run.steps[0].data", "secretbox", None),
        ("$.run.steps[1].data.nested[0]", "secretbox", None),
    ]
    failures = {f["path"]: f for f in body["failures"]}
    assert set(failures) == {'$["odd key.with dots"]', "$.unknown"}
    assert "no configured key opens" in failures['$["odd key.with dots"]']["reason"]
    assert "acme/rot13" in failures["$.unknown"]["reason"]
    assert failures["$.unknown"]["codec"] is None
    text = json.dumps(body["failures"])
    assert KEY not in text and OLD_KEY not in text and "theirs" not in text


def test_decode_of_a_document_without_envelopes_returns_it_unchanged(
    server: RunningServer,
) -> None:
    document = {"a": [1, {"b": "c"}], "d": None}
    body = post_json(f"{server.url}/decode", document).json()
    assert body == {"document": document, "opened": [], "failures": [], "step_names": {}}


def test_encode_returns_an_envelope_the_key_opens(server: RunningServer) -> None:
    response = post_json(f"{server.url}/encode", {"value": {"ssn": "123-45-6789"}})
    assert response.status_code == 200
    envelope = response.json()
    assert envelope["__STRATEGY__"] == "inngest/libsodium"
    assert "123-45-6789" not in response.text
    assert Encryptor(KEY).decrypt(envelope) == {"ssn": "123-45-6789"}
    assert post_json(f"{server.url}/encode", {"val": 1}).status_code == 400


def test_bad_json_is_400_naming_the_place(server: RunningServer) -> None:
    headers = {"content-type": "application/json", **AUTH}
    broken = httpx.post(f"{server.url}/decode", content=b'{"a": [1,', headers=headers)
    assert broken.status_code == 400
    assert "line 1, column 10" in broken.json()["error"]
    nan = httpx.post(f"{server.url}/decode", content=b'{"a": NaN}', headers=headers)
    assert nan.status_code == 400 and "NaN" in nan.json()["error"]
    latin1 = httpx.post(f"{server.url}/decode", content=b'"\xe9"', headers=headers)
    assert latin1.status_code == 400 and "not UTF-8" in latin1.json()["error"]
    form = httpx.post(
        f"{server.url}/decode", content=b"{}", headers={"content-type": "text/plain", **AUTH}
    )
    assert form.status_code == 415


def test_bodies_over_the_limit_get_413_declared_or_streamed() -> None:
    with codec_server(max_body=1000) as server:
        big = {"blob": "x" * 2000}
        assert post_json(f"{server.url}/decode", big).status_code == 413

        def chunks() -> Any:
            yield b'{"blob": "'
            for _ in range(20):
                yield b"y" * 100
            yield b'"}'

        streamed = httpx.post(
            f"{server.url}/decode",
            content=chunks(),
            headers={"content-type": "application/json", **AUTH},
        )
        assert streamed.status_code == 413
        assert post_json(f"{server.url}/decode", {"small": 1}).status_code == 200
        assert [line["outcome"] for line in server.audit_lines()] == [
            "too_large",
            "too_large",
            "ok",
        ]


def test_cors_only_for_listed_origins_preflight_included() -> None:
    allowed = "https://oncall.example.com"
    with codec_server(allow_origins=[allowed]) as server:
        preflight = {
            "access-control-request-method": "POST",
            "access-control-request-headers": "authorization, content-type",
        }
        ok = httpx.options(f"{server.url}/decode", headers={"origin": allowed, **preflight})
        assert ok.status_code == 200
        assert ok.headers["access-control-allow-origin"] == allowed
        assert "authorization" in ok.headers["access-control-allow-headers"].lower()
        assert "POST" in ok.headers["access-control-allow-methods"]

        other = httpx.options(
            f"{server.url}/decode", headers={"origin": "https://evil.example", **preflight}
        )
        assert other.status_code == 400
        assert "access-control-allow-origin" not in other.headers

        headers = {"origin": allowed, "authorization": f"Bearer {TOKEN}"}
        actual = post_json(f"{server.url}/decode", {"a": 1}, headers=headers)
        assert actual.status_code == 200
        assert actual.headers["access-control-allow-origin"] == allowed
        headers["origin"] = "https://evil.example"
        foreign = post_json(f"{server.url}/decode", {"a": 1}, headers=headers)
        assert "access-control-allow-origin" not in foreign.headers
        for line in server.audit_lines():
            assert line.get("route") == "/decode"


def test_a_foreign_host_name_is_refused(server: RunningServer) -> None:
    rebinding = post_json(f"{server.url}/decode", {}, headers={"host": "attacker.example"})
    assert rebinding.status_code == 403
    assert post_json(f"{server.url}/decode", {}, headers={"host": "localhost:1"}).status_code == 200


def test_pages_carry_a_strict_content_security_policy(server: RunningServer) -> None:
    page = httpx.get(server.url + "/", headers=AUTH)
    policy = page.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "http" not in page.text.split("<body>", 1)[0].replace("http-equiv", "")
    for asset in ("/viewer.js", "/viewer.css"):
        response = httpx.get(server.url + asset, headers=AUTH)
        assert response.status_code == 200
        assert "https://" not in response.text and "http://" not in response.text
    decoded = post_json(f"{server.url}/decode", {})
    assert decoded.headers["cache-control"] == "no-store"
    assert decoded.headers["x-content-type-options"] == "nosniff"


def test_audit_has_one_line_per_request_and_never_content() -> None:
    aes = Encryptor(KEY, codec="aes-gcm", fallback_keys=[OLD_KEY])
    with codec_server(aes) as server:
        post_json(f"{server.url}/decode", nested_document())
        post_json(f"{server.url}/encode", {"value": SECRETS[0]})
        httpx.get(f"{server.url}/api/info", headers=AUTH)
        httpx.post(
            f"{server.url}/decode",
            content=b"nope",
            headers={"content-type": "application/json", **AUTH},
        )
        lines = server.audit_lines()
        raw = server.audit_stream.getvalue()
    assert [(line["method"], line["route"], line["status"]) for line in lines] == [
        ("POST", "/decode", 200),
        ("POST", "/encode", 200),
        ("GET", "/api/info", 200),
        ("POST", "/decode", 400),
    ]
    decode, encode = lines[0], lines[1]
    assert decode["outcome"] == "partial"
    assert (decode["opened"], decode["failed"]) == (3, 2)
    assert decode["strategies"] == ["inngest-codecs/aes-256-gcm", "inngest/libsodium"]
    assert decode["key_ids"] == [aes.codec.key_ids[0]]
    assert encode["key_ids"] == [aes.codec.key_ids[0]] and encode["encrypted"] == 1
    assert lines[3]["outcome"] == "bad_request"
    for line in lines:
        assert line["who"] == "oncall"
        assert line["client"].startswith("127.0.0.1:")
        assert line["time"].endswith("+00:00")
    for secret in [*SECRETS, KEY, OLD_KEY, "theirs", "odd key", "steps"]:
        assert secret not in raw


@pytest.mark.parametrize(
    ("host", "configured", "origins", "message"),
    [
        ("0.0.0.0", False, [], "not a loopback address"),
        ("192.0.2.10", False, [], "without configured credentials"),
        ("127.0.0.1", False, ["*"], "exact origin"),
        ("127.0.0.1", False, ["https://a.example/path"], "exact origin"),
        ("127.0.0.1", False, ["null"], "exact origin"),
    ],
)
def test_settings_that_would_expose_the_server_are_refused(
    host: str, configured: bool, origins: list[str], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        check_settings(host, configured, origins)


def test_settings_that_are_safe_pass() -> None:
    check_settings("127.0.0.1", False, ["https://a.example", "http://localhost:3000"])
    check_settings("::1", False, ["https://app.inngest.com/"])  # a trailing slash is no path
    check_settings("0.0.0.0", True, ["https://[::1]:8443"])


def test_a_plaintext_json_cannot_carry_stays_closed_never_invalid_json(
    server: RunningServer,
) -> None:
    from inngest_codecs import envelope
    from inngest_codecs.codecs.secretbox import SecretBoxCodec
    from inngest_codecs.keys import KeySet

    codec = SecretBoxCodec(KeySet.build(KEY))
    for plaintext in (b"1e400", b'"\\ud800"'):
        sealed = envelope.build(codec.strategy, codec.encrypt(plaintext))
        response = post_json(f"{server.url}/decode", {"v": sealed})
        # The reader refuses what the writer refuses: the envelope stays as it
        # was and is reported, and the answer is JSON.
        assert response.status_code == 200
        body = response.json()
        assert body["document"] == {"v": sealed}
        assert [f["path"] for f in body["failures"]] == ["$.v"]
        assert "Infinity" not in response.text


def test_hashed_step_keys_are_matched_to_step_ids_found_in_the_document(
    server: RunningServer,
) -> None:
    hashed = hashlib.sha1(b"charge-card").hexdigest()
    document = {
        "steps": {hashed: {"data": 1}, "f" * 40: {"data": 2}},
        "output": Encryptor(KEY).encrypt({"failed_at": "charge-card"}),  # found once opened
    }
    body = post_json(f"{server.url}/decode", document).json()
    assert body["step_names"] == {hashed: "charge-card"}
    assert post_json(f"{server.url}/decode", {"a": 1}).json()["step_names"] == {}
