"""Who may use the codec server: credentials on every route, sign-in, cross-site refusals,
named credentials in the audit log, and credentials limited to tenants."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from inngest_codecs import ConfigError, Encryptor
from inngest_codecs.config import EncryptionSettings
from inngest_codecs.keyring import Keyring
from inngest_codecs.server.app import create_app
from inngest_codecs.server.credentials import Credentials
from inngest_codecs.tenants import TenantRouter

from .conftest import AUTH, KEY, TOKEN, codec_server

ACME_TOKEN = "acme-support-token-0123456789"
TENANT_KEYS = {"acme": "acme-tenant-key", "globex": "globex-tenant-key"}


def _routes() -> list[tuple[str, str]]:
    """Every route the app serves, as (method, path) with placeholders filled in."""
    app = create_app(Encryptor(KEY), credentials=Credentials.single(TOKEN))
    found = []
    for route in app.routes:
        path = route.path.replace("{run_id}", "01HW").replace("{event_id}", "01HW")  # type: ignore[attr-defined]
        for method in sorted(route.methods or ()):  # type: ignore[attr-defined]
            if method != "HEAD":
                found.append((method, path))
    return found


def test_every_route_but_healthz_needs_a_credential() -> None:
    routes = _routes()
    assert {path for _, path in routes} >= {"/", "/decode", "/encode", "/api/info"}
    with codec_server() as server:
        for method, path in [*routes, ("GET", "/login"), ("GET", "/nowhere")]:
            refused = httpx.request(method, server.url + path, content=b"{}")
            assert refused.status_code == 401, (method, path)
            assert "inngest-codecs viewer" not in refused.text
            if (method, path) == ("GET", "/"):  # how to sign in, for a person
                assert "Not signed in" in refused.text
            else:
                assert "a credential is needed" in refused.json()["error"]
        health = httpx.get(server.url + "/healthz")
        assert health.status_code == 200 and health.json() == {"ok": True}
        outcomes = [line["outcome"] for line in server.audit_lines()]
    assert outcomes.count("unauthorized") == len(routes) + 2


def test_a_wrong_token_is_told_so_and_gets_nothing() -> None:
    with codec_server() as server:
        for wrong in [TOKEN[:-1], TOKEN + "x", TOKEN.upper(), "x" * 40]:
            wrong_auth = {"authorization": f"Bearer {wrong}"}
            answer = httpx.get(server.url + "/api/info", headers=wrong_auth)
            assert answer.status_code == 401
            assert answer.json()["error"] == "that token is not valid here"
        basic = httpx.get(server.url + "/", headers={"authorization": f"Basic {TOKEN}"})
        assert basic.status_code == 401 and "Bearer" in basic.json()["error"]
        assert httpx.get(server.url + "/api/info", headers=AUTH).json()["who"] == "oncall"


def test_login_sets_a_strict_http_only_cookie_that_opens_the_viewer() -> None:
    with codec_server() as server, httpx.Client(base_url=server.url) as browser:
        wrong = browser.get("/login", params={"token": "not-the-token-at-all"})
        assert wrong.status_code == 401 and "set-cookie" not in wrong.headers
        login = browser.get("/login", params={"token": TOKEN, "next": "/?run=01HW"})
        assert login.status_code == 303 and login.headers["location"] == "/?run=01HW"
        cookie = login.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and TOKEN not in cookie
        assert browser.get("/").status_code == 200
        # An API request signed in by cookie needs the header no form or image can send.
        assert browser.get("/api/info").status_code == 403
        info = browser.get("/api/info", headers={"x-inngest-codecs": "1"})
        assert info.status_code == 200 and info.json()["who"] == "oncall"
        # a deep link from another site arrives without the Strict cookie; the 401 page
        # links back to it from this site, where the cookie is sent
        cross_site = {"sec-fetch-site": "cross-site"}
        deep = httpx.get(server.url + "/?run=01HW&x=%22%3E%3Cscript%3E", headers=cross_site)
        assert deep.status_code == 401 and "<script>" not in deep.text
        assert 'href="/?run=01HW&amp;x=%22%3E%3Cscript%3E"' in deep.text
        away = browser.get("/login", params={"token": TOKEN, "next": "//evil.example/"})
        assert away.headers["location"] == "/"
        who = {line["route"]: line["who"] for line in server.audit_lines()}
    assert who["/login"] == "oncall" and who["/api/info"] == "oncall"


def test_cross_site_requests_are_refused_even_with_the_cookie() -> None:
    with codec_server() as server, httpx.Client(base_url=server.url) as browser:
        browser.get("/login", params={"token": TOKEN})
        api = {"x-inngest-codecs": "1"}
        # what an <img src=".../api/runs/ID"> on another site makes the browser send
        image = browser.get("/api/runs/01HW", headers={"sec-fetch-site": "cross-site"})
        assert image.status_code == 403
        for headers in (
            {"sec-fetch-site": "cross-site", **api},
            {"sec-fetch-site": "same-site", **api},
            {"origin": "https://evil.example", **api},
        ):
            answer = browser.post(
                "/decode", content=b"{}", headers={"content-type": "application/json", **headers}
            )
            assert answer.status_code == 403, headers
        same = browser.post(
            "/decode",
            content=b"{}",
            headers={"content-type": "application/json", "sec-fetch-site": "same-origin", **api},
        )
        assert same.status_code == 200
        cross_login = browser.get(
            "/login", params={"token": TOKEN}, headers={"sec-fetch-site": "cross-site"}
        )
        assert cross_login.status_code == 403


def tenant_setup() -> tuple[TenantRouter, Keyring, Credentials]:
    settings = EncryptionSettings({"key": KEY, "tenant_keys": TENANT_KEYS})
    credentials = Credentials.parse(
        f"oncall: {TOKEN}  # every tenant\nacme-support: {ACME_TOKEN} tenants=acme\n"
    )
    return settings.tenants(), Keyring.from_settings(settings), credentials


def post(url: str, body: Any, token: str) -> httpx.Response:
    return httpx.post(
        url,
        content=json.dumps(body),
        headers={"content-type": "application/json", "authorization": f"Bearer {token}"},
    )


def test_a_tenant_limited_credential_cannot_open_another_tenants_value() -> None:
    encryptor, keyring, credentials = tenant_setup()
    acme = encryptor.for_tenant("acme").encrypt({"invoice": "acme-secret"})
    globex = encryptor.for_tenant("globex").encrypt({"invoice": "globex-secret"})
    untenanted = encryptor.default.encrypt("no tenant's")
    with codec_server(encryptor.default, keyring=keyring, credentials=credentials) as server:
        own = post(f"{server.url}/decode", {"a": acme}, ACME_TOKEN)
        assert own.status_code == 200
        assert own.json()["document"] == {"a": {"invoice": "acme-secret"}}
        assert own.json()["opened"][0]["tenant"] == "acme"
        for foreign in ({"a": acme, "g": globex}, {"u": untenanted}, {"g": json.dumps(globex)}):
            refused = post(f"{server.url}/decode", foreign, ACME_TOKEN)
            assert refused.status_code == 403, foreign
            assert "globex-secret" not in refused.text and "acme-secret" not in refused.text
        encode = httpx.post(
            f"{server.url}/encode",
            json={"value": 1, "tenant": "globex"},
            headers={"authorization": f"Bearer {ACME_TOKEN}"},
        )
        assert encode.status_code == 403
        everyone = post(f"{server.url}/decode", {"a": acme, "g": globex}, TOKEN)
        assert everyone.status_code == 200
        assert sorted(e["tenant"] for e in everyone.json()["opened"]) == ["acme", "globex"]
        lines = server.audit_lines()
    refusals = [line for line in lines if line["status"] == 403]
    assert [line["who"] for line in refusals] == ["acme-support"] * 4
    assert [line.get("refused_tenant") for line in refusals] == ["globex", None, "globex", "globex"]
    assert lines[0]["tenants"] == ["acme"] and lines[-1]["who"] == "oncall"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("alice: short", "at least 16"),
        ("alice token-without-colon-0123456", "expected 'name: token'"),
        (f"alice: {TOKEN}\nalice: {ACME_TOKEN}", "a name of its own"),
        (f"alice: {TOKEN}\nbob: {TOKEN}", "a token of its own"),
        ("# nobody\n", "at least one credential"),
    ],
)
def test_a_bad_credentials_file_is_refused_saying_why(text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as caught:
        Credentials.parse(text)
    assert TOKEN not in str(caught.value)
