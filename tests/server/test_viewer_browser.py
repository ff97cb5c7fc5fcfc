"""The viewer in a real headless Chromium (Debian's ``chromium``), driven by Playwright.

It pastes a document holding envelopes, reads the decrypted values from the
page, checks the marks and that no key reached the browser, and saves a
screenshot. ``VIEWER_SCREENSHOT=docs/images/viewer.png`` writes it where the
docs show it.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from inngest_codecs import Encryptor

from .conftest import KEY, OLD_KEY, TOKEN, codec_server

pytestmark = pytest.mark.slow

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None and Path("/usr/bin/chromium").exists():
        found = "/usr/bin/chromium"
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("Chromium is needed for the viewer test and CI must run it")
        pytest.skip("Chromium not found: apt-get install chromium (CI does, in .ci/run)")
    return found


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    executable = _chromium()
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


def stored_run() -> dict[str, Any]:
    aes, box = Encryptor(KEY, codec="aes-gcm"), Encryptor(OLD_KEY)
    return {
        "run_id": "01HWAVEB858VPPX47Z65GR6P6R",
        "status": "Completed",
        "event": {
            "name": "clinic/patient.registered",
            "data": {"patient_id": "p-1042", "encrypted": aes.encrypt({"name": "Maria Garcia"})},
        },
        "steps": {
            "create-record": {"data": box.encrypt({"record_id": "r-1042"})},
            "care-plan": {"data": aes.encrypt({"condition": "type 2 diabetes"})},
        },
        "output": Encryptor("a key this server does not have").encrypt("sealed"),
    }


def test_paste_decrypt_read_and_screenshot(browser: Any, tmp_path: Path) -> None:
    document = stored_run()
    encryptor = Encryptor(KEY, codec="aes-gcm", fallback_keys=[OLD_KEY])
    seen: list[bytes] = []
    with codec_server(encryptor, token=TOKEN) as server:
        context = browser.new_context(
            http_credentials={"username": "oncall", "password": TOKEN},
            viewport={"width": 1280, "height": 900},
        )
        page = context.new_page()
        page.on("response", lambda response: seen.append(response.body()))
        page.goto(server.url + "/")
        page.locator("#codec", has_text="encrypts with").wait_for()
        page.fill("#stored-input", json.dumps(document, indent=2))
        page.click("#decrypt")
        page.wait_for_selector("#decrypted .mark.opened")

        decrypted = page.inner_text("#decrypted")
        for value in ("Maria Garcia", "r-1042", "type 2 diabetes", "p-1042"):
            assert value in decrypted
        assert "Maria Garcia" not in page.inner_text("#stored")
        key_id = encryptor.codec.key_ids[0]
        badges = page.locator("#decrypted .mark.opened > .badge").all_inner_texts()
        assert sorted(badges) == sorted([f"aes-gcm · key {key_id}"] * 2 + ["secretbox"])
        paths = page.eval_on_selector_all(
            "#decrypted .mark.opened", "marks => marks.map(m => m.dataset.path)"
        )
        assert sorted(paths) == [
            "$.event.data.encrypted",
            '$.steps["care-plan"].data',
            '$.steps["create-record"].data',
        ]
        assert page.locator("#decrypted .mark.failed").count() == 1
        assert "$.output" in page.inner_text("#failures")
        assert "3 envelope(s) opened, 1 left encrypted" in page.inner_text("#status")

        screenshot = Path(os.environ.get("VIEWER_SCREENSHOT") or tmp_path / "viewer.png")
        screenshot.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(screenshot), full_page=True)
        page.click("#copy")
        page.locator("#status", has_text="copied").wait_for()
        context.close()
    assert screenshot.stat().st_size > 10_000
    everything = b"".join(seen)
    assert KEY.encode() not in everything and OLD_KEY.encode() not in everything
    assert len(server.audit_lines()) >= 4


def test_a_browser_without_the_token_gets_nothing(browser: Any) -> None:
    with codec_server(token=TOKEN) as server:
        context = browser.new_context(http_credentials={"username": "x", "password": "wrong"})
        page = context.new_page()
        statuses: list[int] = []
        page.on("response", lambda response: statuses.append(response.status))
        response = page.goto(server.url + "/")
        assert response is not None and response.status == 401
        assert "inngest-codecs viewer" not in page.content()
        assert statuses and set(statuses) == {401}
        context.close()
