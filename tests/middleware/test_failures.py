"""What a value that cannot be opened does to a run: retry, end it, or keep the value."""

from __future__ import annotations

import base64
import logging
from typing import Any

import inngest
import pytest
from inngest.experimental import mocked

from inngest_codecs import EncryptionMiddleware, Encryptor
from inngest_codecs.envelope import DATA, is_envelope
from inngest_codecs.for_inngest import events
from inngest_codecs.testing import StandIn, serve_flask

from .conftest import KEY, MakeClient, event

pytestmark = pytest.mark.slow

WRONG_KEY = "someone else's key"


def altered(sealed: dict[str, Any]) -> dict[str, Any]:
    blob = bytearray(base64.b64decode(sealed[DATA]))
    blob[-1] ^= 1
    return {**sealed, DATA: base64.b64encode(bytes(blob)).decode()}


CASES = {
    # A configuration change can fix these: the run is retried.
    "key-not-configured": (lambda: Encryptor(WRONG_KEY, codec="aes-gcm").encrypt("x"), True),
    "strategy-not-installed": (
        lambda: {"__ENCRYPTED__": True, "__STRATEGY__": "acme/unknown", "data": "AAAA"},
        True,
    ),
    # No configuration could ever open these: the run ends at once.
    "bad-base64": (
        lambda: {"__ENCRYPTED__": True, "__STRATEGY__": "inngest/libsodium", "data": "!!"},
        False,
    ),
    "altered": (lambda: altered(Encryptor(KEY, codec="aes-gcm").encrypt("x")), False),
    "not-json-inside": (
        lambda: (
            Encryptor(KEY, codec="aes-gcm").encrypt("x")
            | {DATA: base64.b64encode(Encryptor(KEY, codec="aes-gcm").codec.encrypt(b"{")).decode()}
        ),
        False,
    ),
}


def trigger(client: mocked.Inngest, sealed: dict[str, Any]) -> tuple[Any, list[object]]:
    seen: list[object] = []

    @client.create_function(fn_id="f", trigger=inngest.TriggerEvent(event="app/test"), retries=2)
    def fn(ctx: inngest.ContextSync) -> None:
        seen.append(ctx.event.data)

    return mocked.trigger(fn, event({"encrypted": sealed}), client), seen


@pytest.mark.parametrize("case", sorted(CASES))
def test_fixable_failures_retry_and_permanent_ones_end_the_run(
    make_client: MakeClient, case: str
) -> None:
    make, retriable = CASES[case]
    result, seen = trigger(make_client(codec="aes-gcm", fallback_keys=["second"]), make())
    assert result.status is mocked.Status.FAILED and seen == []
    assert isinstance(result.error, inngest.NonRetriableError) is not retriable
    message = str(result.error)
    assert KEY not in message and "second" not in message and WRONG_KEY not in message
    if case == "key-not-configured":
        wrong_id = Encryptor(WRONG_KEY, codec="aes-gcm").codec.key_ids[0]
        assert f"key id {wrong_id}" in message and "not configured" in message
    if case == "strategy-not-installed":
        assert "acme/unknown" in message


def test_fail_policy_ends_the_run_on_any_failure(make_client: MakeClient) -> None:
    make, _ = CASES["key-not-configured"]
    client = make_client(codec="aes-gcm", on_decryption_failure="fail")
    result, _ = trigger(client, make())
    assert isinstance(result.error, inngest.NonRetriableError)


def test_keep_policy_hands_the_envelope_to_the_function(
    make_client: MakeClient, caplog: pytest.LogCaptureFixture
) -> None:
    make, _ = CASES["strategy-not-installed"]
    sealed = make()
    with caplog.at_level(logging.WARNING, logger="inngest_codecs"):
        result, seen = trigger(make_client(on_decryption_failure="keep"), sealed)
    assert result.status is mocked.Status.COMPLETED
    assert seen == [{"encrypted": sealed}]
    assert "on_decryption_failure=keep" in caplog.text and "acme/unknown" in caplog.text


def test_the_forgotten_fallback_key_drill() -> None:
    """Data under key A reaches workers that only know key B, then a redeploy adds A."""
    old, new = "key-A", "key-B"

    def deploy(server: StandIn, *fallbacks: str) -> tuple[inngest.Inngest, Any]:
        client = inngest.Inngest(
            app_id="drill",
            middleware=[EncryptionMiddleware.factory(new, fallback_keys=list(fallbacks))],
            **server.client_options(),
        )

        @client.create_function(fn_id="bill", trigger=inngest.TriggerEvent(event="drill/bill"))
        def bill(ctx: inngest.ContextSync) -> str:
            card = ctx.step.run("card", lambda: ctx.event.data["encrypted"]["card"])
            return f"billed {card[-4:]}"

        return client, bill

    with StandIn(max_attempts=5) as server:
        sealed = events.seal_fields(Encryptor(old), {"encrypted": {"card": "4111-0000"}})
        client, bill = deploy(server)
        with serve_flask(client, [bill]) as app:
            run = server.run(app.url, bill.id, {"name": "drill/bill", "data": sealed}, max_calls=2)
        assert run.running and run.steps == {}  # both attempts failed, and will be retried

        fixed, bill_fixed = deploy(server, old)
        with serve_flask(fixed, [bill_fixed]) as app:
            server.resume(app.url, run)
        assert run.completed, run.error
        assert Encryptor(new).decrypt(run.output) == "billed 0000"

        malformed = {"encrypted": CASES["bad-base64"][0]()}
        with serve_flask(fixed, [bill_fixed]) as app:
            broken = server.run(app.url, bill.id, {"name": "drill/bill", "data": malformed})
        assert broken.status == "failed" and broken.requests == 1
        assert "EncodingError" in str(broken.error)
        assert is_envelope(malformed["encrypted"])
