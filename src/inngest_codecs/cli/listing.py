"""``inngest-codecs inspect``: list the envelopes in a document, and with keys, who opens them.

Without a key it reads only what envelopes say about themselves. Given keys (or
``--codec-endpoint``), it adds a column saying which tenant's key opens each
envelope, or why none does; it never prints a plaintext.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from typing import Any

from ..config import ENV_KEY
from ..config_env import env_secret
from ..for_inngest.documents import describe, find_envelopes
from .common import EXIT_OK, add_input, add_keys, operator_keyring
from .decoded import Decoded
from .io import each_document, pick, printable
from .opening import Decoder, add_opening, decoder, endpoint_of, no_envelope_note


def _keys_given(args: argparse.Namespace) -> bool:
    if args.key or args.key_file or getattr(args, "keys_dir", None) or endpoint_of(args):
        return True
    return env_secret(os.environ, ENV_KEY) is not None


def _verdicts(decoded: Decoded) -> dict[str, str]:
    """Path -> who opens it (``tenant acme, key 1a2b3c4d``) or why nothing does."""
    found = {}
    for path, tenant, key_id in decoded.opened:
        key = f"key {printable(key_id or '?', 40)}"
        found[path] = f"tenant {printable(tenant, 60)}, {key}" if tenant else key
    for path, reason in decoded.failures:
        found[path] = f"not opened: {printable(reason, 200)}"
    return found


def cmd_inspect(args: argparse.Namespace) -> int:
    opens: Decoder | None = None
    if _keys_given(args):
        opens = decoder(args, lambda: operator_keyring(args))
    print("PATH\tSTRATEGY\tCODEC\tKEY ID\tSIZE" + ("\tOPENS WITH" if opens else ""))
    count = 0
    found = 0

    def handle(document: Any) -> None:
        nonlocal count, found
        prefix = f"$[{count}]" if args.lines else "$"
        part = pick(document, args.path)
        verdicts = _verdicts(opens(part, None)) if opens is not None else {}
        for where, value in find_envelopes(part, prefix):
            info = describe(value)
            if info.strategy is None:
                strategy = "(malformed)"
            elif info.strategy == "":
                strategy = "(v0, no strategy)"
            else:
                strategy = printable(info.strategy, 80)
            size = f"{info.size} bytes" if info.size is not None else "malformed"
            key_id = printable(info.key_id, 80) if info.key_id else "-"
            row = [where, strategy, info.codec or "not installed", key_id, size]
            if opens is not None:
                row.append(verdicts.get("$" + where[len(prefix) :], "-"))
            print("\t".join(row))
            found += 1
        count += 1

    for source in args.file:
        each_document(source, args.lines, "inspected", handle)
    no_envelope_note(found, args.path)
    return EXIT_OK


def add_command(add: Callable[[str, str, Any], argparse.ArgumentParser]) -> None:
    inspect = add(
        "inspect",
        "list the envelopes in documents (no key needed; with keys, who opens each)",
        cmd_inspect,
    )
    add_keys(inspect)
    add_opening(inspect)
    add_input(inspect, several=True)
