"""Replayed, skewed and doubly signed requests, on every serve adapter the SDK ships, over HTTP."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any

import httpx
import inngest
import jcs
import pytest

from inngest_codecs import EncryptionMiddleware, Encryptor
from inngest_codecs.envelope import is_envelope
from inngest_codecs.middleware.requests import SignedRequest, signatures_of
from inngest_codecs.testing import (
    ServedApp,
    StandIn,
    call_request,
    serve_digital_ocean,
    serve_django,
    serve_fastapi,
    serve_flask,
    serve_tornado,
    sign,
)

pytestmark = pytest.mark.slow

KEY = "request-test-key"
SECRET = "decrypted-only-for-fresh-requests"
Serve = Callable[[inngest.Inngest, list[Any]], AbstractContextManager[ServedApp]]
ADAPTERS: dict[str, Serve] = {
    "flask": serve_flask,
    "fastapi": serve_fastapi,
    "django": serve_django,
    "tornado": serve_tornado,
    "digital_ocean": serve_digital_ocean,
}


@pytest.fixture(scope="module")
def stand_in() -> Iterator[StandIn]:
    with StandIn() as server:
        yield server


class App:
    """One function served by one adapter; records every call that reached the function."""

    def __init__(self, stand_in: StandIn, adapter: str, **options: Any) -> None:
        self.stand_in = stand_in
        self.seen: list[Any] = []
        self.client = inngest.Inngest(
            app_id="guarded",
            middleware=[EncryptionMiddleware.factory(KEY, **options)],
            **stand_in.client_options(),
        )

        @self.client.create_function(
            fn_id="guarded", trigger=inngest.TriggerEvent(event="app/guarded")
        )
        def guarded(ctx: inngest.ContextSync) -> str:
            self.seen.append(ctx.event.data)
            return "ran"

        self.function = guarded
        self.serve = ADAPTERS[adapter]
        self.payload = call_request(
            {"name": "app/guarded", "data": {"encrypted": Encryptor(KEY).encrypt(SECRET)}}
        )

    def post(self, url: str, *signatures: str) -> httpx.Response:
        body = jcs.canonicalize(self.payload)
        headers = [("content-type", "application/json"), ("x-inngest-server-kind", "cloud")]
        headers += [("x-inngest-signature", value) for value in signatures]
        params = {"fnId": self.function.id, "stepId": "step"}
        return httpx.post(url, params=params, content=body, headers=headers, timeout=30)

    def signature(self, age: int) -> str:
        body = jcs.canonicalize(self.payload)
        return sign(body, self.stand_in.signing_key, int(time.time()) - age)


def assert_refused_retriably(response: httpx.Response, app: App, *phrases: str) -> None:
    assert response.status_code == 500, response.text
    assert response.headers.get("x-inngest-no-retry") != "true"
    for phrase in phrases:
        assert phrase in response.text
    assert SECRET not in response.text
    assert app.seen == []


@pytest.mark.parametrize("adapter", sorted(ADAPTERS))
def test_fresh_requests_run_and_stale_or_skewed_ones_are_refused_retriably(
    stand_in: StandIn, adapter: str
) -> None:
    app = App(stand_in, adapter)
    with app.serve(app.client, [app.function]) as served:
        stale = app.post(served.url, app.signature(age=3600))
        assert_refused_retriably(stale, app, "s ago, more than max_signature_age (300 s)")
        future = app.post(served.url, app.signature(age=-400))
        assert_refused_retriably(future, app, "s in the future", "clock is behind")
        fresh = app.post(served.url, app.signature(age=0))
    assert fresh.status_code == 200, fresh.text
    assert is_envelope(fresh.json())
    assert app.seen == [{"encrypted": SECRET}]


@pytest.mark.parametrize("adapter", sorted(ADAPTERS))
def test_a_second_signature_header_is_refused(stand_in: StandIn, adapter: str) -> None:
    """A captured, genuinely signed request replayed behind a fake fresh signature."""
    app = App(stand_in, adapter)
    fake = f"t={int(time.time())}&s={'0' * 64}"
    with app.serve(app.client, [app.function]) as served:
        replayed = app.post(served.url, fake, app.signature(age=3600))
        reordered = app.post(served.url, app.signature(age=3600), fake)
    for response in (replayed, reordered):
        assert response.status_code >= 400
    assert app.seen == []


@pytest.mark.parametrize("adapter", ["fastapi", "digital_ocean"])
def test_allowed_skew_and_age_are_settings(stand_in: StandIn, adapter: str) -> None:
    app = App(stand_in, adapter, max_clock_skew=600, max_signature_age=7200)
    with app.serve(app.client, [app.function]) as served:
        future = app.post(served.url, app.signature(age=-400))
        old = app.post(served.url, app.signature(age=3600))
    assert future.status_code == 200 and old.status_code == 200
    unchecked = App(stand_in, adapter, max_signature_age=None)
    with unchecked.serve(unchecked.client, [unchecked.function]) as served:
        ancient = unchecked.post(served.url, unchecked.signature(age=86_400))
    assert ancient.status_code == 200


def test_duplicate_header_forms_count_as_several_signatures() -> None:
    class Headers(dict[str, str]):
        pass

    class Request:
        def __init__(self, headers: Any) -> None:
            self.headers = headers

    joined = Request({"X-Inngest-Signature": "t=1&s=a, t=2&s=b"})  # as WSGI joins them
    both = {"X-Inngest-Signature": "a", "x-inngest-signature": "b"}
    cased = {"event": {"http": {"headers": both}}}
    assert signatures_of(joined) == ["t=1&s=a", "t=2&s=b"]
    assert signatures_of(cased) == ["a", "b"]
    assert signatures_of(Request(Headers())) == []


def test_unreadable_signatures_fail_closed_and_connect_is_exempt() -> None:
    unreadable = SignedRequest(object())
    with pytest.raises(Exception, match="cannot be read"):
        unreadable.check(max_age=300, max_skew=300)

    class GatewayExecutorRequestData:  # the shape Inngest Connect hands the middleware
        pass

    SignedRequest(GatewayExecutorRequestData()).check(max_age=300, max_skew=300)
