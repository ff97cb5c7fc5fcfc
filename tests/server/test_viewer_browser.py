"""The viewer in a real headless Chromium (Debian's ``chromium``), driven by Playwright.

It pastes a document holding envelopes, reads the decrypted values from the
page, checks the marks and that no key reached the browser, and saves a
screenshot. ``VIEWER_SCREENSHOT=docs/images/viewer.png`` writes it where the
docs show it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from inngest_codecs import Encryptor
from inngest_codecs.for_inngest import sealed_errors
from inngest_codecs.for_inngest.rest_api import InngestAPI
from inngest_codecs.testing import serve_asgi

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
    with codec_server(encryptor) as server:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        sign_in(page, server.url)
        page.on("response", lambda response: seen.append(response.body()))
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
        assert page.inner_text("#shown").startswith("Pasted document · fetched ")

        screenshot = Path(os.environ.get("VIEWER_SCREENSHOT") or tmp_path / "viewer.png")
        screenshot.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(screenshot), full_page=True)
        page.click("#copy")
        page.locator("#status", has_text="copied").wait_for()
        context.close()
    assert screenshot.stat().st_size > 10_000
    everything = b"".join(seen)
    assert KEY.encode() not in everything and OLD_KEY.encode() not in everything
    assert {line["who"] for line in server.audit_lines()} == {"oncall"}


def sign_in(page: Any, url: str, token: str = TOKEN) -> None:
    page.goto(f"{url}/login?token={token}")
    page.locator("#codec", has_text="signed in as oncall").wait_for()


def test_a_browser_without_a_credential_gets_nothing(browser: Any) -> None:
    with codec_server() as server:
        context = browser.new_context()
        page = context.new_page()
        statuses: list[int] = []
        page.on("response", lambda response: statuses.append(response.status))
        response = page.goto(server.url + "/")
        assert response is not None and response.status == 401
        assert "inngest-codecs viewer" not in page.content()
        wrong = page.goto(server.url + "/login?token=" + "w" * 20)
        assert wrong is not None and wrong.status == 401
        assert statuses and set(statuses) == {401}
        context.close()


def test_an_error_never_leaves_the_previous_result_on_screen(browser: Any) -> None:
    secret = {"patient": "Maria Garcia"}

    async def no_such_run(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 404, "headers": []})
        await send({"type": "http.response.body", "body": b'{"error": "run not found"}'})

    with serve_asgi(no_such_run) as api_url, codec_server(api=InngestAPI(api_url)) as server:
        context = browser.new_context()
        context.grant_permissions(["clipboard-read", "clipboard-write"])
        page = context.new_page()
        sign_in(page, server.url)
        page.fill("#stored-input", json.dumps({"v": Encryptor(KEY).encrypt(secret)}))
        page.click("#decrypt")
        page.wait_for_selector("#decrypted .mark.opened")
        assert "Maria Garcia" in page.inner_text("#decrypted")
        assert page.is_enabled("#copy")

        page.fill("#stored-input", '{"v": {"__ENCRYPTED__": true, "data": "trunc')  # cut short
        page.click("#decrypt")
        page.locator("#status.error").wait_for()
        assert page.inner_text("#decrypted") == "" and page.inner_text("#stored") == ""
        assert page.is_disabled("#copy") and page.inner_text("#shown") == ""
        assert "Maria Garcia" not in page.content()

        page.fill("#stored-input", json.dumps({"v": Encryptor(KEY).encrypt(secret)}))
        page.click("#decrypt")
        page.wait_for_selector("#decrypted .mark.opened")
        page.select_option("#lookup-kind", "run")
        page.fill("#lookup-id", "01HWUNKNOWN")
        page.click("#lookup")
        page.locator("#status.error", has_text="has no run 01HWUNKNOWN").wait_for()
        assert page.inner_text("#decrypted") == "" and page.is_disabled("#copy")
        assert "Maria Garcia" not in page.content()
        context.close()


def test_sealed_error_text_as_displayed_opens_in_the_viewer(browser: Any) -> None:
    message, _ = sealed_errors.seal(Encryptor(KEY).encrypt, "card declined", "Error\n  at pay")
    with codec_server() as server:
        context = browser.new_context()
        page = context.new_page()
        sign_in(page, server.url)
        page.fill("#stored-input", message)
        page.click("#decrypt")
        page.wait_for_selector("#decrypted .mark.opened")
        shown = page.inner_text("#decrypted")
        assert "card declined" in shown
        assert "Error\\n\n" in shown  # the stack on real lines
        context.close()


def test_deep_links_look_up_a_run_and_the_header_names_it(browser: Any) -> None:
    sealed = Encryptor(KEY).encrypt({"total": 42, "last_step": "charge-card"})
    hashed = hashlib.sha1(b"charge-card").hexdigest()  # how Inngest keys a step's state

    async def run(scope: Any, receive: Any, send: Any) -> None:
        run_id = scope["path"].rsplit("/", 1)[-1]
        stored = {"run_id": run_id, "output": sealed, "steps": {hashed: {"data": 1}}}
        body = json.dumps({"data": stored}).encode()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": body})

    with serve_asgi(run) as api_url, codec_server(api=InngestAPI(api_url)) as server:
        context = browser.new_context()
        page = context.new_page()
        page.goto(f"{server.url}/login?token={TOKEN}&next=/%3Frun%3D01HWDEEPLINK")
        page.wait_for_selector("#decrypted .mark.opened")
        assert page.inner_text("#shown").startswith("Run 01HWDEEPLINK · fetched ")
        assert '"total": 42' in page.inner_text("#decrypted")
        assert page.locator("#stored .step").all_inner_texts() == ['step "charge-card"']
        assert page.is_hidden("#runs-choice")
        page.select_option("#lookup-kind", "event")
        assert page.is_visible("#runs-choice")
        context.close()


def test_five_thousand_envelopes_render_into_each_pane_at_once(browser: Any) -> None:
    """What keeps 5,000 envelopes fast to render: each pane is built detached and attached
    in one change, so the page lays out once, not once per value. Counted, not timed (the
    time is printed: 0.4 s here; the suite asserts no time, a busy machine decides those)."""
    encryptor = Encryptor(KEY)
    steps = [{"id": f"s{i}", "data": encryptor.encrypt({"n": i})} for i in range(5000)]
    document = {"steps": steps}
    with codec_server(max_body=16 << 20) as server:
        context = browser.new_context()
        page = context.new_page()
        sign_in(page, server.url)
        page.fill("#stored-input", json.dumps(document))
        page.evaluate(
            """() => {
                window.changes = 0;
                const count = (records) => { window.changes += records.length; };
                for (const id of ["stored", "decrypted"]) {
                    new MutationObserver(count).observe(document.getElementById(id),
                        {childList: true, subtree: true});
                }
            }"""
        )
        page.evaluate("delete document.body.dataset.renderMs")
        page.click("#decrypt")
        page.wait_for_selector("body[data-render-ms]", timeout=120_000)
        took = page.eval_on_selector("body", "b => b.dataset.renderMs")
        print(f"\nviewer: 5000 envelopes rendered in {took} ms")
        assert "5000 envelope(s) opened" in page.inner_text("#status")
        assert page.locator("#decrypted .mark.opened").count() == 5000
        # Cleared once and filled once per pane: a per-value append would count thousands.
        assert page.evaluate("window.changes") <= 4
        context.close()


def test_keyboard_reaches_every_control(browser: Any) -> None:
    with codec_server() as server:
        context = browser.new_context(color_scheme="dark")
        page = context.new_page()
        sign_in(page, server.url)
        reached = set()
        for _ in range(12):
            page.keyboard.press("Tab")
            reached.add(page.evaluate("document.activeElement.id"))
        assert {"stored-input", "decrypt", "lookup-kind", "lookup-id", "stored"} <= reached
        background = page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert background == "rgb(13, 17, 23)"  # the dark scheme
        context.close()
