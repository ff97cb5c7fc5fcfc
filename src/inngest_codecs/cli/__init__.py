"""The ``inngest-codecs`` command line.

Exit status: 0 success; 1 some envelopes could not be opened; 2 usage error;
3 input error (unreadable file, invalid JSON, a value JSON cannot carry, no
such run or event); 4 configuration error (missing key, unknown codec,
signing key refused); 5 the Inngest API could not be reached.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import Any

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
from . import crypt, doctor, index, keys, listing, lookup, serve
from .common import (
    EXIT_CONFIG,
    EXIT_INPUT,
    EXIT_INTERNAL,
    EXIT_OK,
    EXIT_UNAVAILABLE,
    EXIT_UNOPENED,
    EXIT_USAGE,
    CliError,
    build_encryptor,
)
from .io import printable, terminal_safe

EPILOG = """\
exit status:
  0  success
  1  some envelopes could not be opened (they are printed as they were)
  2  usage error
  3  input error: unreadable file, invalid JSON, a value JSON cannot carry,
     no such run or event
  4  configuration error: no key, unknown codec, signing key refused
  5  the Inngest API could not be reached

keys: --key-file, --key, $INNGEST_ENCRYPTION_KEY or $INNGEST_ENCRYPTION_KEY_FILE;
fallback keys: --fallback-key-file, --fallback-key, $INNGEST_ENCRYPTION_FALLBACK_KEYS
(comma-separated) or $INNGEST_ENCRYPTION_FALLBACK_KEYS_FILE; every INNGEST_ENCRYPTION_*
variable may be given as a file instead (INNGEST_ENCRYPTION_KEY_FILE=/run/secrets/key).
decrypt, run, event and serve open values of every configured key: default,
fallback, every tenant's (INNGEST_ENCRYPTION_TENANT_KEYS) and --keys-dir files.
Prefer the file forms: a key on the command line stays in your shell history.
"""

EXAMPLES = {
    "codecs": "inngest-codecs codecs",
    "keygen": "inngest-codecs keygen --codec aes-gcm > prod.key",
    "key-id": "inngest-codecs key-id --key-file prod.key --fallback-key-file old.key",
    "encrypt": 'echo \'{"ssn": "123-45-6789"}\' | inngest-codecs encrypt --key-file prod.key',
    "decrypt": "inngest-codecs decrypt --key-file prod.key --path data.output run*.json",
    "inspect": "inngest-codecs inspect --lines export.jsonl",
    "run": "INNGEST_SIGNING_KEY=signkey-prod-... inngest-codecs run 01HWAVEB858VPPX47Z65GR6P6R",
    "event": "inngest-codecs event 01HWAVEB858VPPX47Z65GR6P6R --runs --key-file prod.key",
    "serve": "INNGEST_ENCRYPTION_KEY_FILE=prod.key inngest-codecs serve  # then open the URL",
    "doctor": "INNGEST_ENCRYPTION_KEY_FILE=prod.key INNGEST_DEV=1 inngest-codecs doctor",
    "demo": "inngest-codecs demo --codec aes-gcm --out ./demo",
    "index": "inngest-codecs index --name customer --normalize trim,lower ' Ana@Example.com'",
}


def cmd_demo(args: argparse.Namespace) -> int:
    from .demo import DemoUnavailable, run_demo  # Flask and the SDK: only for the demo

    if args.out is not None:
        _check_out_folder(args.out)
    try:
        return run_demo(args.codec, args.out)
    except DemoUnavailable as error:
        raise CliError(str(error), EXIT_CONFIG) from None


def _check_out_folder(out: str) -> None:
    """--out names a folder the demo can write to (made when missing), checked before it runs."""
    try:
        os.makedirs(out, exist_ok=True)
    except FileExistsError:
        raise CliError(f"--out {printable(out)} is a file, not a folder", EXIT_USAGE) from None
    except OSError as error:
        raise CliError(
            f"--out {printable(out)}: cannot make the folder: {error.strerror}", EXIT_USAGE
        ) from None
    if not os.access(out, os.W_OK):
        raise CliError(f"--out {printable(out)}: the folder is not writable", EXIT_USAGE)


def _version() -> str:
    import importlib.metadata

    try:
        return importlib.metadata.version("inngest-codecs")
    except importlib.metadata.PackageNotFoundError:
        from .. import __version__

        return __version__


def _parser() -> argparse.ArgumentParser:
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

    keys.add_commands(add)
    crypt.add_commands(add)
    listing.add_command(add)
    lookup.add_commands(add)
    serve.add_command(add)
    index.add_command(add)
    doctor.add_command(add)
    demo = add(
        "demo", "run an encrypted Inngest app locally and show what crosses the wire", cmd_demo
    )
    demo.add_argument("--codec", default="secretbox", help="codec to encrypt with")
    demo.add_argument(
        "--out", metavar="DIR", help="keep what the server stored, and the demo key, in DIR"
    )
    return parser


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
