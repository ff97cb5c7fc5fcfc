"""Flow control keyed on a blind index works on the events as Inngest receives them.

The expressions are taken from the function configuration the SDK registers with
Inngest, and from the wait_for_event opcode it sends; a CEL evaluator (cel-python)
evaluates them, as Inngest does, against the events the stand-in server stored.
"""

from __future__ import annotations

import datetime
import json
from typing import Any

import celpy
import inngest
import pytest

from inngest_codecs import EncryptionMiddleware
from inngest_codecs.index import blind_index
from inngest_codecs.testing import StandIn, assert_no_plaintext, serve_flask

pytestmark = pytest.mark.slow

KEY = "flow-control-key"
BY_CUSTOMER = "event.data.customer_idx"
SAME_CUSTOMER = "event.data.customer_idx == async.data.customer_idx"
INDEXES = {
    "customer": {
        "from": "data.encrypted.email",
        "to": "data.customer_idx",
        "normalize": ["trim", "lower"],
    }
}
ANA, BEN = "ana@example.com", "ben@example.com"
MINUTE = datetime.timedelta(minutes=1)


def evaluate(expression: str, **bindings: Any) -> Any:
    environment = celpy.Environment()
    program = environment.program(environment.compile(expression))
    return program.evaluate({name: celpy.json_to_cel(value) for name, value in bindings.items()})


def shop(server: StandIn) -> tuple[inngest.Inngest, list[inngest.Function[Any]]]:
    client = inngest.Inngest(
        app_id="shop",
        middleware=[EncryptionMiddleware.factory(KEY, indexes=INDEXES)],
        **server.client_options(),
    )

    def handler(ctx: inngest.ContextSync) -> Any:
        paid = ctx.step.wait_for_event(
            "paid", event="shop/paid", if_exp=SAME_CUSTOMER, timeout=MINUTE
        )
        return paid is not None

    order = inngest.TriggerEvent(event="shop/order")
    limited = client.create_function(
        fn_id="fulfil",
        trigger=order,
        concurrency=[inngest.Concurrency(limit=1, key=BY_CUSTOMER)],
        throttle=inngest.Throttle(limit=10, period=MINUTE, key=BY_CUSTOMER),
        debounce=inngest.Debounce(period=MINUTE, key=BY_CUSTOMER),
        idempotency=BY_CUSTOMER,
        cancel=[inngest.Cancel(event="shop/cancelled", if_exp=SAME_CUSTOMER)],
    )(handler)
    rated = client.create_function(
        fn_id="receipt",
        trigger=order,
        rate_limit=inngest.RateLimit(limit=1, period=MINUTE, key=BY_CUSTOMER),
        batch_events=inngest.Batch(max_size=10, timeout=MINUTE, key=BY_CUSTOMER),
    )(handler)
    return client, [limited, rated]


def registered(function: inngest.Function[Any]) -> dict[str, Any]:
    """The function's configuration as the SDK registers it with Inngest."""
    config: dict[str, Any] = function.get_config("http://127.0.0.1").main.to_dict()
    return config


def test_every_key_expression_groups_events_by_customer_and_only_by_customer() -> None:
    with StandIn() as server:
        client, (limited, rated) = shop(server)
        for email in (ANA, f"  {ANA.upper()} ", BEN):
            data = {"encrypted": {"email": email, "items": 3}}
            client.send_sync(inngest.Event(name="shop/order", data=data))
        client.send_sync(inngest.Event(name="shop/cancelled", data={"encrypted": {"email": BEN}}))
        orders = [e for e in server.events if e["name"] == "shop/order"]
        (cancelled,) = [e for e in server.events if e["name"] == "shop/cancelled"]
        assert_no_plaintext(server.recorder, ANA, BEN, ANA.upper())

    config, rated_config = registered(limited), registered(rated)
    keys = {
        "concurrency": config["concurrency"][0]["key"],
        "throttle": config["throttle"]["key"],
        "debounce": config["debounce"]["key"],
        "idempotency": config["idempotency"],
        "rate_limit": rated_config["rateLimit"]["key"],
        "batch_events": rated_config["batchEvents"]["key"],
    }
    for kind, expression in keys.items():
        ana, ana_again, ben = (evaluate(expression, event=order) for order in orders)
        assert isinstance(ana, str) and len(ana) == 43, kind
        assert ana == ana_again != ben, kind
    cancel_if = config["cancel"][0]["if"]
    assert [evaluate(cancel_if, event=order, **{"async": cancelled}) for order in orders] == [
        False,
        False,
        True,
    ]


def test_a_wait_for_event_if_matches_the_same_customers_event_only() -> None:
    with StandIn() as server:
        client, (limited, _) = shop(server)
        with serve_flask(client, [limited]) as app:
            client.send_sync(inngest.Event(name="shop/order", data={"encrypted": {"email": ANA}}))
            (order,) = [e for e in server.events if e["name"] == "shop/order"]
            for email in (BEN, ANA):
                paid = {"encrypted": {"email": email}, "amount": 5}
                client.send_sync(inngest.Event(name="shop/paid", data=paid))
            server.run(app.url, limited.id, order)
        payments = [e for e in server.events if e["name"] == "shop/paid"]
        waits = [
            op["opts"]
            for exchange in server.recorder
            if exchange.kind == "response" and exchange.body.startswith(b"[")
            for op in json.loads(exchange.body)
            if op.get("op") == "WaitForEvent"
        ]
        assert_no_plaintext(server.recorder, ANA, BEN)

    assert waits and all(w["if"] == SAME_CUSTOMER for w in waits)
    matched = [evaluate(waits[0]["if"], event=order, **{"async": p}) for p in payments]
    assert matched == [False, True]


def test_with_the_middleware_on_a_function_client_send_in_a_run_writes_tags_too() -> None:
    with StandIn() as server:
        client = inngest.Inngest(app_id="shop", **server.client_options())
        middleware = [EncryptionMiddleware.factory(KEY, indexes=INDEXES)]
        data = {"encrypted": {"email": ANA}}

        @client.create_function(
            fn_id="resend", trigger=inngest.TriggerEvent(event="shop/order"), middleware=middleware
        )
        def resend(ctx: inngest.ContextSync) -> None:
            ctx.step.send_event("by-step", inngest.Event(name="shop/sent", data=data))
            ctx.step.run(
                "by-client",
                lambda: bool(client.send_sync(inngest.Event(name="shop/sent", data=data))),
            )

        with serve_flask(client, [resend]) as app:
            run = server.run(app.url, resend.id, {"name": "shop/order", "data": {}})
        sent = [e["data"] for e in server.events if e["name"] == "shop/sent"]
        assert_no_plaintext(server.recorder, ANA)

    assert run.completed, run.error
    assert len(sent) == 2
    assert sent[0]["customer_idx"] == sent[1]["customer_idx"]
    assert sent[0]["customer_idx"] == blind_index(KEY, "customer", ANA)
