"""``inngest-codecs run`` and ``event``: look up by id in Inngest's REST API, print decrypted.

Everything that can be checked here is checked before the first request: the
keys (or the codec endpoint) that will open the answer, and that the API is
configured, over https unless it is on this machine or plain http is allowed.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

from ..errors import InngestAuthError
from ..for_inngest.rest_api import ENV_SIGNING_KEY, InngestAPI
from .common import add_keys, add_path, operator_keyring
from .io import write_document
from .opening import add_opening, decoder, report

AddCommand = Callable[[str, str, Any], argparse.ArgumentParser]


def _lookup(args: argparse.Namespace, fetch: Callable[[InngestAPI], Any]) -> int:
    decode = decoder(args, lambda: operator_keyring(args))
    with open_api(args) as api:
        if not api.configured:
            raise InngestAuthError(
                f"lookups need {ENV_SIGNING_KEY} (or INNGEST_DEV for a local Dev Server)"
            )
        stored = fetch(api)
    decoded = decode(stored, args.path)
    write_document(decoded.document, lines=False)
    return report([decoded], args.path)


def open_api(args: argparse.Namespace) -> InngestAPI:
    """The REST client from the SDKs' variables; plain http off this machine only with
    ``--allow-plain-http``, and then with a warning."""
    api = InngestAPI.from_env(allow_http=bool(getattr(args, "allow_plain_http", False)))
    if api.plain_http:
        print(
            f"inngest-codecs: warning: {api.base_url} is plain http: the signing key's hash "
            "and your data cross the network unencrypted",
            file=sys.stderr,
        )
    return api


def cmd_run(args: argparse.Namespace) -> int:
    return _lookup(args, lambda api: api.run(args.run_id))


def cmd_event(args: argparse.Namespace) -> int:
    def fetch(api: InngestAPI) -> Any:
        event = api.event(args.event_id)
        return {"event": event, "runs": api.event_runs(args.event_id)} if args.runs else event

    return _lookup(args, fetch)


def add_allow_plain_http(sub: argparse.ArgumentParser) -> None:
    sub.add_argument(
        "--allow-plain-http",
        action="store_true",
        help="allow an Inngest API on plain http off this machine (a self-hosted Inngest)",
    )


def add_commands(add: AddCommand) -> None:
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
        add_opening(sub)
        add_path(sub)
        add_allow_plain_http(sub)
        sub.epilog = (sub.epilog or "") + (
            "\n\nInngest's REST API: $INNGEST_SIGNING_KEY (and $INNGEST_SIGNING_KEY_FALLBACK);"
            "\n$INNGEST_API_BASE_URL, or $INNGEST_DEV for a local Dev Server."
        )
