"""Per-value cost of aws-kms with a warm data-key cache, against the local aes-gcm codec.

Runs against LocalKms (moto on 127.0.0.1), so the figures show what the codec
itself costs once its data key is cached; a real KMS round trip (tens of
milliseconds) is paid once per data key, not per value.
"""

from __future__ import annotations

from typing import Any

from inngest_codecs import Encryptor

from . import cases
from .measure import alternate

NAMES = ("aes-gcm", "aws-kms, warm cache")


def measure() -> dict[str, Any]:
    """Round-trip medians by payload, and the KMS requests made while timing."""
    try:
        from inngest_codecs_aws_kms.testing import LocalKms
    except ImportError:
        print("  skipped: install plugins/inngest-codecs-aws-kms[testing]")
        return {}
    payloads = {k: v for k, v in cases.payloads().items() if k != "4 MB"}
    results: dict[str, Any] = {"round_trip": {}}
    with LocalKms() as kms, kms.environment():
        boxes = dict(
            zip(
                NAMES,
                (
                    Encryptor(cases.KEY, codec="aes-gcm"),
                    Encryptor(kms.create_key(), codec="aws-kms"),
                ),
                strict=True,
            )
        )
        for box in boxes.values():
            box.decrypt(box.encrypt("warm up"))
        kms.reset_counts()
        for label, value in payloads.items():
            funcs = {n: (lambda b=b, v=value: b.decrypt(b.encrypt(v))) for n, b in boxes.items()}
            results["round_trip"][label] = alternate(funcs, rounds=9, budget=0.05)
            print(
                f"  {label}: "
                + ", ".join(
                    f"{n} {t * 1e6:.1f} us" for n, t in results["round_trip"][label].items()
                )
            )
        results["kms_requests"] = dict(kms.requests)
    return results


def markdown(results: dict[str, Any]) -> list[str]:
    if not results:
        return []
    lines = [
        "## aws-kms: per-value cost with a warm data-key cache",
        "",
        "Encrypt and decrypt of one value, against LocalKms (moto on 127.0.0.1).",
        "",
        "| payload | " + " | ".join(NAMES) + " | ratio |",
        "|---|---|---|---|",
    ]
    for label, row in results["round_trip"].items():
        local, kms = (row[name] for name in NAMES)
        lines.append(
            f"| {label} | {local * 1e6:,.1f} µs | {kms * 1e6:,.1f} µs | {kms / local:.2f}x |"
        )
    requests = results["kms_requests"]
    lines += [
        "",
        f"KMS requests while timing: {sum(requests.values())} "
        f"({', '.join(f'{k} {v}' for k, v in sorted(requests.items())) or 'none'}).",
        "",
    ]
    return lines
