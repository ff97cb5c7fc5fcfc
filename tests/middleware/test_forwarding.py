"""What arrived encrypted leaves encrypted: values matched as JSON values, strict runs, and
run state that ends with its request, however the request ends."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import Any

import flask
import httpx
import inngest
import inngest.flask
import pytest
from werkzeug.serving import make_server

from inngest_codecs import DecryptionError, EncryptionMiddleware, Encryptor
from inngest_codecs.for_inngest import events
from inngest_codecs.middleware.forwarding import RunState
from inngest_codecs.testing import StandIn, assert_no_plaintext, serve_flask

DEFAULT, ACME = "run-state-default-key", "run-state-acme-key"


@contextlib.contextmanager
def one_thread(app: flask.Flask) -> Iterator[str]:
    """Serve ``app`` on one thread, which handles every request in turn (as a reused worker)."""
    server = make_server("127.0.0.1", 0, app, threaded=False)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


def test_a_run_failed_in_a_hook_leaves_nothing_for_later_sends_on_its_thread() -> None:
    threads: set[int] = set()
    with StandIn() as server:
        client = inngest.Inngest(
            app_id="shop",
            middleware=[
                EncryptionMiddleware.factory(
                    DEFAULT,
                    tenant_keys={"acme": ACME},
                    tenant_from="data.tenant",
                    max_step_output_bytes=2000,
                )
            ],
            **server.client_options(),
        )

        @client.create_function(fn_id="export", trigger=inngest.TriggerEvent(event="shop/export"))
        def export(ctx: inngest.ContextSync) -> None:
            threads.add(threading.get_ident())
            ctx.step.run("rows", lambda: "x" * 5000)  # refused in transform_output: too large

        @client.create_function(fn_id="ping", trigger=inngest.TriggerEvent(event="shop/ping"))
        def ping(ctx: inngest.ContextSync) -> str:
            threads.add(threading.get_ident())
            return "pong"

        app = flask.Flask("run_state_app")
        inngest.flask.serve(app, client, [export, ping])

        @app.route("/note")
        def note() -> str:  # a web handler that sends, outside any run
            threads.add(threading.get_ident())
            client.send_sync(inngest.Event(name="shop/noted", data={"encrypted": "hello"}))
            return "sent"

        with one_thread(app) as base:
            url = base + "/api/inngest"
            failed = server.run(url, export.id, {"name": "shop/export", "data": {"tenant": "acme"}})
            later = server.run(url, ping.id, {"name": "shop/ping", "data": {}})
            assert httpx.get(base + "/note").text == "sent"

    assert failed.status == "failed" and "PayloadTooLargeError" in str(failed.error)
    assert later.completed, later.error
    assert len(threads) == 1, "every request ran on the same thread"
    noted = server.latest_event("shop/noted")
    assert noted is not None
    assert Encryptor(DEFAULT).decrypt(noted["data"]["encrypted"]) == "hello"
    with pytest.raises(DecryptionError):
        Encryptor(ACME).decrypt(noted["data"]["encrypted"])


def test_a_run_sends_under_its_own_state_only() -> None:
    """Two runs on one thread in turn: the second sees none of the first's opened values."""
    seen: list[Any] = []
    with StandIn() as server:
        client = inngest.Inngest(
            app_id="shop",
            middleware=[EncryptionMiddleware.factory(DEFAULT, plain_fields=["*"])],
            **server.client_options(),
        )

        @client.create_function(fn_id="relay", trigger=inngest.TriggerEvent(event="shop/relay"))
        def relay(ctx: inngest.ContextSync) -> None:
            seen.append(ctx.event.data)
            ctx.step.send_event(
                "out", inngest.Event(name="shop/out", data={"copy": ctx.event.data.get("code")})
            )

        app = flask.Flask("run_state_app_2")
        inngest.flask.serve(app, client, [relay])
        with one_thread(app) as base:
            url = base + "/api/inngest"
            sealed = events.seal_fields(Encryptor(DEFAULT), {"code": 7}, "code")
            first = server.run(url, relay.id, {"name": "shop/relay", "data": sealed})
            second = server.run(url, relay.id, {"name": "shop/relay", "data": {"code": 8}})

    assert first.completed and second.completed, (first.error, second.error)
    copies = [event["data"]["copy"] for event in server.events if event["name"] == "shop/out"]
    assert Encryptor(DEFAULT).decrypt(copies[0]) == 7, "an opened number is sent encrypted"
    assert copies[1] == 8, "a plain field of a run that opened nothing like it stays plain"


def test_values_are_matched_as_json_values_whatever_their_objects() -> None:
    state = RunState(Encryptor(DEFAULT), (), function_level=False, plain=["*"])
    state.note({"n": 7, "flag": True, "tags": ["a", None], "deep": {"y": 3, "x": [[2]]}})
    sent = {
        "same_number": 7.0,
        "same_flag": True,
        "rebuilt_list": ["a", None],
        "reordered_object": {"x": [[2]], "y": 3},
        "inner_array": [[2]],
        "null_inside": {"wrap": [None]},
        "one_is_not_true": 1,
        "false": False,
        "other_text": "b",
    }
    assert state.fields_to_seal(sent) == list(sent)[:6]


def test_a_run_that_opened_something_encrypts_every_field_not_declared_plain() -> None:
    state = RunState(Encryptor(DEFAULT), (), function_level=False, plain=["route"])
    sent = {"route": "eu", "total": 12}
    assert state.fields_to_seal(sent) == [], "nothing opened: nothing to pass on"
    state.note({"secret": "s"})
    assert state.fields_to_seal(sent) == ["total"]
    assert state.fields_to_seal({"route": {"copy": "s"}}) == ["route"], "plain, but holds a secret"


def test_an_error_message_that_arrived_encrypted_is_not_passed_on_in_plaintext() -> None:
    secret = "card 4111-0000-err declined"
    with StandIn() as server:
        factory = EncryptionMiddleware.factory(DEFAULT, encrypt_errors=True)
        client = inngest.Inngest(app_id="shop", middleware=[factory], **server.client_options())

        def charge() -> None:
            raise ValueError(secret)

        @client.create_function(
            fn_id="relay", trigger=inngest.TriggerEvent(event="shop/pay"), retries=0
        )
        def relay(ctx: inngest.ContextSync) -> None:
            try:
                ctx.step.run("charge", charge)
            except inngest.StepError as error:
                event = inngest.Event(name="shop/failed", data={"reason": error.message})
                ctx.step.send_event("report", event)

        with serve_flask(client, [relay]) as app:
            run = server.run(app.url, relay.id, {"name": "shop/pay", "data": {}})

    assert run.completed, run.error
    reported = server.latest_event("shop/failed")
    assert reported is not None
    assert Encryptor(DEFAULT).decrypt(reported["data"]["reason"]) == secret
    assert_no_plaintext(server.recorder, secret)
