"""What the commands share: exit statuses, keys from flags or files, the Encryptor, flags."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from typing import Any

from ..config import ENV_CODEC, ENV_FALLBACK_KEYS, ENV_KEY, EncryptionSettings
from ..config_env import env_secret, read_secret_file
from ..config_values import split_keys
from ..encryptor import Encryptor
from ..keycheck import findings
from ..keyring import Keyring, keyring_from_env

EXIT_OK, EXIT_UNOPENED, EXIT_USAGE, EXIT_INPUT, EXIT_CONFIG, EXIT_UNAVAILABLE = 0, 1, 2, 3, 4, 5
EXIT_INTERNAL = 70


class CliError(Exception):
    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


def warn(message: str) -> None:
    """One line on stderr that does not stop the command."""
    print(f"inngest-codecs: warning: {message}", file=sys.stderr)


def read_key_file(path: str, flag: str = "--key-file") -> str:
    text, problem = read_secret_file(path)
    if problem:
        raise CliError(f"{flag}: {problem}", EXIT_CONFIG)
    return text


def flag_key(args: argparse.Namespace) -> str | None:
    """The key given by --key or --key-file; a missing key is named here, for the CLI."""
    if getattr(args, "key_file", None):
        return read_key_file(args.key_file)
    key: str | None = args.key
    if not key and env_secret(os.environ, ENV_KEY) is None:
        raise CliError(
            f"no key: pass --key-file or --key, or set {ENV_KEY} (or {ENV_KEY}_FILE)",
            EXIT_CONFIG,
        )
    return key or None


def flag_fallback_keys(args: argparse.Namespace) -> list[str] | None:
    """--fallback-key (repeatable) and --fallback-key-file (repeatable; a key a line or
    comma-separated), or None when neither is given."""
    keys = list(getattr(args, "fallback_key", None) or ())
    for path in getattr(args, "fallback_key_file", None) or ():
        text = read_key_file(path, "--fallback-key-file")
        keys.extend(key for line in text.splitlines() for key in split_keys(line))
    return keys or None


def codec_options(args: argparse.Namespace) -> dict[str, Any] | None:
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


def overrides(args: argparse.Namespace) -> dict[str, Any]:
    """The settings the flags give (--key/--key-file, --fallback-key(-file), --codec,
    --codec-option, --compression, --offload-store); those not given are None, and the
    INNGEST_ENCRYPTION_* variables (or their _FILE forms) fill them in."""
    return {
        "key": flag_key(args),
        "fallback_keys": flag_fallback_keys(args),
        "codec": getattr(args, "codec", None),
        "codec_options": codec_options(args),
        "compression": getattr(args, "compression", None),
        "offload_store": getattr(args, "offload_store", None),
        "cache_size": 0,
    }


def settings(args: argparse.Namespace, *, read_only: bool) -> EncryptionSettings:
    """The settings of a command that needs keys: its flags over the variables. A command
    that only reads warns about an unknown variable; one that encrypts refuses it, as the
    middleware does. Each weak key, or key made for another codec, is a warning."""
    chosen = EncryptionSettings.from_env(
        overrides=overrides(args), on_unknown=warn if read_only else None
    )
    _warn_about_keys(chosen)
    return chosen


def _warn_about_keys(chosen: EncryptionSettings) -> None:
    for finding in findings(chosen.key, chosen.fallback_keys, chosen.codec):
        warn(finding.message)


def build_encryptor(args: argparse.Namespace, *, read_only: bool = True) -> Encryptor:
    """The Encryptor of the commands that encrypt, from `settings`."""
    return settings(args, read_only=read_only).encryptor()


def operator_keyring(args: argparse.Namespace) -> Keyring:
    """Every configured key (see [`inngest_codecs.keyring`][]), for the commands that open;
    an unknown variable is a warning there."""
    chosen, ring = keyring_from_env(
        overrides=overrides(args), keys_dir=getattr(args, "keys_dir", None), on_unknown=warn
    )
    _warn_about_keys(chosen)
    return ring


def print_table(rows: Sequence[Sequence[str]]) -> None:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )


def add_keys(
    sub: argparse.ArgumentParser, fallbacks: bool = True, codec: str | None = "decrypt"
) -> None:
    """The key flags (each with a file form, so no key has to pass through a shell word);
    with ``codec`` ("encrypt" or "decrypt": what the command does with it), also --codec
    and --codec-option (a codec's options matter when opening too: aws-kms takes its
    encryption context from them)."""
    sub.add_argument("--key-file", metavar="FILE", help="read the key from this file")
    sub.add_argument("--key", help=f"the key (default: ${ENV_KEY} or ${ENV_KEY}_FILE)")
    if fallbacks:
        sub.add_argument(
            "--fallback-key-file",
            action="append",
            metavar="FILE",
            help="read older keys to try from this file (a key a line; repeatable)",
        )
        sub.add_argument(
            "--fallback-key",
            action="append",
            help=f"an older key to try (repeatable; default: ${ENV_FALLBACK_KEYS})",
        )
    if codec:
        add_codec(sub, codec)
        if fallbacks:
            sub.add_argument("--offload-store", help="store URL to fetch offloaded values from")


def add_codec(sub: argparse.ArgumentParser, verb: str) -> None:
    sub.add_argument(
        "--codec",
        help=f"codec to {verb} with (default: ${ENV_CODEC}, else the codec a generated key "
        "names, else secretbox)"
        + ("; envelopes of every installed codec open" if verb == "decrypt" else ""),
    )
    add_codec_options(sub)


def add_codec_options(sub: argparse.ArgumentParser) -> None:
    sub.add_argument(
        "--codec-option",
        action="append",
        metavar="NAME=VALUE",
        help="an option of the codec (repeatable; VALUE as JSON, or text)",
    )


def add_input(sub: argparse.ArgumentParser, path: bool = True, several: bool = False) -> None:
    if several:
        sub.add_argument(
            "file", nargs="*", default=["-"], help="JSON files, or - for stdin (default)"
        )
    else:
        sub.add_argument("file", nargs="?", default="-", help="JSON file, or - for stdin")
    sub.add_argument("--lines", action="store_true", help="the input is JSON lines")
    if path:
        add_path(sub)


def add_path(sub: argparse.ArgumentParser) -> None:
    sub.add_argument(
        "--path", help="work on this part of each document only, e.g. data.output or steps[0]"
    )
