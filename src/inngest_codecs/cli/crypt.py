"""``inngest-codecs encrypt`` and ``decrypt``: JSON documents on this machine."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from .common import EXIT_OK, add_input, add_keys, build_encryptor, operator_keyring
from .decoded import Decoded
from .io import each_document, write_document
from .opening import add_opening, decoder, report

AddCommand = Callable[[str, str, Any], argparse.ArgumentParser]


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
    decode = decoder(args, lambda: operator_keyring(args))
    results: list[Decoded] = []

    def handle(document: Any) -> None:
        decoded = decode(document, args.path)
        results.append(decoded)
        write_document(decoded.document, lines=args.lines)

    for source in args.file:
        each_document(source, args.lines, "decrypted", handle)
    return report(results, args.path)


def add_commands(add: AddCommand) -> None:
    encrypt = add("encrypt", "encrypt a JSON value into an envelope", cmd_encrypt)
    add_keys(encrypt, fallbacks=False, codec="encrypt")
    encrypt.add_argument("--compression", choices=["zstd"], help="compress before encrypting")
    add_input(encrypt, path=False)
    decrypt = add("decrypt", "open every envelope inside JSON documents", cmd_decrypt)
    add_keys(decrypt)
    add_opening(decrypt)
    add_input(decrypt, several=True)
