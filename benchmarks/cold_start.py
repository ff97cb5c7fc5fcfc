"""Import and set-up time in fresh interpreters, timed inside each process.

Deployed code runs from compiled bytecode (pip compiles it on install), so
each program runs once with bytecode writing allowed before it is timed:
otherwise a machine with ``PYTHONDONTWRITEBYTECODE`` set (or an installer that
does not compile, as uv by default) would time the compiler. Times are the
process's CPU time, which the other processes of a busy machine do not move.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys

BASELINE = "import inngest"
PROGRAMS = {
    "import inngest_codecs (alone)": ("", "import inngest_codecs"),
    "secretbox middleware": (
        BASELINE,
        "from inngest_codecs import EncryptionMiddleware\n"
        "EncryptionMiddleware.factory('k', codec='secretbox')",
    ),
    "aes-gcm middleware": (
        BASELINE,
        "from inngest_codecs import EncryptionMiddleware\n"
        "EncryptionMiddleware.factory('k', codec='aes-gcm')",
    ),
}
"""name -> (what runs first, untimed; what is timed)."""
FIRST_VALUES = {
    "secretbox middleware": "secretbox",
    "aes-gcm middleware": "aes-gcm",
}
"""Programs also timed through their first round trip after set-up (what loads on first use)."""


def program(setup: str, code: str, codec: str | None = None) -> str:
    """A program printing the CPU seconds ``code`` takes after ``setup``; with ``codec``,
    then those of a first encrypt and decrypt with it."""
    source = f"{setup}\nimport time\n_t = time.process_time()\n{code}\n"
    source += "print(time.process_time() - _t)\n"
    if codec is not None:
        source += (
            f"_e = __import__('inngest_codecs').Encryptor('k', codec={codec!r})\n"
            "_t = time.process_time()\n_e.decrypt(_e.encrypt({'n': 1}))\n"
            "print(time.process_time() - _t)\n"
        )
    return source


def compile_for(source: str) -> None:
    """Run ``source`` once with bytecode writing allowed, so what it imports is compiled."""
    compiling = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    _run(source, compiling)


def timed(source: str) -> list[float]:
    """What ``source`` printed: seconds, one per line."""
    return _run(source, dict(os.environ))


def _run(source: str, environ: dict[str, str]) -> list[float]:
    output = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", source],
        check=True,
        capture_output=True,
        env=environ,
    )
    return [float(line) for line in output.stdout.split()]


def timings(repeats: int = 15) -> dict[str, float]:
    """Median seconds each program takes, in rotating order; ``<name>, first value`` rows
    time the first encrypt and decrypt after it."""
    sources = {
        name: program(setup, code, FIRST_VALUES.get(name))
        for name, (setup, code) in PROGRAMS.items()
    }
    for source in sources.values():
        compile_for(source)
    samples: dict[str, list[float]] = {}
    for _ in range(repeats):
        for name, source in sources.items():
            found = timed(source)
            samples.setdefault(name, []).append(found[0])
            if len(found) > 1:
                samples.setdefault(f"{name}, first value", []).append(found[1])
    return {name: statistics.median(values) for name, values in samples.items()}
