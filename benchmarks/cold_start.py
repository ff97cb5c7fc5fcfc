"""Import and set-up time in fresh interpreters, timed inside each process."""

from __future__ import annotations

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


def _timed(setup: str, code: str) -> float:
    source = f"{setup}\nimport time\n_t = time.perf_counter()\n{code}\n"
    source += "print(time.perf_counter() - _t)"
    output = subprocess.run([sys.executable, "-c", source], check=True, capture_output=True)
    return float(output.stdout)


def timings(repeats: int = 15) -> dict[str, float]:
    """Median seconds each program takes, in rotating order."""
    samples: dict[str, list[float]] = {name: [] for name in PROGRAMS}
    for _ in range(repeats):
        for name, (setup, code) in PROGRAMS.items():
            samples[name].append(_timed(setup, code))
    return {name: statistics.median(values) for name, values in samples.items()}
