"""``inngest-codecs demo``: a real app, a real SDK, real HTTP, and what crossed the wire.

The app runs on loopback against the stand-in server of
:mod:`inngest_codecs.testing` (a test double: there is no Inngest account and
no network). Everything printed on the right is what the stand-in really
received and stored, taken from its recorder.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import textwrap
from pathlib import Path
from typing import Any


class DemoUnavailable(Exception):
    """Something the demo needs is not installed."""


PATIENT = {"name": "Maria Garcia", "date_of_birth": "1984-03-12", "diagnosis": "type 2 diabetes"}
WIDTH = 58


def _short(value: Any) -> Any:
    """Long ciphertext shortened for display; everything else as it is."""
    if isinstance(value, dict):
        return {k: _short(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_short(v) for v in value]
    if isinstance(value, str) and len(value) > 40:
        return f"{value[:16]}…({len(value)} chars)"
    return value


def _column(value: Any) -> list[str]:
    text = json.dumps(value, ensure_ascii=False, indent=1)
    return [part for line in text.splitlines() for part in textwrap.wrap(line, WIDTH) or [""]]


def _side_by_side(title: str, seen: Any, stored: Any) -> None:
    print(f"\n── {title} " + "─" * (2 * WIDTH - len(title) - 1))
    left, right = _column(seen), _column(_short(stored))
    for i in range(max(len(left), len(right))):
        a = left[i] if i < len(left) else ""
        b = right[i] if i < len(right) else ""
        print(f"{a:<{WIDTH}} │ {b}")


def run_demo(codec: str) -> int:
    import importlib.util

    if importlib.util.find_spec("flask") is None:
        raise DemoUnavailable(
            "the demo serves its app with Flask: pip install 'inngest-codecs[demo]'"
        )
    import inngest

    from .. import EncryptionMiddleware, registry
    from ..testing import StandIn, assert_no_plaintext, serve_flask

    key = registry.codec_class(codec).generate_key()
    seen: dict[str, Any] = {}

    with StandIn() as server:
        client = inngest.Inngest(
            app_id="clinic",
            middleware=[EncryptionMiddleware.factory(key, codec=codec)],
            **server.client_options(),
        )

        @client.create_function(
            fn_id="register-patient",
            trigger=inngest.TriggerEvent(event="clinic/patient.registered"),
        )
        def register_patient(ctx: inngest.ContextSync) -> dict[str, Any]:
            seen["event"] = ctx.event.data
            patient: dict[str, str] = dict(ctx.event.data["encrypted"])  # type: ignore[arg-type]
            record = ctx.step.run(
                "create-record", lambda: {"record_id": "r-1042", "patient": patient["name"]}
            )
            seen["create-record"] = record
            plan = ctx.step.run(
                "care-plan", lambda: {"condition": patient["diagnosis"], "next_visit": "2026-12-01"}
            )
            seen["care-plan"] = plan
            result = {"record": record["record_id"], "welcome_letter_to": patient["name"]}
            seen["result"] = result
            return result

        with serve_flask(client, [register_patient]) as app:
            client.send_sync(
                inngest.Event(
                    name="clinic/patient.registered",
                    data={"patient_id": "p-1042", "encrypted": PATIENT},
                )
            )
            stored_event = server.latest_event("clinic/patient.registered")
            assert stored_event is not None
            run = server.run(app.url, register_patient.id, stored_event)

    if not run.completed:
        print(f"the demo run failed: {run.error}")
        return 1
    stored_steps = list(run.steps.values())
    print(f"inngest-codecs demo — codec {codec!r}; the app is served by Flask on 127.0.0.1 and")
    print(f"called {run.requests} times with signed requests by the local stand-in for Inngest.")
    print(f"\n{'WHAT THE FUNCTION SAW':<{WIDTH}} │ WHAT INNGEST RECEIVED AND STORED")
    _side_by_side("event data", seen["event"], stored_event["data"])
    _side_by_side("step create-record", seen["create-record"], stored_steps[0])
    _side_by_side("step care-plan", seen["care-plan"], stored_steps[1])
    _side_by_side("function result", seen["result"], run.output)
    assert_no_plaintext(server.recorder, *PATIENT.values())
    print(
        f"\nChecked: none of the patient's details appear in any of the "
        f"{len(server.recorder)} messages the SDK sent to the server."
    )

    folder = Path(tempfile.mkdtemp(prefix="inngest-codecs-demo-"))
    (folder / "demo.key").write_text(key + "\n", encoding="utf-8")
    stored = {"event": stored_event, "steps": run.steps, "output": run.output}
    (folder / "stored.json").write_text(json.dumps(stored, indent=2), encoding="utf-8")
    command = (shutil.which("inngest-codecs") and "inngest-codecs") or "python -m inngest_codecs"
    print(
        "\nWhat the server stored is in", folder / "stored.json", "— open it on your machine with:"
    )
    print(f"  {command} decrypt --key-file {folder / 'demo.key'} {folder / 'stored.json'}")
    return 0
