"""atheris target: the command line's entry point with any stdin and a chosen command.
Anything but a documented exit status (a traceback, an internal error) is a crash.

    nox -s fuzz                      # time-boxed, with fuzz_decrypt.py
    python fuzz/fuzz_cli.py -max_total_time=60
"""

from __future__ import annotations

import contextlib
import io
import sys

import atheris

with atheris.instrument_imports():
    from inngest_codecs.cli import EXIT_INTERNAL, main

KEY = "fuzz cli key"
COMMANDS = [
    ["decrypt", "--key", KEY],
    ["decrypt", "--key", KEY, "--lines"],
    ["decrypt", "--key", KEY, "--path", "data.output"],
    ["encrypt", "--key", KEY],
    ["encrypt", "--key", KEY, "--codec", "aes-gcm", "--lines"],
    ["inspect"],
    ["inspect", "--lines"],
]


def one_input(data: bytes) -> None:
    provider = atheris.FuzzedDataProvider(data)
    argv = COMMANDS[provider.ConsumeIntInRange(0, len(COMMANDS) - 1)]
    stdin = io.TextIOWrapper(io.BytesIO(provider.ConsumeBytes(1 << 16)), encoding="utf-8")
    stdout = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    saved, sys.stdin = sys.stdin, stdin
    try:
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(io.StringIO()):
            status = main(argv)
    finally:
        sys.stdin = saved
    if status == EXIT_INTERNAL:
        raise RuntimeError(f"internal error for {argv}")


def main_fuzz() -> None:
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main_fuzz()
