"""What the two shortcuts past public APIs buy, measured against the public way.

- secretbox calls libsodium through PyNaCl's compiled module (``nacl._sodium``)
  instead of ``nacl.bindings``: per small value, and on import.
- aes-gcm derives its keys with HKDF written out in ``hmac.digest`` instead of
  ``cryptography``'s HKDF: per Encryptor built (a tenant router builds many),
  and on import after ``import inngest`` (which loads ``hmac`` already; the
  HKDF class would load cryptography at start-up, before any value needs it).

Each shortcut stays only while these ratios show it pays (see the comments at
the two places in the source).
"""

from __future__ import annotations

import os
import statistics
from typing import Any

from . import cold_start
from .measure import alternate

SMALL = b'{"ssn":"123-45-6789","name":"Ada Lovelace"}'
NONCE = os.urandom(24)
KEY = os.urandom(32)


def _secretbox_private() -> Any:
    from inngest_codecs.codecs import secretbox

    codec = secretbox.SecretBoxCodec(secretbox.KeySet.build("bench key"))
    return lambda: codec.decrypt(codec.encrypt(SMALL))


def _secretbox_public() -> Any:
    from nacl import bindings

    def round_trip() -> bytes:
        nonce = os.urandom(24)
        box = bindings.crypto_secretbox(SMALL, nonce, KEY)
        return bindings.crypto_secretbox_open(box, nonce, KEY)

    return round_trip


def _hkdf_written_out() -> Any:
    from inngest_codecs.codecs import aesgcm
    from inngest_codecs.keys import Key

    key = Key(b"bench key", True)
    return lambda: aesgcm.derive(key)


def _hkdf_cryptography() -> Any:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    def derive() -> tuple[bytes, bytes]:
        secret = HKDF(hashes.SHA256(), 32, None, b"inngest-codecs/aes-256-gcm/v1 key")
        key_id = HKDF(hashes.SHA256(), 4, None, b"inngest-codecs/aes-256-gcm/v1 key id")
        return secret.derive(b"bench key"), key_id.derive(b"bench key")

    return derive


AFTER_INNGEST = "import inngest"
"""What an application has imported before the codec: the HKDF imports are timed beyond it."""


def _import_time(statement: str, setup: str = "", repeats: int = 9) -> float:
    """Median CPU seconds ``statement`` takes in a fresh interpreter, after ``setup`` (untimed),
    from compiled bytecode (see `benchmarks.cold_start`)."""
    source = cold_start.program(setup, statement)
    cold_start.compile_for(source)
    return statistics.median(cold_start.timed(source)[0] for _ in range(repeats))


def measure() -> dict[str, float]:
    """Seconds per call (and per import) of each way, and the ratios public / private."""
    calls = alternate(
        {
            "secretbox, nacl._sodium": _secretbox_private(),
            "secretbox, nacl.bindings": _secretbox_public(),
            "hkdf, hmac.digest": _hkdf_written_out(),
            "hkdf, cryptography": _hkdf_cryptography(),
        },
        rounds=9,
        budget=0.05,
    )
    imports = {
        "import nacl._sodium": _import_time("import nacl._sodium"),
        "import nacl.bindings": _import_time("import nacl.bindings"),
        "import hmac": _import_time("import hmac", AFTER_INNGEST),
        "import cryptography hkdf": _import_time(
            "from cryptography.hazmat.primitives import hashes\n"
            "from cryptography.hazmat.primitives.kdf.hkdf import HKDF",
            AFTER_INNGEST,
        ),
    }
    return {**calls, **imports}


def markdown(results: dict[str, float]) -> list[str]:
    def ratio(public: str, private: str) -> str:
        return f"{results[public] / results[private]:.2f}x"

    rows = [
        ("secretbox small round trip", "nacl._sodium", "nacl.bindings"),
        ("aes-gcm key derivation", "hmac.digest", "cryptography HKDF"),
    ]
    lines = [
        "## Shortcuts past public APIs",
        "",
        "| what | shortcut | public way | public / shortcut, per call | import, ms: "
        "shortcut vs public |",
        "|---|---|---|---|---|",
    ]
    secretbox = ratio("secretbox, nacl.bindings", "secretbox, nacl._sodium")
    hkdf = ratio("hkdf, cryptography", "hkdf, hmac.digest")
    lines.append(
        f"| {rows[0][0]} | {rows[0][1]} | {rows[0][2]} | {secretbox} | "
        f"{results['import nacl._sodium'] * 1e3:.1f} vs "
        f"{results['import nacl.bindings'] * 1e3:.1f} |"
    )
    lines.append(
        f"| {rows[1][0]} | {rows[1][1]} | {rows[1][2]} | {hkdf} | "
        f"{results['import hmac'] * 1e3:.1f} vs {results['import cryptography hkdf'] * 1e3:.1f} |"
    )
    lines += [
        "",
        "Imports are CPU time in a fresh interpreter, from compiled bytecode; the",
        "aes-gcm row's after `import inngest`, which has loaded `hmac` already.",
    ]
    return lines


if __name__ == "__main__":
    figures = measure()
    for name, seconds in figures.items():
        print(f"{name:<28} {seconds * 1e6:10.2f} us")
    print("\n".join(markdown(figures)))
