"""The ``inngest-codecs`` command line.

Exit status: 0 success; 1 some envelopes could not be opened (``decrypt``);
2 usage error; 3 input error (unreadable file, invalid JSON, a value JSON
cannot carry); 4 configuration error (missing key, unknown codec).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import Any

from .. import envelope, layers, registry
from ..config import ENV_CODEC, ENV_FALLBACK_KEYS, ENV_KEY, split_keys
from ..documents import find_envelopes, open_envelopes
from ..encryptor import Encryptor
from ..errors import CodecError, EncodingError, KeyConfigError, UnknownCodecError
from .io import InputError, each_document, write_document

EXIT_OK, EXIT_UNOPENED, EXIT_USAGE, EXIT_INPUT, EXIT_CONFIG = 0, 1, 2, 3, 4


class CliError(Exception):
    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


def _read_key_file(path: str) -> str:
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read().strip()
    except (OSError, UnicodeDecodeError):
        raise CliError(f"cannot read the key file {path}", EXIT_CONFIG) from None


def _keys(args: argparse.Namespace) -> tuple[str, tuple[str, ...]]:
    key = args.key or (_read_key_file(args.key_file) if args.key_file else os.environ.get(ENV_KEY))
    if not key:
        raise CliError(f"no key: pass --key or --key-file, or set {ENV_KEY}", EXIT_CONFIG)
    fallbacks = tuple(getattr(args, "fallback_key", None) or ())
    if not fallbacks:
        fallbacks = split_keys(os.environ.get(ENV_FALLBACK_KEYS, ""))
    return key, fallbacks


def cmd_codecs(args: argparse.Namespace) -> int:
    rows = [("NAME", "STRATEGY", "DISTRIBUTION", "VERSION")]
    for name, info in sorted(registry.available_codecs().items()):
        rows.append((name, info.strategy, info.distribution or "-", info.version or "-"))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for row in rows:
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )
    return EXIT_OK


def cmd_keygen(args: argparse.Namespace) -> int:
    print(registry.codec_class(args.codec).generate_key())
    return EXIT_OK


def cmd_encrypt(args: argparse.Namespace) -> int:
    key, _ = _keys(args)
    encryptor = Encryptor(key, codec=args.codec, compression=args.compression)
    each_document(
        args.file,
        args.lines,
        "encrypted",
        lambda doc: write_document(encryptor.encrypt(doc), lines=args.lines),
    )
    return EXIT_OK


def cmd_decrypt(args: argparse.Namespace) -> int:
    key, fallbacks = _keys(args)
    encryptor = Encryptor(key, fallback_keys=fallbacks, offload_store=args.offload_store)
    unopened: list[tuple[str, CodecError]] = []

    def handle(document: Any) -> None:
        opened, failures = open_envelopes(document, encryptor.decrypt)
        unopened.extend(failures)
        write_document(opened, lines=args.lines)

    each_document(args.file, args.lines, "decrypted", handle)
    if unopened:
        for where, error in unopened[:20]:
            print(f"inngest-codecs: not opened at {where}: {error}", file=sys.stderr)
        print(f"inngest-codecs: {len(unopened)} envelope(s) left encrypted", file=sys.stderr)
        return EXIT_UNOPENED
    return EXIT_OK


def _describe(where: str, value: dict[str, Any]) -> str:
    strategy = value.get(envelope.STRATEGY, envelope.NO_STRATEGY)
    data = value.get(envelope.DATA)
    try:
        base = layers.split(strategy)[0] if isinstance(strategy, str) else None
        codec = registry.codec_for_strategy(base) if base is not None else None
    except UnknownCodecError:
        codec = None
    try:
        blob = envelope.decode_base64(data) if isinstance(data, str) else None
    except EncodingError:
        blob = None
    key_id = codec.key_id_of(blob) if codec is not None and blob is not None else None
    return "\t".join(
        [
            where,
            str(strategy) if strategy != envelope.NO_STRATEGY else "(v0, no strategy)",
            codec.name if codec is not None else "not installed",
            key_id or "-",
            f"{len(blob)} bytes" if blob is not None else "malformed",
        ]
    )


def cmd_inspect(args: argparse.Namespace) -> int:
    print("PATH\tSTRATEGY\tCODEC\tKEY ID\tSIZE")
    count = 0

    def handle(document: Any) -> None:
        nonlocal count
        prefix = f"$[{count}]" if args.lines else "$"
        for where, value in find_envelopes(document, prefix):
            print(_describe(where, value))
        count += 1

    each_document(args.file, args.lines, "inspected", handle)
    return EXIT_OK


def cmd_demo(args: argparse.Namespace) -> int:
    from .demo import DemoUnavailable, run_demo

    try:
        return run_demo(args.codec)
    except DemoUnavailable as error:
        raise CliError(str(error), EXIT_CONFIG) from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="inngest-codecs",
        description="Encrypt, decrypt and inspect Inngest payloads on your own machine.",
        epilog=__doc__.split("\n\n", 1)[1] if __doc__ else None,
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, help_text: str, handler: Any) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.set_defaults(handler=handler)
        return sub

    def add_keys(sub: argparse.ArgumentParser, fallbacks: bool) -> None:
        sub.add_argument("--key", help=f"the key (default: ${ENV_KEY})")
        sub.add_argument("--key-file", help="read the key from this file")
        if fallbacks:
            sub.add_argument(
                "--fallback-key",
                action="append",
                help=f"an older key to try (repeatable; default: ${ENV_FALLBACK_KEYS})",
            )

    def add_input(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("file", nargs="?", default="-", help="JSON file, or - for stdin")
        sub.add_argument("--lines", action="store_true", help="the input is JSON lines")

    add("codecs", "list the installed codecs", cmd_codecs)
    keygen = add("keygen", "print a new random key", cmd_keygen)
    keygen.add_argument("--codec", default="secretbox", help="codec the key is for")
    encrypt = add("encrypt", "encrypt a JSON value into an envelope", cmd_encrypt)
    add_keys(encrypt, fallbacks=False)
    encrypt.add_argument(
        "--codec", default=os.environ.get(ENV_CODEC) or "secretbox", help="codec to encrypt with"
    )
    encrypt.add_argument("--compression", choices=["zstd"], help="compress before encrypting")
    add_input(encrypt)
    decrypt = add("decrypt", "open every envelope inside a JSON document", cmd_decrypt)
    add_keys(decrypt, fallbacks=True)
    decrypt.add_argument("--offload-store", help="store URL to fetch offloaded values from")
    add_input(decrypt)
    inspect = add("inspect", "list the envelopes in a document (no key needed)", cmd_inspect)
    add_input(inspect)
    demo = add(
        "demo", "run an encrypted Inngest app locally and show what crosses the wire", cmd_demo
    )
    demo.add_argument("--codec", default="secretbox", help="codec to encrypt with")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        status: int = args.handler(args)
    except CliError as error:
        return _fail(str(error), error.status)
    except (KeyConfigError, UnknownCodecError) as error:
        return _fail(str(error), EXIT_CONFIG)
    except (InputError, EncodingError) as error:
        return _fail(str(error), EXIT_INPUT)
    except CodecError as error:
        return _fail(str(error), EXIT_UNOPENED)
    except BrokenPipeError:
        sys.stderr.close()
        return EXIT_OK
    except KeyboardInterrupt:
        return 130
    return status


def _fail(message: str, status: int) -> int:
    print(f"inngest-codecs: {message}", file=sys.stderr)
    return status


__all__ = ["main"]
