"""``inngest-codecs index``: the tag a blind index gives a value, as the middleware writes it.

For producers outside Python (a shell script sending events) and for on call: the tag
of a customer id finds that customer's runs and events without opening any of them.
The index's normaliser and length come from ``$INNGEST_ENCRYPTION_INDEXES`` when the
index is configured there, as the middleware would apply them.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any

from ..config import EncryptionSettings
from ..index import FULL_BYTES, apply_normalizer, check_length, check_name, parse_normalizer
from ..indexer import Indexer
from .common import (
    EXIT_CONFIG,
    EXIT_INPUT,
    EXIT_OK,
    CliError,
    add_codec,
    codec_options,
    flag_key,
    read_key_file,
)

AddCommand = Callable[[str, str, Any], argparse.ArgumentParser]


def _value(args: argparse.Namespace) -> Any:
    if not args.json:
        return args.value
    try:
        return json.loads(args.value)
    except ValueError:
        raise CliError(
            "with --json, VALUE must be JSON (a string or a number)", EXIT_INPUT
        ) from None


def cmd_index(args: argparse.Namespace) -> int:
    settings = EncryptionSettings.from_env(
        overrides={
            "key": flag_key(args),
            "codec": args.codec,
            "codec_options": codec_options(args),
            "index_key": read_key_file(args.index_key_file, "--index-key-file")
            if args.index_key_file
            else None,
            "cache_size": 0,
        }
    )
    tenants = settings.tenants()
    name = check_name(args.name)
    configured = next((i for i in settings.indexes if i.name == name), None)
    normalizer = configured.normalizer if configured is not None else ()
    if args.normalize is not None:
        normalizer = parse_normalizer(args.normalize, "--normalize")
    length = configured.length if configured is not None else FULL_BYTES
    if args.bytes is not None:
        length = check_length(args.bytes, "--bytes")
    if args.tenant is not None and args.tenant not in tenants.tenants:
        raise CliError(
            f"tenant {args.tenant!r} has no key of its own in tenant_keys; tags name a "
            "tenant only where keys are per tenant",
            EXIT_CONFIG,
        )
    indexer = Indexer(
        (),
        tenants,
        fields=settings.event_encryption_field,
        index_key=settings.index_key,
        next_key=settings.index_next_key,
    )
    value = apply_normalizer(_value(args), normalizer, f"index {name!r}")
    encryptor = tenants.for_tenant(args.tenant)
    found = indexer.tag(name, value, encryptor, length=length, next_key=args.next)
    if found is None:
        raise CliError("no tag: the value is empty (after normalising)", EXIT_INPUT)
    sys.stdout.write(found + "\n")
    return EXIT_OK


def add_command(add: AddCommand) -> None:
    sub = add("index", "print the blind-index tag of a value (see docs/flow-control.md)", cmd_index)
    sub.add_argument("value", metavar="VALUE", help="the value, as text (see --json)")
    sub.add_argument("--name", required=True, help="the index name, as configured")
    sub.add_argument("--json", action="store_true", help="VALUE is JSON: 42 is a number")
    sub.add_argument("--tenant", help="the tenant whose key the tag is under")
    sub.add_argument(
        "--normalize",
        metavar="STEPS",
        help="trim, lower, digits, last:N, comma-separated (default: the configured index's)",
    )
    sub.add_argument("--bytes", type=int, help="tag length, 16 to 32 (default: configured, 32)")
    sub.add_argument("--next", action="store_true", help="the tag under index_next_key")
    sub.add_argument("--key", help="the encryption key (default: $INNGEST_ENCRYPTION_KEY)")
    sub.add_argument("--key-file", help="read the encryption key from this file")
    sub.add_argument(
        "--index-key-file", help="read index_key from this file ($INNGEST_ENCRYPTION_INDEX_KEY)"
    )
    add_codec(sub, "encrypt")
