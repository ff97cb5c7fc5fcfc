"""``nox -s bench``: measure, compare, and write docs/performance.md, .json and .png."""

from __future__ import annotations

import contextlib
import json
import os
import platform
import statistics
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

import orjson

from inngest_codecs import Encryptor
from inngest_codecs.testing import StandIn

from . import cases, kms_cost, middleware_cost, payloads
from .measure import alternate

DOCS = Path(__file__).resolve().parent.parent / "docs"
ANCHOR = "inngest_encryption"


def value_round_trips() -> dict[str, dict[str, float]]:
    results = {}
    for label, value in cases.payloads().items():
        funcs = {name: (lambda f=f, v=value: f(v)) for name, f in cases.candidates().items()}
        budget = 0.05 if label != "4 MB" else 0.3
        results[label] = alternate(funcs, rounds=9 if label != "4 MB" else 5, budget=budget)
        print(
            f"  {label}: " + ", ".join(f"{k} {v * 1e6:.1f} us" for k, v in results[label].items())
        )
    return results


def middleware_overhead() -> dict[str, dict[str, float]]:
    mocked = alternate(middleware_cost.mocked_runs(), rounds=9, budget=0.2)
    with StandIn() as server, contextlib.ExitStack() as stack:
        http = alternate(middleware_cost.http_runs(server, stack), rounds=5, budget=0.3)
    return {"mocked": mocked, "http": http}


def cold_start(repeats: int = 15) -> dict[str, float]:
    programs = {
        "import inngest": "import inngest",
        "import inngest + inngest_codecs, build middleware": (
            "import inngest\nfrom inngest_codecs import EncryptionMiddleware\n"
            "EncryptionMiddleware.factory('k', codec='aes-gcm')"
        ),
    }
    samples: dict[str, list[float]] = {name: [] for name in programs}
    for _ in range(repeats):
        for name, code in programs.items():
            start = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], check=True)
            samples[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in samples.items()}


def peak_memory() -> dict[str, float]:
    """Memory beyond the value itself, as a multiple of its JSON size.

    Encrypting: the traced peak, which includes the envelope it returns.
    Decrypting: the traced peak less what the decoded value keeps (Python
    objects for a 4 MB document take several times its JSON size whoever
    decodes it).
    """
    value = cases.payloads()["4 MB"]
    size = len(orjson.dumps(value))
    peaks = {}
    for codec in ("secretbox", "aes-gcm"):
        encryptor = Encryptor(cases.KEY, codec=codec)
        tracemalloc.start()
        envelope = encryptor.encrypt(value)
        _, encrypt_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        tracemalloc.start()
        opened = encryptor.decrypt(envelope)
        kept, decrypt_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert opened == value
        peaks[f"{codec} encrypt"] = encrypt_peak / size
        peaks[f"{codec} decrypt"] = (decrypt_peak - kept) / size
    return peaks


def targets(results: dict[str, Any]) -> list[tuple[str, str, str, bool]]:
    """(measure, target, measured, met) for every target of the performance issue."""
    rt = results["round_trip"]
    mocked = results["middleware"]["mocked"]
    cold = results["cold_start"]
    names = list(cold)
    extra_ms = (cold[names[1]] - cold[names[0]]) * 1e3
    memory = max(results["peak_memory"].values())
    rows = []

    def ratio_row(name: str, target: str, value: float, limit: float) -> None:
        rows.append((name, target, f"{value:.2f}x", value <= limit))

    for codec, limit in (("secretbox", 0.5), ("aes-gcm", 0.35)):
        value = rt["small"][codec] / rt["small"][ANCHOR]
        ratio_row(f"small round trip, {codec}", f"<= {limit}x inngest_encryption", value, limit)
    for codec in ("secretbox", "aes-gcm"):
        value = rt["4 MB"][codec] / rt["4 MB"][ANCHOR]
        ratio_row(f"4 MB round trip, {codec}", "<= 0.5x inngest_encryption", value, 0.5)
        value = rt["4 MB"][codec] / rt["4 MB"][f"raw {codec}"]
        ratio_row(f"4 MB round trip, {codec}, vs raw parts", "<= 1.25x", value, 1.25)
    for codec in ("secretbox", "aes-gcm"):
        over = mocked[codec] / mocked["no middleware"] - 1
        rows.append(
            (f"10-step function, mocked, {codec}", "<= 5% over none", f"{over:+.1%}", over <= 0.05)
        )
    rows.append(
        ("cold start beyond import inngest", "<= 30 ms", f"{extra_ms:.1f} ms", extra_ms <= 30)
    )
    rows.append(("peak extra memory, 4 MB value", "<= 4x its size", f"{memory:.2f}x", memory <= 4))
    return rows


def markdown(results: dict[str, Any], rows: list[tuple[str, str, str, bool]]) -> str:
    rt = results["round_trip"]
    names = list(next(iter(rt.values())))
    lines = [
        "# Performance",
        "",
        "Written by `nox -s bench`. Times are medians of rounds that alternate the",
        "candidates; ratios compare candidates measured in the same run.",
        "",
        f"Machine: {results['machine']}.",
        "",
        "## Targets",
        "",
        "| measure | target | measured | met |",
        "|---|---|---|---|",
        *[f"| {a} | {b} | {c} | {'yes' if ok else '**no**'} |" for a, b, c, ok in rows],
        "",
        "## Value round trip (encrypt, then decrypt)",
        "",
        "Ratio to `inngest_encryption` 0.1.0 (lower is faster), and median time.",
        "",
        "| payload | " + " | ".join(names) + " |",
        "|---|" + "---|" * len(names),
    ]
    for label, row in rt.items():
        cells = [f"{row[n] / row[ANCHOR]:.2f}x ({row[n] * 1e6:,.0f} µs)" for n in names]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "`raw …` is the limit: orjson, one bare AEAD call each way and base64, with",
        "no strictness checks and no envelope.",
        "",
        "![round-trip cost against value size](performance.png)",
        "",
        "## Middleware on a 10-step function (1 KB per step)",
        "",
        "| runner | " + " | ".join(results["middleware"]["mocked"]) + " |",
        "|---|" + "---|" * len(results["middleware"]["mocked"]),
    ]
    for runner, row in results["middleware"].items():
        base = row["no middleware"]
        cells = [f"{t * 1e3:.2f} ms ({t / base - 1:+.1%})" for t in row.values()]
        lines.append(f"| {runner} | " + " | ".join(cells) + " |")
    cold = results["cold_start"]
    lines += ["", "## Cold start (fresh process)", "", "| program | median |", "|---|---|"]
    lines += [f"| `{name}` | {t * 1e3:.1f} ms |" for name, t in cold.items()]
    lines += [
        "",
        "## Peak memory (tracemalloc), 4 MB value",
        "",
        "| operation | peak / size |",
        "|---|---|",
    ]
    lines += [f"| {name} | {m:.2f}x |" for name, m in results["peak_memory"].items()]
    lines += kms_cost.markdown(results.get("aws_kms", {}))
    lines += ["", *payloads.markdown(results["payloads"])]
    notes = (Path(__file__).parent / "notes.md").read_text()
    return "\n".join(lines) + "\n\n" + notes


def chart(results: dict[str, Any]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = {label: len(orjson.dumps(v)) for label, v in cases.payloads().items()}
    rt = results["round_trip"]
    figure, axis = plt.subplots(figsize=(7, 4.5))
    for name in next(iter(rt.values())):
        axis.plot(
            [sizes[label] for label in rt],
            [rt[label][name] * 1e6 for label in rt],
            marker="o",
            linestyle="--" if name.startswith("raw") else "-",
            label=name,
        )
    axis.set_xscale("log")
    axis.set_yscale("log")
    axis.set_xlabel("value size (bytes of JSON)")
    axis.set_ylabel("round trip (µs, median)")
    axis.set_title("Encrypt + decrypt cost by value size")
    axis.grid(True, which="both", alpha=0.3)
    axis.legend()
    figure.tight_layout()
    figure.savefig(DOCS / "performance.png", dpi=110)


def main() -> None:
    results: dict[str, Any] = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, {platform.system()} {platform.release()}",
    }
    print("value round trips")
    results["round_trip"] = value_round_trips()
    print("middleware")
    results["middleware"] = middleware_overhead()
    print("cold start")
    results["cold_start"] = cold_start()
    print("peak memory")
    results["peak_memory"] = peak_memory()
    print("aws-kms")
    results["aws_kms"] = kms_cost.measure()
    results["payloads"] = payloads.measure()
    rows = targets(results)
    (DOCS / "performance.json").write_text(json.dumps(results, indent=2) + "\n")
    (DOCS / "performance.md").write_text(markdown(results, rows))
    chart(results)
    width = max(len(r[0]) for r in rows)
    for name, target, measured, ok in rows:
        print(f"{name:<{width}}  {target:<28} {measured:>10}  {'met' if ok else 'MISSED'}")


if __name__ == "__main__":
    main()
