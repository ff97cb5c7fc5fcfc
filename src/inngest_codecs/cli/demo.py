"""``inngest-codecs demo``: a real app, a real SDK, real HTTP, and what crossed the wire.

The app runs on loopback against the stand-in server of
[`inngest_codecs.testing`][] (a test double: there is no Inngest account and
no network). Everything printed on the right is what the stand-in really
received and stored; the event and the run's output are read back through its
REST API with the same client as ``inngest-codecs run`` and the viewer.
"""

from __future__ import annotations

import json
import os
import shutil
import textwrap
from pathlib import Path
from typing import Any


class DemoUnavailable(Exception):
    """Something the demo needs is not installed."""


PATIENT = {"name": "Maria Garcia", "date_of_birth": "1984-03-12", "diagnosis": "type 2 diabetes"}
MAX_WIDTH = 100
MIN_WIDTH = 50


def _width() -> int:
    """100 columns, or the terminal's width when it is narrower."""
    columns = shutil.get_terminal_size((MAX_WIDTH, 24)).columns
    return max(MIN_WIDTH, min(MAX_WIDTH, columns))


def _short(value: Any) -> Any:
    """Long ciphertext shortened for display; everything else as it is."""
    if isinstance(value, dict):
        return {k: _short(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_short(v) for v in value]
    if isinstance(value, str) and len(value) > 40:
        return f"{value[:16]}…({len(value)} chars)"
    return value


def _column(value: Any, width: int) -> list[str]:
    text = json.dumps(value, ensure_ascii=False, indent=1)
    return [part for line in text.splitlines() for part in textwrap.wrap(line, width) or [""]]


def _side_by_side(title: str, seen: Any, stored: Any, width: int) -> None:
    column = (width - 3) // 2
    print(f"\n── {title} " + "─" * (width - len(title) - 4))
    left, right = _column(seen, column), _column(_short(stored), column)
    for i in range(max(len(left), len(right))):
        a = left[i] if i < len(left) else ""
        b = right[i] if i < len(right) else ""
        print(f"{a:<{column}} │ {b}".rstrip())


def _say(text: str, width: int) -> None:
    print(textwrap.fill(text, width))


def _shown(path: Path) -> str:
    """``path`` relative to the current directory when it is inside it."""
    try:
        return os.path.relpath(path) if path.resolve().is_relative_to(Path.cwd()) else str(path)
    except ValueError:
        return str(path)


def run_demo(codec: str, out: str | None = None) -> int:
    import importlib.util

    if importlib.util.find_spec("flask") is None:
        raise DemoUnavailable(
            "the demo serves its app with Flask: from the checkout, pip install '.[demo]'"
        )
    import inngest

    from .. import EncryptionMiddleware, registry
    from ..for_inngest.rest_api import InngestAPI
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
            event_id = client.send_sync(
                inngest.Event(
                    name="clinic/patient.registered",
                    data={"patient_id": "p-1042", "encrypted": PATIENT},
                )
            )[0]
            run = server.run(app.url, register_patient.id, server.events[-1])
        # Read back through the REST API, as `inngest-codecs run` and the viewer do.
        with InngestAPI(server.url, server.signing_key) as api:
            stored_event = api.event(event_id)
            stored_run = api.run(run.run_id)

    if not run.completed:
        print(f"the demo run failed: {run.error}")
        return 1
    width = _width()
    stored_steps = list(run.steps.values())
    _say(
        f"inngest-codecs demo: codec {codec!r}. The app is served by Flask on 127.0.0.1 and was "
        f"called {run.requests} times with signed requests by the local stand-in for Inngest.",
        width,
    )
    column = (width - 3) // 2
    print(f"\n{'WHAT THE FUNCTION SAW':<{column}} │ WHAT INNGEST STORED")
    _side_by_side("event data", seen["event"], stored_event["data"], width)
    _side_by_side("step create-record", seen["create-record"], stored_steps[0], width)
    _side_by_side("step care-plan", seen["care-plan"], stored_steps[1], width)
    _side_by_side("function result", seen["result"], stored_run["output"], width)
    assert_no_plaintext(server.recorder, *PATIENT.values())
    print()
    _say(
        "Checked: none of the patient's details appear in any of the "
        f"{len(server.recorder)} messages the SDK sent to the server.",
        width,
    )
    command = (shutil.which("inngest-codecs") and "inngest-codecs") or "python -m inngest_codecs"
    print()
    if out is None:
        _say(
            "Nothing was written to disk. To keep what the server stored and the demo key, "
            "run the demo again with --out DIR; then look at it in your browser with "
            f"`{command} serve --key-file DIR/demo.key`.",
            width,
        )
        return 0
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    key_file, stored_file = folder / "demo.key", folder / "stored.json"
    key_file.write_text(key + "\n", encoding="utf-8")
    key_file.chmod(0o600)
    stored = {"event": stored_event, "steps": run.steps, "run": stored_run}
    stored_file.write_text(json.dumps(stored, indent=2), encoding="utf-8")
    _say(f"What the server stored is in {_shown(stored_file)}. Open it on your machine:", width)
    print(f"  {command} decrypt --key-file {_shown(key_file)} {_shown(stored_file)}")
    _say("Or see it side by side in your browser: start the viewer, open its URL, and paste", width)
    _say(f"{_shown(stored_file)} into it (Ctrl-C stops the server):", width)
    print(f"  {command} serve --key-file {_shown(key_file)}")
    return 0
