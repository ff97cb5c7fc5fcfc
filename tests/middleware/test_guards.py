"""Paths Inngest must read in plaintext: refused, or allowed and warned about, once."""

from __future__ import annotations

import logging
from typing import Any

import inngest
import pytest
from inngest.experimental import mocked
from inngest.experimental.ai import openai

from inngest_codecs.errors import PlaintextRefusedError
from inngest_codecs.middleware import steps

from .conftest import MakeClient, event


def ask(client: mocked.Inngest) -> inngest.Function[Any]:
    adapter = openai.Adapter(auth_key="sk-do-not-send", model="gpt-4o")

    @client.create_function(fn_id="asker", trigger=inngest.TriggerEvent(event="app/test"))
    def fn(ctx: inngest.ContextSync) -> object:
        return ctx.step.ai.infer("ask", adapter=adapter, body={"messages": ["private"]})

    return fn


def test_ai_infer_is_refused_by_default(make_client: MakeClient) -> None:
    client = make_client()
    result = mocked.trigger(ask(client), event({}), client, step_stubs={})
    assert result.status is mocked.Status.FAILED
    assert isinstance(result.error, PlaintextRefusedError)
    assert "allow_plaintext_ai_infer=True" in str(result.error)
    assert "sk-do-not-send" not in str(result.error) and "private" not in str(result.error)


def test_ai_infer_allowed_is_warned_about_once(
    make_client: MakeClient, caplog: pytest.LogCaptureFixture
) -> None:
    client = make_client(allow_plaintext_ai_infer=True)
    fn = ask(client)
    steps._warned.clear()
    steps._checked_functions.clear()
    with caplog.at_level(logging.WARNING, logger="inngest_codecs"):
        for _ in range(2):
            result = mocked.trigger(fn, event({}), client, step_stubs={"ask": {"answer": 42}})
            assert result.status is mocked.Status.COMPLETED
    warnings = [r for r in caplog.records if "ai.infer" in r.getMessage()]
    assert len(warnings) == 1 and "plaintext" in warnings[0].getMessage()


def test_expressions_on_encrypted_fields_are_warned_about(
    make_client: MakeClient, caplog: pytest.LogCaptureFixture
) -> None:
    client = make_client(event_encryption_field=["encrypted", "pii"])

    @client.create_function(
        fn_id="blind",
        trigger=inngest.TriggerEvent(event="app/test"),
        cancel=[inngest.Cancel(event="app/cancel", if_exp="async.data.pii.id == event.data.id")],
        debounce=inngest.Debounce(period=1000, key="event.data['encrypted']"),
    )
    def fn(ctx: inngest.ContextSync) -> object:
        ctx.step.wait_for_event(
            "wait", event="app/ok", if_exp="async.data.encrypted.ok == true", timeout=1000
        )
        return None

    steps._warned.clear()
    steps._checked_functions.clear()
    with caplog.at_level(logging.WARNING, logger="inngest_codecs"):
        mocked.trigger(fn, event({"id": "1"}), client, step_stubs={"wait": None})
        mocked.trigger(fn, event({"id": "2"}), client, step_stubs={"wait": None})
    messages = [r.getMessage() for r in caplog.records]
    about_function = [m for m in messages if "function" in m and "blind" in m]
    about_wait = [m for m in messages if "wait_for_event" in m]
    assert len(about_function) == 1 and len(about_wait) == 1
    assert "cancel" in about_function[0] and "debounce" in about_function[0]


@pytest.mark.parametrize(
    ("expression", "reads"),
    [
        ("event.data.encrypted.total > 10", True),
        ("event.data['encrypted']", True),
        ('events[0].data["encrypted"].x', True),
        ("event.data.encrypted_count > 1", False),
        ("event.data.plain == async.data.plain", False),
    ],
)
def test_reading_an_encrypted_field_is_recognised(expression: str, reads: bool) -> None:
    assert steps.reads_encrypted_field(expression, ("encrypted",)) is reads
