"""``inngest-codecs encrypt``, ``decrypt`` and ``inspect``: JSON documents on this machine."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from ..errors import CodecError
from ..for_inngest.documents import describe, find_envelopes, open_with_report
from .common import (
    EXIT_OK,
    add_input,
    add_keys,
    build_encryptor,
    no_envelope_note,
    report_unopened,
)
from .io import each_document, pick, printable, write_document

AddCommand = Callable[[str, str, Any], argparse.ArgumentParser]
INSPECT_HEADER = ("PATH", "STRATEGY", "CODEC", "KEY ID", "SIZE")


def cmd_encrypt(args: argparse.Namespace) -> int:
    encryptor = build_encryptor(args, read_only=False)
    each_document(
        args.file,
        args.lines,
        "encrypted",
        lambda doc: write_document(encryptor.encrypt(doc), lines=args.lines),
    )
    return EXIT_OK


def cmd_decrypt(args: argparse.Namespace) -> int:
    encryptor = build_encryptor(args)
    unopened: list[tuple[str, CodecError]] = []
    found = 0

    def open_on_the_way(value: Any) -> Any:
        nonlocal found
        found += 1  # an envelope --path led through counts as one the input holds
        return encryptor.decrypt(value)

    def handle(document: Any) -> None:
        nonlocal found
        report = open_with_report(pick(document, args.path, open_on_the_way), encryptor)
        found += len(report.opened) + len(report.failures)
        unopened.extend((f.path, f.error) for f in report.failures)
        write_document(report.document, lines=args.lines)

    for source in args.file:
        each_document(source, args.lines, "decrypted", handle)
    no_envelope_note(found, args)
    return report_unopened(unopened)


def cmd_inspect(args: argparse.Namespace) -> int:
    print("\t".join(INSPECT_HEADER))
    count = 0
    found = 0

    def handle(document: Any) -> None:
        nonlocal count, found
        prefix = f"$[{count}]" if args.lines else "$"
        for where, value in find_envelopes(pick(document, args.path), prefix):
            print("\t".join(_row(where, value)))
            found += 1
        count += 1

    for source in args.file:
        each_document(source, args.lines, "inspected", handle)
    no_envelope_note(found, args)
    return EXIT_OK


def _row(where: str, value: Any) -> list[str]:
    info = describe(value)
    if info.strategy is None:
        strategy = "(malformed)"
    elif info.strategy == "":
        strategy = "(v0, no strategy)"
    else:
        strategy = printable(info.strategy, 80)
    size = f"{info.size} bytes" if info.size is not None else "malformed"
    return [where, strategy, info.codec or "not installed", info.key_id or "-", size]


def add_commands(add: AddCommand) -> None:
    encrypt = add("encrypt", "encrypt a JSON value into an envelope", cmd_encrypt)
    add_keys(encrypt, fallbacks=False, codec="encrypt")
    encrypt.add_argument("--compression", choices=["zstd"], help="compress before encrypting")
    add_input(encrypt, path=False)
    decrypt = add("decrypt", "open every envelope inside JSON documents", cmd_decrypt)
    add_keys(decrypt)
    add_input(decrypt, several=True)
    inspect = add("inspect", "list the envelopes in documents (no key needed)", cmd_inspect)
    add_input(inspect, several=True)
