"""The ``inngest-codecs`` command line.

Exit status: 0 success; 1 some envelopes could not be opened; 2 usage error;
3 input error (unreadable file, invalid JSON, a value JSON cannot carry, no
such run or event); 4 configuration error (missing key, unknown codec,
signing key refused); 5 the Inngest API could not be reached.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

from .. import registry
from ..config import ENV_CODEC, ENV_FALLBACK_KEYS, ENV_KEY, EncryptionSettings
from ..config_values import split_keys
from ..encryptor import Encryptor
from ..errors import (
    CodecError,
    CodecServerError,
    ConfigError,
    EncodingError,
    InngestAuthError,
    InngestNotFoundError,
    InngestUnavailableError,
    InputError,
)
from ..keyring import Keyring, resolve_file_variables
from .decoded import Decoded
from .io import each_document, printable, terminal_safe, write_document
from .opening import add_opening, build_keyring, decoder, report

EXIT_OK, EXIT_UNOPENED, EXIT_USAGE, EXIT_INPUT, EXIT_CONFIG, EXIT_UNAVAILABLE = 0, 1, 2, 3, 4, 5
EXIT_INTERNAL = 70

EPILOG = """\
exit status:
  0  success
  1  some envelopes could not be opened (they are printed as they were)
  2  usage error
  3  input error: unreadable file, invalid JSON, a value JSON cannot carry,
     no such run or event
  4  configuration error: no key, unknown codec, signing key refused
  5  the Inngest API could not be reached

keys: --key, --key-file or $INNGEST_ENCRYPTION_KEY; fallback keys: --fallback-key
or $INNGEST_ENCRYPTION_FALLBACK_KEYS (comma-separated); every INNGEST_ENCRYPTION_*
variable may be given as a file instead (INNGEST_ENCRYPTION_KEY_FILE=/run/secrets/key).
decrypt, run, event and serve open values of every configured key: default,
fallback, every tenant's (INNGEST_ENCRYPTION_TENANT_KEYS) and --keys-dir files.
Prefer --key-file or the environment: a key on the command line stays in your
shell history.
"""

EXAMPLES = {
    "codecs": "inngest-codecs codecs",
    "keygen": "inngest-codecs keygen --codec aes-gcm > prod.key",
    "key-id": 'inngest-codecs key-id --key-file prod.key --fallback-key "$OLD_KEY"',
    "encrypt": 'echo \'{"ssn": "123-45-6789"}\' | inngest-codecs encrypt --key-file prod.key',
    "decrypt": "inngest-codecs decrypt --key-file prod.key --path data.output run.json",
    "inspect": "inngest-codecs inspect --lines export.jsonl",
    "run": "INNGEST_SIGNING_KEY=signkey-prod-... inngest-codecs run 01HWAVEB858VPPX47Z65GR6P6R",
    "event": "inngest-codecs event 01HWAVEB858VPPX47Z65GR6P6R --runs --key-file prod.key",
    "serve": "INNGEST_ENCRYPTION_KEY=$(cat prod.key) inngest-codecs serve  # then open the URL",
    "demo": "inngest-codecs demo --codec aes-gcm --out ./demo",
    "index": "inngest-codecs index --name customer --normalize trim,lower ' Ana@Example.com'",
}


class CliError(Exception):
    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


def _read_key_file(path: str) -> str:
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read().strip()
    except (OSError, UnicodeDecodeError):
        raise CliError(f"cannot read the key file {printable(path)}", EXIT_CONFIG) from None


def _flag_key(args: argparse.Namespace) -> str | None:
    """The key given by --key or --key-file; a missing key is named here, for the CLI."""
    key = args.key or (_read_key_file(args.key_file) if args.key_file else None)
    if not key and not resolve_file_variables().get(ENV_KEY, "").strip():
        raise CliError(f"no key: pass --key or --key-file, or set {ENV_KEY}", EXIT_CONFIG)
    return key or None


def _keys(args: argparse.Namespace) -> tuple[str, tuple[str, ...]]:
    env = resolve_file_variables()
    key = _flag_key(args) or env[ENV_KEY]
    fallbacks = tuple(getattr(args, "fallback_key", None) or ())
    if not fallbacks:
        fallbacks = split_keys(env.get(ENV_FALLBACK_KEYS, ""))
    return key, fallbacks


def _codec_options(args: argparse.Namespace) -> dict[str, Any] | None:
    """``--codec-option NAME=VALUE``, VALUE read as JSON when it is JSON, else as text."""
    given = getattr(args, "codec_option", None)
    if not given:
        return None
    options: dict[str, Any] = {}
    for item in given:
        name, sep, text = item.partition("=")
        if not sep or not name.strip():
            raise CliError("--codec-option takes NAME=VALUE", EXIT_USAGE)
        try:
            options[name.strip()] = json.loads(text)
        except ValueError:
            options[name.strip()] = text
    return options


def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    """The settings the flags give (--key/--key-file, --fallback-key, --codec,
    --codec-option, --compression, --offload-store); those not given are None, and the
    INNGEST_ENCRYPTION_* variables (or their _FILE forms) fill them in."""
    return {
        "key": _flag_key(args),
        "fallback_keys": getattr(args, "fallback_key", None),
        "codec": getattr(args, "codec", None),
        "codec_options": _codec_options(args),
        "compression": getattr(args, "compression", None),
        "offload_store": getattr(args, "offload_store", None),
        "cache_size": 0,
    }


def build_encryptor(args: argparse.Namespace) -> Encryptor:
    """The Encryptor of the commands that encrypt, from the settings model."""
    env = resolve_file_variables()
    return EncryptionSettings.from_env(env, overrides=_overrides(args)).encryptor()


def operator_keyring(args: argparse.Namespace) -> Keyring:
    """Every configured key (see [`inngest_codecs.keyring`][]), for the commands that open."""
    return build_keyring(args, _overrides(args))


def cmd_codecs(args: argparse.Namespace) -> int:
    rows = [("NAME", "STRATEGY", "DISTRIBUTION", "VERSION")]
    for name, info in sorted(registry.available_codecs().items()):
        rows.append((name, info.strategy, info.distribution or "-", info.version or "-"))
    _print_table(rows)
    return EXIT_OK


def _print_table(rows: Sequence[Sequence[str]]) -> None:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )


def cmd_keygen(args: argparse.Namespace) -> int:
    print(registry.codec_class(args.codec).generate_key())
    return EXIT_OK


def cmd_key_id(args: argparse.Namespace) -> int:
    key, fallbacks = _keys(args)
    rows = [("KEY", f"KEY ID ({args.codec})")]
    for index, given in enumerate((key, *fallbacks)):
        key_id = registry.load_codec(args.codec, given).key_ids[0]
        rows.append(("primary" if index == 0 else f"fallback #{index}", key_id))
    _print_table(rows)
    return EXIT_OK


def cmd_encrypt(args: argparse.Namespace) -> int:
    encryptor = build_encryptor(args)
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

    each_document(args.file, args.lines, "decrypted", handle)
    return report(results, args.path)


def cmd_demo(args: argparse.Namespace) -> int:
    from .demo import DemoUnavailable, run_demo

    try:
        return run_demo(args.codec, args.out)
    except DemoUnavailable as error:
        raise CliError(str(error), EXIT_CONFIG) from None


def _version() -> str:
    import importlib.metadata

    try:
        return importlib.metadata.version("inngest-codecs")
    except importlib.metadata.PackageNotFoundError:
        from .. import __version__

        return __version__


def _parser() -> argparse.ArgumentParser:
    from . import index, lookup, serve
    from .listing import cmd_inspect

    parser = argparse.ArgumentParser(
        prog="inngest-codecs",
        description="Encrypt, decrypt and inspect Inngest payloads on your own machine.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, help_text: str, handler: Any) -> argparse.ArgumentParser:
        sub = commands.add_parser(
            name,
            help=help_text,
            description=help_text[0].upper() + help_text[1:] + ".",
            epilog=f"example:\n  {EXAMPLES[name]}",
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        sub.set_defaults(handler=handler)
        return sub

    add("codecs", "list the installed codecs", cmd_codecs)
    keygen = add("keygen", "print a new random key", cmd_keygen)
    keygen.add_argument("--codec", default="secretbox", help="codec the key is for")
    key_id = add("key-id", "print the key id each key gets in a codec's envelopes", cmd_key_id)
    add_keys(key_id, codec=False)
    key_id.add_argument(
        "--codec",
        default="aes-gcm",
        help="the codec whose key ids to print (default aes-gcm; per-tenant envelopes "
        "name the id their codec gives the key)",
    )
    encrypt = add("encrypt", "encrypt a JSON value into an envelope", cmd_encrypt)
    add_keys(encrypt, fallbacks=False)
    encrypt.add_argument("--compression", choices=["zstd"], help="compress before encrypting")
    add_input(encrypt, path=False)
    decrypt = add("decrypt", "open every envelope inside a JSON document", cmd_decrypt)
    add_keys(decrypt)
    add_opening(decrypt)
    add_input(decrypt)
    inspect = add(
        "inspect",
        "list the envelopes in a document (no key needed; with keys, who opens each)",
        cmd_inspect,
    )
    add_keys(inspect)
    add_opening(inspect)
    add_input(inspect)
    lookup.add_commands(add)
    serve.add_command(add)
    index.add_command(add)
    demo = add(
        "demo", "run an encrypted Inngest app locally and show what crosses the wire", cmd_demo
    )
    demo.add_argument("--codec", default="secretbox", help="codec to encrypt with")
    demo.add_argument(
        "--out", metavar="DIR", help="keep what the server stored, and the demo key, in DIR"
    )
    return parser


def add_keys(sub: argparse.ArgumentParser, fallbacks: bool = True, codec: bool = True) -> None:
    """The key flags; with ``codec``, also --codec and --codec-option (a codec's options
    matter when opening too: aws-kms takes its encryption context from them)."""
    sub.add_argument("--key", help=f"the key (default: ${ENV_KEY})")
    sub.add_argument("--key-file", help="read the key from this file")
    if fallbacks:
        sub.add_argument(
            "--fallback-key",
            action="append",
            help=f"an older key to try (repeatable; default: ${ENV_FALLBACK_KEYS})",
        )
    if codec:
        add_codec(sub)
        if fallbacks:
            sub.add_argument("--offload-store", help="store URL to fetch offloaded values from")


def add_codec(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("--codec", help=f"codec to encrypt with (default: ${ENV_CODEC} or secretbox)")
    add_codec_options(sub)


def add_codec_options(sub: argparse.ArgumentParser) -> None:
    sub.add_argument(
        "--codec-option",
        action="append",
        metavar="NAME=VALUE",
        help="an option of the codec (repeatable; VALUE as JSON, or text)",
    )


def add_input(sub: argparse.ArgumentParser, path: bool = True) -> None:
    sub.add_argument("file", nargs="?", default="-", help="JSON file, or - for stdin")
    sub.add_argument("--lines", action="store_true", help="the input is JSON lines")
    if path:
        add_path(sub)


def add_path(sub: argparse.ArgumentParser) -> None:
    sub.add_argument(
        "--path", help="work on this part of each document only, e.g. data.output or steps[0]"
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        status: int = args.handler(args)
    except CliError as error:
        return _fail(str(error), error.status)
    except (ConfigError, InngestAuthError) as error:
        return _fail(str(error), EXIT_CONFIG)
    except (InputError, EncodingError, InngestNotFoundError) as error:
        return _fail(str(error), EXIT_INPUT)
    except (InngestUnavailableError, CodecServerError) as error:
        return _fail(str(error), EXIT_UNAVAILABLE)
    except CodecError as error:
        return _fail(str(error), EXIT_UNOPENED)
    except BrokenPipeError:
        sys.stderr.close()
        return EXIT_OK
    except KeyboardInterrupt:
        return 130
    except Exception as error:  # a bug: say so in one line, without data or traceback
        return _fail(f"internal error ({type(error).__name__}); please report it", EXIT_INTERNAL)
    return status


def _fail(message: str, status: int) -> int:
    print(f"inngest-codecs: {terminal_safe(message)}", file=sys.stderr)
    return status


__all__ = ["build_encryptor", "main"]
