"""The real SDK over real HTTP, against the stand-in server, with the middleware installed."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import inngest
import pytest
from inngest_encryption.main import EncryptionMiddleware as Official

from inngest_codecs import EncryptionMiddleware, Encryptor
from inngest_codecs.envelope import is_envelope
from inngest_codecs.testing import (
    StandIn,
    assert_no_plaintext,
    call_request,
    serve_django,
    serve_fastapi,
    serve_flask,
)

from .app import SECRETS, build

pytestmark = pytest.mark.slow

KEY = "e2e-key"
SERVERS = {"flask": serve_flask, "fastapi": serve_fastapi}


@pytest.fixture
def stand_in() -> Iterator[StandIn]:
    with StandIn() as server:
        yield server


def opener(codec: str) -> Callable[[Any], Any]:
    """Opens a stored value with a decryptor independent of the middleware under test."""
    if codec == "secretbox":
        client = inngest.Inngest(app_id="reader", is_production=False)
        return Official(client, None, KEY)._decrypt  # type: ignore[no-any-return]
    return Encryptor(KEY, codec="aes-gcm").decrypt


@pytest.mark.parametrize("codec", ["secretbox", "aes-gcm"])
@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
@pytest.mark.parametrize("framework", sorted(SERVERS))
def test_flow_is_plain_inside_and_encrypted_on_the_wire(
    stand_in: StandIn, framework: str, is_async: bool, codec: str
) -> None:
    client = inngest.Inngest(
        app_id="shop",
        middleware=[EncryptionMiddleware.factory(KEY, codec=codec)],
        **stand_in.client_options(),
    )
    seen: list[Any] = []
    checkout, receipt = build(client, is_async=is_async, seen=seen)
    with SERVERS[framework](client, [checkout, receipt]) as app:
        client.send_sync(
            inngest.Event(
                name="shop/checkout",
                data={
                    "encrypted": {"card": SECRETS["card"], "name": SECRETS["name"]},
                    "region": "eu",
                },
            )
        )
        client.send_sync(
            inngest.Event(name="shop/approved", data={"encrypted": {"by": SECRETS["approval"]}})
        )
        run = stand_in.run(app.url, checkout.id, stand_in.latest_event("shop/checkout"))

    assert run.completed, run.error
    expected = {
        "charged": {"charged": "1111", "card": SECRETS["card"]},
        "child": {"receipt_for": SECRETS["child"], "note": SECRETS["child_out"]},
        "name": SECRETS["name"],
    }
    # The function saw plaintext at every point.
    assert (
        "event",
        {"encrypted": {"card": SECRETS["card"], "name": SECRETS["name"]}, "region": "eu"},
    ) in seen
    assert ("step", expected["charged"]) in seen
    assert ("invoke", expected["child"]) in seen
    assert ("wait", {"encrypted": {"by": SECRETS["approval"]}}) in seen
    child_events = [data for kind, data in seen if kind == "child event"]
    assert child_events and child_events[0]["encrypted"] == {"customer": SECRETS["child"]}

    # Nothing sensitive reached the server, while plain fields stayed readable.
    assert_no_plaintext(stand_in.recorder, *SECRETS.values())
    stored_event = stand_in.latest_event("shop/checkout")
    assert stored_event is not None and stored_event["data"]["region"] == "eu"

    # Every stored value opens with an independent decryptor.
    open_value = opener(codec)
    assert open_value(run.output) == expected
    stored_steps = [
        v["data"] for v in run.steps.values() if isinstance(v, dict) and set(v) == {"data"}
    ]
    assert stored_steps and all(is_envelope(value) for value in stored_steps)
    opened = [open_value(value) for value in stored_steps]
    assert expected["charged"] in opened
    assert expected["child"] in opened
    assert open_value(stored_event["data"]["encrypted"])["card"] == SECRETS["card"]


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
@pytest.mark.parametrize("framework", sorted(SERVERS))
def test_unsigned_and_stale_requests_are_refused(
    stand_in: StandIn, framework: str, is_async: bool
) -> None:
    client = inngest.Inngest(
        app_id="shop", middleware=[EncryptionMiddleware.factory(KEY)], **stand_in.client_options()
    )
    calls: list[int] = []
    trigger = inngest.TriggerEvent(event="shop/guarded")
    if is_async:

        @client.create_function(fn_id="guarded", trigger=trigger)
        async def guarded(ctx: inngest.Context) -> str:
            calls.append(1)
            return "ran"

    else:

        @client.create_function(fn_id="guarded", trigger=trigger)
        def guarded(ctx: inngest.ContextSync) -> str:  # type: ignore[misc]
            calls.append(1)
            return "ran"

    secret = Encryptor(KEY).encrypt("should never be decrypted for a stale request")
    payload = call_request(
        {"name": "shop/guarded", "data": {"encrypted": secret}, "id": "e1", "ts": 1}
    )
    with SERVERS[framework](client, [guarded]) as app:
        unsigned = stand_in.call(app.url, guarded.id, payload, signed=False)
        stale = stand_in.call(app.url, guarded.id, payload, timestamp=int(time.time()) - 3600)
        forged = stand_in.call(
            app.url, guarded.id, payload, signing_key="signkey-test-" + "ab" * 32
        )
        fresh = stand_in.call(app.url, guarded.id, payload)

    assert unsigned.status_code >= 400
    assert forged.status_code >= 400
    assert stale.status_code >= 400
    # Retriable: Inngest sends a genuine request again, freshly signed.
    assert stale.headers.get("x-inngest-no-retry") != "true"
    assert "max_signature_age" in json.dumps(stale.json())
    assert fresh.status_code == 200 and is_envelope(fresh.json())
    assert calls == [1]


def test_django_serve_handler(stand_in: StandIn) -> None:
    client = inngest.Inngest(
        app_id="shop",
        middleware=[EncryptionMiddleware.factory(KEY, codec="aes-gcm")],
        **stand_in.client_options(),
    )
    seen: list[Any] = []
    checkout, receipt = build(client, is_async=False, seen=seen)
    with serve_django(client, [checkout, receipt]) as app:
        client.send_sync(
            inngest.Event(
                name="shop/checkout", data={"encrypted": {"card": SECRETS["card"], "name": "n"}}
            )
        )
        run = stand_in.run(app.url, checkout.id, stand_in.latest_event("shop/checkout"))
    assert run.completed, run.error
    assert ("step", {"charged": "1111", "card": SECRETS["card"]}) in seen
    assert_no_plaintext(stand_in.recorder, SECRETS["card"], SECRETS["child"], SECRETS["child_out"])
    assert opener("aes-gcm")(run.output)["charged"]["card"] == SECRETS["card"]
