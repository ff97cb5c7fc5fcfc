"""The leak matrix: every path that carries user data, through the real SDK over HTTP.

Each case plants sentinel secrets, checks that the function's code sees them in
plaintext, and (in the harness) that none of them reaches the server in any
byte the SDK sent. Every case runs for sync and async functions under one
framework; the framework only changes how a request is read and answered, so the
cases in ``ON_EVERY_FRAMEWORK`` run, sync and async, under each of the others.
A new case needs only ``@case``. The matrix also enumerates the installed SDK's
opcodes: a new opcode fails the suite until someone decides what it carries.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable, Iterator
from typing import Any

import inngest
import pydantic
import pytest
from inngest._internal.server_lib import Opcode
from inngest.experimental.ai import openai

from inngest_codecs import EncryptionMiddleware, Encryptor
from inngest_codecs.errors import PlaintextRefusedError
from inngest_codecs.for_inngest import events
from inngest_codecs.for_inngest.documents import open_envelopes
from inngest_codecs.middleware import steps
from inngest_codecs.testing import StandIn

from .harness import KEY, SERVERS, Harness, Parallel, publish, send, step

pytestmark = pytest.mark.slow

Case = Callable[[Harness], None]
CASES: dict[str, tuple[Case, frozenset[Opcode]]] = {}
REFUSED: dict[Opcode, str] = {Opcode.AI_GATEWAY: "ai_infer_is_refused"}
"""Opcodes that never leave while encryption is on: the case proving each is refused."""
EVERY_CASE_ON = "flask"
"""The framework every case runs under (the quickest to start of those in ``SERVERS``)."""
ON_EVERY_FRAMEWORK = ("step_run_and_function_output",)
"""Cases that also run under every other framework in ``SERVERS``."""


def case(*opcodes: Opcode) -> Callable[[Case], Case]:
    def register(function: Case) -> Case:
        CASES[function.__name__] = (function, frozenset(opcodes))
        return function

    return register


def noop(ctx: Any) -> Iterator[Any]:
    yield from ()


def stored(h: Harness, name: str) -> list[dict[str, Any]]:
    return [event["data"] for event in h.server.events if event["name"] == name]


def opened(value: Any) -> Any:
    return events.open_fields(Encryptor(KEY), value) if isinstance(value, dict) else value


# Steps and outputs -----------------------------------------------------------------


@case(Opcode.STEP_RUN)
def step_run_and_function_output(h: Harness) -> None:
    card, note = h.secret("card"), h.secret("note")
    client = h.client()

    def flow(ctx: Any) -> Iterator[Any]:
        h.seen.append(ctx.event.data["encrypted"])
        charged = yield step("run", "charge", lambda: {"card": ctx.event.data["encrypted"]["card"]})
        h.seen.append(charged)
        return {"charged": charged["card"], "note": note}

    fn = h.function(client, "charge", flow)
    run = h.trigger(client, [fn], {"encrypted": {"card": card}, "plain": 1})
    assert run.completed, run.error
    assert h.seen[-2:] == [{"card": card}, {"card": card}]
    assert Encryptor(KEY).decrypt(run.output) == {"charged": card, "note": note}


@case(Opcode.PLANNED, Opcode.STEP_RUN)
def parallel_steps(h: Harness) -> None:
    a, b = h.secret("a"), h.secret("b")
    client = h.client()

    def flow(ctx: Any) -> Iterator[Any]:
        results = yield Parallel(
            step("run", "a", lambda: {"v": a}), step("run", "b", lambda: {"v": b})
        )
        h.seen.append(list(results))
        return "done"

    run = h.trigger(client, [h.function(client, "parallel", flow)], {})
    assert run.completed, run.error
    assert h.seen[-1] == [{"v": a}, {"v": b}]


@case(Opcode.INVOKE)
def parallel_invokes(h: Harness) -> None:
    x, y, out = h.secret("x"), h.secret("y"), h.secret("child-out")
    client = h.client()

    def child_flow(ctx: Any) -> Iterator[Any]:
        yield from ()
        h.seen.append(ctx.event.data)
        return {"echo": ctx.event.data["encrypted"], "note": out}

    child = h.function(client, "child", child_flow)

    def flow(ctx: Any) -> Iterator[Any]:
        results = yield Parallel(
            step("invoke", "i1", function=child, data={"encrypted": x, "n": 1}),
            step("invoke", "i2", function=child, data={"encrypted": y, "n": 2}),
        )
        h.seen.append(list(results))
        return None

    run = h.trigger(client, [h.function(client, "fan-out", flow), child], {})
    assert run.completed, run.error
    assert {"encrypted": x, "n": 1} in h.seen and {"encrypted": y, "n": 2} in h.seen
    assert h.seen[-1] == [{"echo": x, "note": out}, {"echo": y, "note": out}]


@case(Opcode.INVOKE)
def invoke_with_timeout(h: Harness) -> None:
    ssn = h.secret("ssn")
    client = h.client()

    def child_flow(ctx: Any) -> Iterator[Any]:
        yield from ()
        h.seen.append(ctx.event.data)
        return ctx.event.data["encrypted"]

    child = h.function(client, "child", child_flow)

    def flow(ctx: Any) -> Iterator[Any]:
        result = yield step(
            "invoke", "call", function=child, data={"encrypted": {"ssn": ssn}}, timeout=60_000
        )
        h.seen.append(result)

    run = h.trigger(client, [h.function(client, "caller", flow), child], {})
    assert run.completed, run.error
    assert h.seen == [{"encrypted": {"ssn": ssn}}, {"ssn": ssn}]


@case(Opcode.SLEEP, Opcode.STEP_RUN)
def sleep(h: Harness) -> None:
    value = h.secret("after-sleep")
    client = h.client()

    def flow(ctx: Any) -> Iterator[Any]:
        yield step("sleep", "nap", datetime.timedelta(seconds=1))
        after = yield step("run", "after", lambda: value)
        h.seen.append(after)
        return after

    run = h.trigger(client, [h.function(client, "sleeper", flow)], {})
    assert run.completed and h.seen[-1] == value


@case(Opcode.WAIT_FOR_EVENT)
def wait_for_event(h: Harness) -> None:
    approver = h.secret("approver")
    client = h.client()

    def flow(ctx: Any) -> Iterator[Any]:
        waited = yield step("wait_for_event", "approval", event="leaks/approved", timeout=60_000)
        h.seen.append(waited.data)
        return waited.data["encrypted"]

    client.send_sync(inngest.Event(name="leaks/approved", data={"encrypted": {"by": approver}}))
    run = h.trigger(client, [h.function(client, "waiter", flow)], {})
    assert run.completed, run.error
    assert h.seen[-1] == {"encrypted": {"by": approver}}


@case(Opcode.STEP_RUN)
def batch_trigger(h: Harness) -> None:
    secrets = [h.secret(f"batch-{i}") for i in range(3)]
    client = h.client()

    def flow(ctx: Any) -> Iterator[Any]:
        h.seen.append([event.data for event in ctx.events])
        total = yield step("run", "collect", lambda: [e.data["encrypted"] for e in ctx.events])
        return total

    fn = h.function(client, "batched", flow, batch_events=inngest.Batch(max_size=10, timeout=1000))
    run = h.trigger(client, [fn], [{"encrypted": s} for s in secrets])
    assert run.completed, run.error
    assert h.seen[-1] == [{"encrypted": s} for s in secrets]


# Events sent from a run ------------------------------------------------------------


@case(Opcode.STEP_RUN)
def step_send_event_single_and_list(h: Harness) -> None:
    one, two = h.secret("one"), h.secret("two")
    client = h.client()

    def flow(ctx: Any) -> Iterator[Any]:
        yield step("send_event", "one", inngest.Event(name="leaks/sent", data={"encrypted": one}))
        yield step(
            "send_event",
            "two",
            [inngest.Event(name="leaks/sent", data={"encrypted": {"k": two}, "plain": 1})],
        )

    run = h.trigger(client, [h.function(client, "sender", flow)], {})
    assert run.completed, run.error
    assert [opened(d) for d in stored(h, "leaks/sent")] == [
        {"encrypted": one},
        {"encrypted": {"k": two}, "plain": 1},
    ]


def client_sends(h: Harness, *, function_level: bool) -> None:
    inside, outside, listed, trigger = (h.secret(n) for n in ("in", "out", "list", "trigger"))
    client = h.client(encrypt=not function_level)
    options = {"middleware": [EncryptionMiddleware.factory(KEY)]} if function_level else {}

    def flow(ctx: Any) -> Iterator[Any]:
        h.seen.append(ctx.event.data)
        inside_event = inngest.Event(name="leaks/out", data={"encrypted": inside})
        yield step("run", "inside", send(client, inside_event))
        yield send(
            client,
            [
                inngest.Event(name="leaks/out", data={"encrypted": outside}),
                inngest.Event(name="leaks/out", data={"encrypted": {"k": listed}}),
            ],
        )
        return "sent"

    fn = h.function(client, "client-send", flow, **options)
    run = h.trigger(client, [fn], {"encrypted": trigger}, sender=h.client())
    assert run.completed, run.error
    assert h.seen[0] == {"encrypted": trigger}
    sent = [opened(d)["encrypted"] for d in stored(h, "leaks/out")]
    assert {inside, outside} <= set(s for s in sent if isinstance(s, str))
    assert {"k": listed} in sent


@case(Opcode.STEP_RUN)
def client_send_client_level(h: Harness) -> None:
    client_sends(h, function_level=False)


@case(Opcode.STEP_RUN)
def client_send_function_level(h: Harness) -> None:
    client_sends(h, function_level=True)


@case(Opcode.STEP_RUN, Opcode.INVOKE)
def forwarding_what_arrived_encrypted(h: Harness) -> None:
    pii, whole = h.secret("pii"), h.secret("whole")
    client = h.client()

    def child_flow(ctx: Any) -> Iterator[Any]:
        yield from ()
        h.seen.append(("child", ctx.event.data))

    child = h.function(client, "child", child_flow)

    def flow(ctx: Any) -> Iterator[Any]:
        data = ctx.event.data
        h.seen.append(data)
        yield step("send_event", "as-is", inngest.Event(name="leaks/fwd", data=data))
        nested = {"copy": {"inner": data.get("pii") or data.get("ssn")}}
        yield step("send_event", "nested", inngest.Event(name="leaks/fwd", data=nested))
        yield step("invoke", "pass-on", function=child, data=dict(data))
        yield send(client, inngest.Event(name="leaks/fwd", data=dict(data)))

    fn = h.function(client, "forwarder", flow)
    by_field = h.trigger(
        client,
        [fn, child],
        {"pii": {"ssn": pii}, "plain": "p"},
        sender=h.client(event_encryption_field="pii"),
    )
    whole_data = Encryptor(KEY).encrypt({"ssn": whole})
    as_whole = h.trigger(client, [fn, child], whole_data, sender=h.client(encrypt=False))
    assert by_field.completed and as_whole.completed, (by_field.error, as_whole.error)
    assert {"pii": {"ssn": pii}, "plain": "p"} in h.seen and {"ssn": whole} in h.seen
    assert ("child", {"pii": {"ssn": pii}, "plain": "p"}) in h.seen


def non_string_values(h: Harness, **options: Any) -> None:
    """Numbers, booleans, one-character strings, ``null`` and nested arrays that arrived
    encrypted, passed on whole and one by one, under other field names."""
    ssn = h.number_secret()
    values: dict[str, Any] = {"flag": True, "initial": "Q", "nothing": None, "grid": [[1, [2]], []]}
    keyed = {h.keyed_secret(label, value): value for label, value in values.items()}
    record = {"ssn": ssn, **keyed}
    client = h.client(**options)

    def child_flow(ctx: Any) -> Iterator[Any]:
        yield from ()
        h.seen.append(("child", ctx.event.data))

    child = h.function(client, "child", child_flow)

    def flow(ctx: Any) -> Iterator[Any]:
        opened = ctx.event.data["encrypted"]
        h.seen.append(opened)
        singles = {name: opened[name] for name in keyed} | {"amount": opened["ssn"]}
        whole = {"patient": opened, "route": "eu"}
        yield step("send_event", "whole", inngest.Event(name="leaks/scalars-out", data=whole))
        yield step("send_event", "singles", inngest.Event(name="leaks/scalars-out", data=singles))
        yield step("invoke", "pass-on", function=child, data=singles)
        yield send(client, inngest.Event(name="leaks/scalars-out", data=dict(singles)))

    run = h.trigger(client, [h.function(client, "scalars", flow), child], {"encrypted": record})
    assert run.completed, run.error
    assert h.seen[0] == record
    singles = {**keyed, "amount": ssn}
    assert ("child", singles) in h.seen
    sent = [opened(d) for d in stored(h, "leaks/scalars-out")]
    assert sent == [{"patient": record, "route": "eu"}, singles, singles]


@case(Opcode.STEP_RUN, Opcode.INVOKE)
def non_string_values_strict(h: Harness) -> None:
    non_string_values(h)


@case(Opcode.STEP_RUN, Opcode.INVOKE)
def non_string_values_matched_by_value(h: Harness) -> None:
    non_string_values(h, plain_fields=["*"])
    (whole, *_) = stored(h, "leaks/scalars-out")
    assert whole["route"] == "eu", "a plain field holding nothing opened stays plain"


@case(Opcode.STEP_RUN, Opcode.INVOKE)
def look_alike_envelopes(h: Harness) -> None:
    ssn = h.secret("webhook-ssn")
    body = {"__ENCRYPTED__": True, "data": "aGVsbG8=", "ssn": ssn}
    client = h.client()

    def child_flow(ctx: Any) -> Iterator[Any]:
        yield from ()
        h.seen.append(("child", ctx.event.data["encrypted"]))

    child = h.function(client, "child", child_flow)

    def flow(ctx: Any) -> Iterator[Any]:
        h.seen.append(ctx.event.data["encrypted"])
        event = inngest.Event(name="leaks/webhook", data={"encrypted": dict(body)})
        yield step("send_event", "emit", event)
        yield step("invoke", "call", function=child, data={"encrypted": dict(body)})
        yield send(client, inngest.Event(name="leaks/webhook", data={"encrypted": dict(body)}))

    run = h.trigger(client, [h.function(client, "webhook", flow), child], {"encrypted": body})
    assert run.completed, run.error
    assert h.seen[0] == body and ("child", body) in h.seen


# Errors -----------------------------------------------------------------------------


@case(Opcode.STEP_ERROR, Opcode.STEP_RUN)
def step_error_then_retry(h: Harness) -> None:
    card = h.secret("declined")
    client = h.client(encrypt_errors=True)

    def flaky(ctx: Any) -> str:
        if ctx.attempt == 0:
            raise ValueError(f"card {card} declined")
        return "charged"

    def flow(ctx: Any) -> Iterator[Any]:
        result = yield step("run", "charge", lambda: flaky(ctx))
        return result

    run = h.trigger(client, [h.function(client, "flaky", flow)], {})
    assert run.completed, run.error


@case(Opcode.STEP_FAILED)
def step_failure_caught(h: Harness) -> None:
    reason = h.secret("reason")
    client = h.client(encrypt_errors=True)

    def doomed() -> None:
        raise KeyError(f"no account for {reason}")

    def flow(ctx: Any) -> Iterator[Any]:
        try:
            yield step("run", "doomed", doomed)
        except inngest.StepError as error:
            h.seen.append((error.name, error.message, reason in (error.stack or "")))
            return {"recovered": error.message}

    run = h.trigger(client, [h.function(client, "catcher", flow, retries=2)], {})
    assert run.completed, run.error
    assert h.seen[-1] == ("KeyError", repr(f"no account for {reason}"), True)


def failed_run_opens(h: Harness, run: Any, name: str, needle: str) -> None:
    assert run.status == "failed"
    assert run.error["name"] == name
    document, failures = open_envelopes(run.error, Encryptor(KEY).decrypt)
    assert failures == [] and needle in document["message"] and needle in document["stack"]


@case()
def non_retriable_error(h: Harness) -> None:
    fraud = h.secret("fraud")
    client = h.client(encrypt_errors=True)

    def flow(ctx: Any) -> Iterator[Any]:
        yield from ()
        raise inngest.NonRetriableError(f"fraud suspected on {ctx.event.data['encrypted']}")

    run = h.trigger(client, [h.function(client, "fraud", flow)], {"encrypted": fraud})
    assert run.requests == 1
    failed_run_opens(h, run, "NonRetriableError", fraud)


@case(Opcode.STEP_RUN)
def retry_after_error(h: Harness) -> None:
    account = h.secret("account")
    client = h.client(encrypt_errors=True)

    def flow(ctx: Any) -> Iterator[Any]:
        if ctx.attempt == 0:
            raise inngest.RetryAfterError(f"rate limited for {account}", 1000)
        value = yield step("run", "after", lambda: "ok")
        return value

    run = h.trigger(client, [h.function(client, "limited", flow)], {})
    assert run.completed, run.error
    assert run.requests >= 2


class Order(pydantic.BaseModel):
    id: str
    total: float


@case(Opcode.STEP_RUN)
def output_type_validation_error(h: Harness) -> None:
    ssn = h.secret("validated")
    client = h.client(encrypt_errors=True)
    client._serializer = inngest.PydanticSerializer()

    def flow(ctx: Any) -> Iterator[Any]:
        order = yield step("run", "load", lambda: {"ssn": ssn}, output_type=Order)
        return order

    run = h.trigger(client, [h.function(client, "typed", flow, retries=0)], {})
    failed_run_opens(h, run, "ValidationError", ssn)


@case()
def our_own_errors_name_no_data(h: Harness) -> None:
    email = h.secret("email-key")
    client = h.client()  # encrypt_errors off: our own messages must hold no data anyway

    def flow(ctx: Any) -> Iterator[Any]:
        yield from ()
        return {ctx.event.data["encrypted"]: {"since": float("nan")}}

    run = h.trigger(client, [h.function(client, "unencodable", flow)], {"encrypted": email})
    assert run.status == "failed" and "EncodingError" in str(run.error)
    assert "non-finite float" in str(run.error)


@case(Opcode.STEP_RUN)
def on_failure_handler(h: Harness) -> None:
    ssn, handled = h.secret("failed-ssn"), h.secret("handled")
    client = h.client(encrypt_errors=True)

    def flow(ctx: Any) -> Iterator[Any]:
        yield step("run", "check", lambda: None)
        raise inngest.NonRetriableError(f"no record for {ctx.event.data['encrypted']['ssn']}")

    def on_failure(ctx: Any) -> Iterator[Any]:
        yield from ()
        h.seen.append((ctx.event.data["event"]["data"], ctx.event.data["error"]["message"]))
        return {"handled": handled}

    fn = h.function(client, "fails", flow, on_failure=on_failure, retries=0)
    run = h.trigger(client, [fn], {"encrypted": {"ssn": ssn}})
    assert run.status == "failed"
    with h.serve(client, [fn]) as app:
        failure = h.server.run_on_failure(app.url, fn.on_failure_fn_id or "", run)
    assert failure.completed, failure.error
    assert h.seen[-1] == ({"encrypted": {"ssn": ssn}}, f"no record for {ssn}")
    assert Encryptor(KEY).decrypt(failure.output) == {"handled": handled}


@case(Opcode.STEP_RUN, Opcode.SLEEP)
def cancellation(h: Harness) -> None:
    order, reason = h.secret("order"), h.secret("cancel-reason")
    client = h.client()

    def flow(ctx: Any) -> Iterator[Any]:
        yield step("run", "reserve", lambda: {"order": ctx.event.data["encrypted"]})
        yield step("sleep", "hold", datetime.timedelta(hours=1))

    fn = h.function(client, "cancellable", flow, cancel=[inngest.Cancel(event="leaks/cancel")])
    with h.serve(client, [fn]) as app:
        client.send_sync(inngest.Event(name="leaks/cancellable", data={"encrypted": order}))
        run = h.server.run(app.url, fn.id, h.server.latest_event("leaks/cancellable"), max_calls=2)
        client.send_sync(inngest.Event(name="leaks/cancel", data={"encrypted": reason}))
        h.server.cancel(run)
    assert run.status == "cancelled" and len(run.steps) == 2
    assert opened(stored(h, "leaks/cancel")[0]) == {"encrypted": reason}


@case(Opcode.STEP_RUN, Opcode.INVOKE)
def blind_index_tags(h: Harness) -> None:
    email, other = h.secret("email"), h.secret("other-email")
    indexes = {"customer": {"from": "data.encrypted.email", "to": "data.customer_idx"}}
    client = h.client(indexes=indexes, tenant_keys={"acme": "acme-key"}, tenant_from="data.tenant")

    def child_flow(ctx: Any) -> Iterator[Any]:
        yield from ()
        h.seen.append(ctx.event.data)

    child = h.function(client, "indexed-child", child_flow)

    def flow(ctx: Any) -> Iterator[Any]:
        for label, data in [
            ("same", {"encrypted": {"email": email}}),
            ("other", {"encrypted": {"email": other}}),
            ("tenant", {"encrypted": {"email": email}, "tenant": "acme"}),
            ("missing", {"encrypted": {}}),
        ]:
            yield step("send_event", label, inngest.Event(name="leaks/indexed", data=data))
        yield step("invoke", "pass-on", function=child, data={"encrypted": {"email": email}})

    fn = h.function(client, "indexer", flow, event="leaks/indexed-trigger")
    run = h.trigger(client, [fn, child], {"encrypted": {"email": email}})
    assert run.completed, run.error
    trigger_tag = stored(h, "leaks/indexed-trigger")[0]["customer_idx"]
    same, different, tenant, missing = (d.get("customer_idx") for d in stored(h, "leaks/indexed"))
    assert trigger_tag == same == h.seen[-1]["customer_idx"], "equal values, equal tags"
    assert len({same, different, tenant}) == 3, "other values and other tenants, other tags"
    assert missing is None, "no value, no tag"


# Paths no middleware hook sees --------------------------------------------------------


@case()
def realtime_messages(h: Harness) -> None:
    progress = h.secret("progress")
    client = h.client()

    def flow(ctx: Any) -> Iterator[Any]:
        try:
            yield publish(client, {"progress": progress}, encrypted=False)
        except PlaintextRefusedError:
            h.seen.append("refused")
        yield publish(client, {"progress": progress}, encrypted=True)
        return "published"

    run = h.trigger(client, [h.function(client, "live", flow)], {})
    assert run.completed, run.error
    assert h.seen == ["refused"]
    (sent,) = [
        json.loads(exchange.body)
        for exchange in h.server.recorder
        if exchange.target.startswith("/v1/realtime/publish")
    ]
    assert Encryptor(KEY).decrypt(sent) == {"progress": progress}


# Modes ------------------------------------------------------------------------------


@case(Opcode.STEP_RUN)
def decrypt_only(h: Harness) -> None:
    ssn = h.secret("decrypt-only")
    consumer = h.client(decrypt_only=True)

    def flow(ctx: Any) -> Iterator[Any]:
        h.seen.append(ctx.event.data)
        result = yield step("run", "plain", lambda: "plain by design")
        return result

    run = h.trigger(
        consumer, [h.function(consumer, "reader", flow)], {"encrypted": ssn}, sender=h.client()
    )
    assert run.completed and run.output == "plain by design"
    assert h.seen[0] == {"encrypted": ssn}


@case()
def ai_infer_is_refused(h: Harness) -> None:
    prompt, api_key = h.secret("prompt"), h.secret("api-key")
    client = h.client()
    adapter = openai.Adapter(auth_key=api_key, model="gpt-4o")

    def flow(ctx: Any) -> Iterator[Any]:
        body = {"messages": [{"role": "user", "content": prompt}]}
        try:
            yield step("ai.infer", "ask", adapter=adapter, body=body)
        except Exception as error:
            h.seen.append(type(error).__name__)
        return "refused"

    run = h.trigger(client, [h.function(client, "asker", flow)], {})
    assert run.completed, run.error
    assert h.seen == ["PlaintextRefusedError"]


# The matrix -------------------------------------------------------------------------


def matrix() -> list[Any]:
    """(case, framework, sync or async) for every case under ``EVERY_CASE_ON``, and for the
    cases in ``ON_EVERY_FRAMEWORK`` under each framework."""
    return [
        pytest.param(name, framework, is_async, id=f"{name}-{framework}-{mode}")
        for name in sorted(CASES)
        for framework in (sorted(SERVERS) if name in ON_EVERY_FRAMEWORK else [EVERY_CASE_ON])
        for is_async, mode in ((False, "sync"), (True, "async"))
    ]


@pytest.mark.parametrize(("name", "framework", "is_async"), matrix())
def test_no_plaintext_reaches_the_server(name: str, framework: str, is_async: bool) -> None:
    function, opcodes = CASES[name]
    with StandIn() as server:
        h = Harness(server, framework, is_async)
        function(h)
    h.assert_no_leaks()
    sent = h.opcodes()
    expected = {op.value for op in opcodes}
    assert expected <= sent, f"{name} did not send {sorted(expected - sent)}"
    assert Opcode.AI_GATEWAY.value not in sent


def test_every_opcode_of_the_installed_sdk_is_decided() -> None:
    covered = set().union(*(opcodes for _, opcodes in CASES.values())) | set(REFUSED)
    assert set(Opcode) == set(steps.CARRIES), "steps.CARRIES must say what each opcode carries"
    assert set(Opcode) <= covered, f"no leak case exercises {set(Opcode) - covered}"
    assert all(name in CASES for name in REFUSED.values())


def test_the_matrix_runs_every_case_sync_and_async_and_every_framework() -> None:
    runs = {tuple(param.values) for param in matrix()}
    assert {(name, EVERY_CASE_ON, mode) for name in CASES for mode in (False, True)} <= runs
    assert set(ON_EVERY_FRAMEWORK) <= set(CASES)
    assert {(framework, mode) for _, framework, mode in runs} == {
        (framework, mode) for framework in SERVERS for mode in (False, True)
    }
