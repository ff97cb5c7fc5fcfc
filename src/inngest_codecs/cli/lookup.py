"""``inngest-codecs run`` and ``event``: look up by id in Inngest's REST API, print decrypted."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from ..for_inngest.documents import open_with_report
from ..for_inngest.rest_api import InngestAPI
from .io import pick, write_document

AddCommand = Callable[[str, str, Any], argparse.ArgumentParser]


def _print_decrypted(args: argparse.Namespace, stored: Any) -> int:
    from . import _no_envelope_note, build_encryptor, report_unopened

    encryptor = build_encryptor(args)
    on_the_way: list[object] = []  # envelopes --path led through

    def open_on_the_way(value: Any) -> Any:
        on_the_way.append(value)
        return encryptor.decrypt(value)

    report = open_with_report(pick(stored, args.path, open_on_the_way), encryptor)
    write_document(report.document, lines=False)
    _no_envelope_note(len(report.opened) + len(report.failures) + len(on_the_way), args)
    return report_unopened([(f.path, f.error) for f in report.failures])


def cmd_run(args: argparse.Namespace) -> int:
    with InngestAPI.from_env() as api:
        stored = api.run(args.run_id)
    return _print_decrypted(args, stored)


def cmd_event(args: argparse.Namespace) -> int:
    with InngestAPI.from_env() as api:
        event = api.event(args.event_id)
        stored: Any = (
            {"event": event, "runs": api.event_runs(args.event_id)} if args.runs else event
        )
    return _print_decrypted(args, stored)


def add_commands(add: AddCommand) -> None:
    from . import add_keys, add_path

    run = add("run", "print a function run from Inngest, decrypted", cmd_run)
    run.add_argument("run_id", metavar="RUN_ID")
    event = add("event", "print an event from Inngest, decrypted", cmd_event)
    event.add_argument("event_id", metavar="EVENT_ID")
    event.add_argument(
        "--runs",
        action="store_true",
        help='also the runs it started: prints {"event": ..., "runs": [...]}',
    )
    for sub in (run, event):
        add_keys(sub)
        add_path(sub)
        sub.epilog = (sub.epilog or "") + (
            "\n\nInngest's REST API: $INNGEST_SIGNING_KEY (and $INNGEST_SIGNING_KEY_FALLBACK);"
            "\n$INNGEST_API_BASE_URL, or $INNGEST_DEV for a local Dev Server."
        )
