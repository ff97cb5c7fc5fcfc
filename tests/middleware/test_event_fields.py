"""``event_encryption_field`` takes what the TypeScript option takes: a name, names,
``False`` (no event field), or a function choosing fields by name."""

from __future__ import annotations

from typing import Any

import inngest
import pytest
from inngest.experimental import mocked

from inngest_codecs import ConfigError, EncryptionMiddleware, Encryptor
from inngest_codecs.config import EncryptionSettings
from inngest_codecs.envelope import is_envelope
from inngest_codecs.for_inngest import events

from .conftest import KEY, MakeClient, event

DATA = {"encrypted": {"name": "Ada"}, "pii_email": "a@b.c", "pii_phone": "555", "plan": "pro"}


def sent(make_client: MakeClient, fields: Any) -> dict[str, Any]:
    middleware = EncryptionMiddleware.factory(KEY, event_encryption_field=fields)(
        make_client(), None
    )
    events = [event(dict(DATA))]
    middleware.before_send_events(events)
    return events[0].data


def sealed(data: dict[str, Any]) -> set[str]:
    return {name for name, value in data.items() if is_envelope(value)}


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ("pii_email", {"pii_email"}),
        (["pii_email", "plan"], {"pii_email", "plan"}),
        (False, set()),
        (lambda name: name.startswith("pii_"), {"pii_email", "pii_phone"}),
    ],
    ids=["name", "names", "false", "function"],
)
def test_the_fields_encrypted_are_the_ones_chosen(
    make_client: MakeClient, fields: Any, expected: set[str]
) -> None:
    data = sent(make_client, fields)
    assert sealed(data) == expected
    opened = events.open_fields(Encryptor(KEY), data)
    assert opened == DATA


def test_false_still_encrypts_steps_and_outputs(make_client: MakeClient) -> None:
    client = make_client(event_encryption_field=False)
    seen: list[Any] = []

    @client.create_function(fn_id="f", trigger=inngest.TriggerEvent(event="app/test"))
    def fn(ctx: inngest.ContextSync) -> dict[str, str]:
        seen.append(ctx.step.run("s", lambda: {"card": "4111"}))
        return {"done": "yes"}

    result = mocked.trigger(fn, [event({"plan": "pro"})], client)
    assert result.error is None and seen == [{"card": "4111"}]
    assert is_envelope(result.output)
    assert Encryptor(KEY).decrypt(result.output) == {"done": "yes"}


def test_false_from_the_environment_and_bad_values_explain_themselves() -> None:
    settings = EncryptionSettings.from_env(
        {"INNGEST_ENCRYPTION_KEY": KEY, "INNGEST_ENCRYPTION_EVENT_FIELD": "false"}
    )
    assert settings.event_encryption_field == ()
    with pytest.raises(ConfigError, match="False, or a function of a field name"):
        EncryptionMiddleware.factory(KEY, event_encryption_field=True)
