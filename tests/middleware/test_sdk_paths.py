"""The SDK's paths no middleware hook sees: realtime publishing and remote state."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import inngest
import pytest
from inngest.experimental import realtime
from inngest.experimental.remote_state_middleware import InMemoryDriver, RemoteStateMiddleware

from inngest_codecs import EncryptionMiddleware, Encryptor
from inngest_codecs.envelope import is_envelope
from inngest_codecs.errors import PlaintextRefusedError
from inngest_codecs.middleware import realtime as encrypted_realtime
from inngest_codecs.testing import StandIn, assert_no_plaintext, serve_flask

KEY = "sdk-paths-key"


def published(server: StandIn) -> list[Any]:
    return [
        json.loads(exchange.body)
        for exchange in server.recorder
        if exchange.target.startswith("/v1/realtime/publish")
    ]


def test_plaintext_realtime_messages_are_refused_and_encrypted_ones_open() -> None:
    secret, allowed = "progress of order 77-secret", "public progress 50%"
    seen: list[str] = []
    with StandIn() as server:
        client = inngest.Inngest(
            app_id="live",
            middleware=[EncryptionMiddleware.factory(KEY)],
            **server.client_options(),
        )

        @client.create_function(fn_id="track", trigger=inngest.TriggerEvent(event="live/track"))
        def track(ctx: inngest.ContextSync) -> str:
            try:
                realtime.publish_sync(client, "orders", "progress", {"text": secret})
            except PlaintextRefusedError as error:
                seen.append(str(error))
            encrypted_realtime.publish_sync(client, "orders", "progress", {"text": secret})
            with encrypted_realtime.plaintext_allowed():
                realtime.publish_sync(client, "orders", "public", {"text": allowed})
            return "done"

        with serve_flask(client, [track]) as app:
            run = server.run(app.url, track.id, {"name": "live/track", "data": {}})
        with pytest.raises(PlaintextRefusedError, match="plaintext_allowed"):
            realtime.publish_sync(client, "orders", "progress", {"text": secret})
        with pytest.raises(PlaintextRefusedError, match="plaintext_allowed"):
            asyncio.run(realtime.publish(client, "orders", "progress", {"text": secret}))
        asyncio.run(encrypted_realtime.publish(client, "orders", "later", {"text": secret}))

    assert run.completed, run.error
    assert len(seen) == 1 and "refused, nothing was sent" in seen[0] and secret not in seen[0]
    sealed, public, later = published(server)
    assert is_envelope(sealed) and Encryptor(KEY).decrypt(sealed) == {"text": secret}
    assert public == {"text": allowed}
    assert is_envelope(later) and Encryptor(KEY).decrypt(later) == {"text": secret}
    assert_no_plaintext(server.recorder, secret)


def test_decrypt_only_leaves_realtime_messages_as_they_are() -> None:
    with StandIn() as server:
        factory = EncryptionMiddleware.factory(KEY, decrypt_only=True)
        client = inngest.Inngest(app_id="live", middleware=[factory], **server.client_options())
        client.send_sync(inngest.Event(name="live/started", data={}))  # served by the middleware
        realtime.publish_sync(client, "orders", "public", {"text": "hello"})
    assert published(server) == [{"text": "hello"}]


def remote_state_run(order: str) -> tuple[Any, InMemoryDriver, StandIn]:
    driver = InMemoryDriver()
    remote = RemoteStateMiddleware.factory(driver)
    ours = EncryptionMiddleware.factory(KEY)
    secret = "remote-state-secret-ssn"
    with StandIn() as server:
        client = inngest.Inngest(
            app_id="remote",
            middleware=[remote, ours] if order == "remote first" else [ours, remote],
            **server.client_options(),
        )

        @client.create_function(
            fn_id="keep", trigger=inngest.TriggerEvent(event="remote/keep"), retries=0
        )
        def keep(ctx: inngest.ContextSync) -> str:
            value = ctx.step.run("load", lambda: {"ssn": secret})
            return "kept" if value == {"ssn": secret} else "lost"

        with serve_flask(client, [keep]) as app:
            run = server.run(app.url, keep.id, {"name": "remote/keep", "data": {}}, max_calls=4)
    assert_no_plaintext(server.recorder, secret)
    return run, driver, server


def test_remote_state_before_encryption_stores_only_ciphertext() -> None:
    run, driver, _ = remote_state_run("remote first")
    assert run.completed, run.error
    assert Encryptor(KEY).decrypt(run.output) == "kept"
    assert driver._data and all(is_envelope(value) for value in driver._data.values())


def test_remote_state_after_encryption_is_refused_before_anything_is_stored() -> None:
    run, driver, _ = remote_state_run("ours first")
    assert not run.completed
    assert "RemoteStateMiddleware is registered after EncryptionMiddleware" in str(run.error)
    assert "offload_store" in str(run.error)
    assert driver._data == {}, "nothing reached the remote store"
