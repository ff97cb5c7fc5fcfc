"""Function level: Python and TypeScript functions read each other's encrypted data."""

from __future__ import annotations

import base64
from typing import Any

import inngest
import pytest
from inngest.experimental import mocked

from inngest_codecs import EncryptionMiddleware, Encryptor
from inngest_codecs.envelope import build, is_envelope
from inngest_codecs.testing import StandIn

from .conftest import Bridge

pytestmark = pytest.mark.slow

KEY = "cross-language key"
CARD = "4111-1111-1111-1111"


def test_python_event_drives_a_typescript_function(node: Bridge) -> None:
    with StandIn() as server:
        client = inngest.Inngest(
            app_id="py-producer",
            middleware=[EncryptionMiddleware.factory(KEY)],
            **server.client_options(),
        )
        client.send_sync(inngest.Event(name="shop/checkout", data={"encrypted": {"card": CARD}}))
        stored = server.latest_event("shop/checkout")
    assert stored is not None and is_envelope(stored["data"]["encrypted"])

    ran = node.call("function.run", key=KEY, event={"name": stored["name"], "data": stored["data"]})
    assert ran["seen"][0] == {"encrypted": {"card": CARD}}, "TypeScript saw plaintext"
    assert ran["sent"] and all(is_envelope(output) for output in ran["sent"])
    encryptor = Encryptor(KEY)
    assert encryptor.decrypt(ran["sent"][0]) == {"card": CARD}
    assert is_envelope(ran["result"])
    assert encryptor.decrypt(ran["result"]) == {
        "charged": {"card": CARD},
        "note": "from TypeScript",
    }


def test_typescript_data_opens_in_a_python_function(node: Bridge) -> None:
    ts_event_field = build(
        "inngest/libsodium",
        base64.b64decode(node.call("libsodium.encrypt", keys=[KEY], value={"card": CARD})),
    )
    ts_run = node.call(
        "function.run",
        key=KEY,
        event={"name": "shop/checkout", "data": {"encrypted": {"card": CARD}}},
    )
    ts_step_output = ts_run["sent"][0]

    client = mocked.Inngest(
        app_id="py-consumer", is_production=False, middleware=[EncryptionMiddleware.factory(KEY)]
    )
    seen: list[Any] = []

    @client.create_function(fn_id="consume", trigger=inngest.TriggerEvent(event="shop/checkout"))
    def consume(ctx: inngest.ContextSync) -> Any:
        seen.append(ctx.event.data)
        charged = ctx.step.run("charge", lambda: {"unexpected": "re-run"})
        seen.append(charged)
        return charged

    result = mocked.trigger(
        consume,
        inngest.Event(name="shop/checkout", data={"encrypted": ts_event_field}),
        client,
        step_stubs={"charge": ts_step_output},
    )
    assert result.error is None
    assert {"card": CARD} in seen, "the TypeScript step output opened"
    assert all(s in ({"encrypted": {"card": CARD}}, {"card": CARD}) for s in seen)
    assert Encryptor(KEY).decrypt(result.output) == {"card": CARD}
