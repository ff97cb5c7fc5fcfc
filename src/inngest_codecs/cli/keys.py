"""``inngest-codecs codecs``, ``keygen`` and ``key-id``: what is installed, and keys."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from .. import registry
from .common import EXIT_OK, add_codec_options, add_keys, print_table, settings

AddCommand = Callable[[str, str, Any], argparse.ArgumentParser]


def cmd_codecs(args: argparse.Namespace) -> int:
    rows = [("NAME", "STRATEGY", "DISTRIBUTION", "VERSION")]
    for name, info in sorted(registry.available_codecs().items()):
        rows.append((name, info.strategy, info.distribution or "-", info.version or "-"))
    print_table(rows)
    return EXIT_OK


def cmd_keygen(args: argparse.Namespace) -> int:
    print(registry.codec_class(args.codec).generate_key())
    return EXIT_OK


def cmd_key_id(args: argparse.Namespace) -> int:
    """The key ids of the codec every other command would use with these settings."""
    chosen = settings(args, read_only=True)
    rows = [("KEY", f"KEY ID ({chosen.codec})")]
    for index, given in enumerate((chosen.key, *chosen.fallback_keys)):
        key_id = registry.load_codec(chosen.codec, given, **chosen.codec_options).key_ids[0]
        rows.append(("primary" if index == 0 else f"fallback #{index}", key_id))
    print_table(rows)
    return EXIT_OK


def add_commands(add: AddCommand) -> None:
    add("codecs", "list the installed codecs", cmd_codecs)
    keygen = add("keygen", "print a new random key for a codec", cmd_keygen)
    keygen.add_argument(
        "--codec",
        default="secretbox",
        help="the codec the key is for (default secretbox); the key names it, so settings "
        "without a codec use that one",
    )
    key_id = add("key-id", "print the key id each key gets in a codec's envelopes", cmd_key_id)
    add_keys(key_id, codec=None)
    key_id.add_argument(
        "--codec",
        help="the codec whose key ids to print (default: as every other command: "
        "$INNGEST_ENCRYPTION_CODEC, else the codec a generated key names, else secretbox)",
    )
    add_codec_options(key_id)
