"""``nox -s bench``: measure, compare, and write docs/performance.md, .json and .png."""

from __future__ import annotations

import contextlib
import json
import os
import platform
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

from inngest_codecs.testing import StandIn

from . import (
    cases,
    cold_start,
    kms_cost,
    loop_lag,
    memory,
    middleware_cost,
    middleware_profile,
    payloads,
    private_apis,
)
from .cases import ANCHOR, FLOOR
from .measure import alternate

DOCS = Path(__file__).resolve().parent.parent / "docs"
Row = tuple[str, str, str, bool]  # measure, target, measured, met


def value_round_trips(candidates: dict[str, cases.RoundTrip]) -> dict[str, dict[str, float]]:
    results = {}
    for label, value in cases.payloads().items():
        funcs = {name: (lambda f=f, v=value: f(v)) for name, f in candidates.items()}
        large = label.startswith("4 MB")
        results[label] = alternate(
            funcs,
            rounds=7 if large else 11,
            budget=0.3 if large else 0.05,
            clock=time.thread_time,
        )
        print(
            f"  {label}: " + ", ".join(f"{k} {v * 1e6:,.1f} us" for k, v in results[label].items())
        )
    return results


def middleware_overhead() -> dict[str, dict[str, float]]:
    mocked = alternate(middleware_cost.mocked_runs(), rounds=11, budget=0.2, clock=time.thread_time)
    with StandIn() as server, contextlib.ExitStack() as stack:
        http = alternate(
            middleware_cost.http_runs(server, stack), rounds=61, budget=0.0, clock=time.process_time
        )
    return {"mocked": mocked, "http": http}


def _ratio_row(measure: str, value: float, limit: float, against: str) -> Row:
    return (measure, f"<= {limit:.2f}x {against}", f"{value:.2f}x", value <= limit)


SMALL_VALUE_LIMITS = {"secretbox": 1.10, "aes-gcm": 1.25}


def round_trip_targets(results: dict[str, Any]) -> list[Row]:
    rt = results["round_trip"]
    rows = []
    for label, times in rt.items():
        for codec, floor in FLOOR.items():
            limit = SMALL_VALUE_LIMITS[codec] if label == "small" else 1.0
            ratio = times[codec] / times[floor]
            rows.append(_ratio_row(f"{label} round trip, {codec}", ratio, limit, "its floor"))
    return rows


def memory_targets(results: dict[str, Any]) -> list[Row]:
    return [
        _ratio_row(f"peak memory, {name}", peak, 3.7, "the value")
        for name, peak in results["peak_memory"].items()
        if not name.endswith(memory.FLOOR_ENCRYPT)
    ]


def middleware_targets(results: dict[str, Any]) -> list[Row]:
    rows = []
    for runner in ("mocked", "http"):
        times = results["middleware"][runner]
        base = times["no middleware"]
        anchor = times[ANCHOR] / base - 1
        limit = 0.15 if runner == "mocked" else anchor / 2
        target = "<= +15%" if runner == "mocked" else f"<= half of {ANCHOR}'s ({limit:+.1%})"
        for codec in ("secretbox", "aes-gcm"):
            over = times[codec] / base - 1
            rows.append(
                (f"10-step function, {runner}, {codec}", target, f"{over:+.1%}", over <= limit)
            )
    return rows


def cold_start_targets(results: dict[str, Any]) -> list[Row]:
    rows = []
    for name, seconds in results["cold_start"].items():
        if name.endswith("first value"):
            continue  # reported beside the targets, not one of them
        limit = 25 if "alone" in name else 10
        against = "" if "alone" in name else " beyond import inngest"
        rows.append(
            (name, f"<= {limit} ms{against}", f"{seconds * 1e3:.1f} ms", seconds * 1e3 <= limit)
        )
    return rows


def loop_lag_targets(results: dict[str, Any]) -> list[Row]:
    rows = []
    for fault in ("store read", "KMS call"):
        p99 = results["loop_lag"][f"{fault} hanging"] * 1e3
        rows.append(
            (f"other requests while a {fault} hangs, p99", "< 50 ms", f"{p99:.1f} ms", p99 < 50)
        )
    return rows


TARGETS: list[Callable[[dict[str, Any]], list[Row]]] = [
    round_trip_targets,
    memory_targets,
    middleware_targets,
    cold_start_targets,
    loop_lag_targets,
]
"""Each target of the performance issue, as a function of the results."""


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return lines + ["| " + " | ".join(row) + " |" for row in rows]


def _floor_of(name: str) -> str:
    return FLOOR.get(name, FLOOR["secretbox"])


def markdown(results: dict[str, Any], rows: list[Row]) -> str:
    rt = results["round_trip"]
    names = list(next(iter(rt.values())))
    compared = [n for n in names if not n.startswith("floor")]
    lines = [
        "# Performance",
        "",
        "Written by `nox -s bench`. Times are medians of rounds that alternate the",
        "candidates; ratios compare candidates measured in the same run. Work done in",
        "one thread is timed in that thread's CPU time, which other processes on a",
        "busy machine do not move.",
        "",
        f"Machine: {results['machine']}.",
        "",
        "## Targets",
        "",
        *_table(
            ["measure", "target", "measured", "met"],
            [[a, b, c, "yes" if ok else "**no**"] for a, b, c, ok in rows],
        ),
        "",
        "## Value round trip (encrypt, then decrypt)",
        "",
        "Median time of one round trip:",
        "",
        *_table(
            ["payload", *names],
            [[label, *(f"{row[n] * 1e6:,.1f} µs" for n in names)] for label, row in rt.items()],
        ),
        "",
        "Against the floor of the same cipher (`inngest_encryption` against the secretbox",
        "floor) and against `inngest_encryption`; lower is faster:",
        "",
        *_table(
            ["payload", *(f"{n} / floor" for n in compared), *(f"{n} / anchor" for n in compared)],
            [
                [
                    label,
                    *(f"{row[n] / row[_floor_of(n)]:.2f}x" for n in compared),
                    *(f"{row[n] / row[ANCHOR]:.2f}x" for n in compared),
                ]
                for label, row in rt.items()
            ],
        ),
        "",
        "The floor is what a codec is made of, with nothing else: orjson, one bare",
        "AEAD call each way (PyNaCl's bindings or cryptography's AESGCM), binascii",
        "base64; no checks, no key id, no envelope.",
        "",
        "![round-trip cost by payload, and against the floor](performance.png)",
        "",
        "## Middleware on a 10-step function (1 KB per step)",
        "",
    ]
    runs = results["middleware"]
    columns = list(runs["mocked"])
    lines += _table(
        ["runner", *columns],
        [
            [
                runner,
                *(f"{t * 1e3:.2f} ms ({t / row['no middleware'] - 1:+.1%})" for t in row.values()),
            ]
            for runner, row in runs.items()
        ],
    )
    lines += [
        "",
        "Times are CPU time, which other processes on a busy machine do not move: of",
        "the thread that runs the mocked row, and of the whole process for the HTTP",
        "row (the app, its server and the stand-in run in threads of the benchmark's",
        "process, so a run's CPU is counted wherever it is spent, the stand-in's",
        "signing and parsing of every request included, which Inngest does on its own",
        "servers; it is the median of single runs, which vary by a third). Two columns are",
        "references, not candidates: `no-op middleware` registers a middleware that",
        "does nothing (what the SDK costs for having one), and `Encryptor only` opens",
        "memoized outputs and seals outputs with a secretbox `Encryptor` and does",
        "nothing else: the codec's share, without any of the middleware's guarantees.",
        "",
        "## Cold start (fresh process, timed inside it)",
        "",
    ]
    lines += _table(
        ["program", "median"],
        [[name, f"{t * 1e3:.1f} ms"] for name, t in results["cold_start"].items()],
    )
    lines += [
        "",
        "CPU time of the process, from compiled bytecode. The middleware rows time",
        "`from inngest_codecs import EncryptionMiddleware` and",
        "`EncryptionMiddleware.factory(key, codec=...)` after `import inngest`; each",
        "`first value` row times the first encrypt and decrypt after that set-up, which",
        "pays for what loads on first use.",
        "",
        "## Peak memory (tracemalloc), as a multiple of the value's JSON size",
        "",
        "Encrypting: the whole peak, the envelope it returns included; the `floor",
        "encrypt` rows are the same for the floor (orjson, the AEAD call, base64), for",
        "reference. Decrypting: the peak beyond the decoded value it returns.",
        "",
    ]
    lines += _table(
        ["operation", "peak / JSON size"],
        [[name, f"{m:.2f}x"] for name, m in results["peak_memory"].items()],
    )
    lines += ["", *middleware_profile.markdown(results["middleware_profile"])]
    lines += loop_lag.markdown(results["loop_lag"])
    lines += kms_cost.markdown(results.get("aws_kms", {}))
    lines += ["", *payloads.markdown(results["payloads"])]
    lines += ["", *private_apis.markdown(results["private_apis"])]
    notes = (Path(__file__).parent / "notes.md").read_text()
    return "\n".join(lines) + "\n\n" + notes


def chart(results: dict[str, Any]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rt = results["round_trip"]
    labels = list(rt)
    names = list(rt[labels[0]])
    compared = [n for n in names if not n.startswith("floor")]
    figure, (times, ratios) = plt.subplots(1, 2, figsize=(11, 4.5))
    width = 0.8 / len(names)
    for index, name in enumerate(names):
        positions = [i + (index - len(names) / 2 + 0.5) * width for i in range(len(labels))]
        times.bar(positions, [rt[label][name] * 1e6 for label in labels], width, label=name)
    times.set_yscale("log")
    times.set_ylabel("round trip (µs, median, log scale)")
    times.set_title("Encrypt + decrypt, by payload")
    width = 0.8 / len(compared)
    for index, name in enumerate(compared):
        positions = [i + (index - len(compared) / 2 + 0.5) * width for i in range(len(labels))]
        ratio = [rt[label][name] / rt[label][_floor_of(name)] for label in labels]
        ratios.bar(positions, ratio, width, label=name)
    ratios.axhline(1.0, color="black", linewidth=0.8)
    ratios.set_ylabel("time / floor of the same cipher")
    ratios.set_title("Against the floor (1.0 = the bare parts)")
    for axis in (times, ratios):
        axis.set_xticks(range(len(labels)), labels, rotation=20)
        axis.grid(True, axis="y", which="both", alpha=0.3)
        axis.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(DOCS / "performance.png", dpi=110)


def main() -> None:
    results: dict[str, Any] = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, {platform.system()} {platform.release()}, "
        f"load average {os.getloadavg()[0]:.1f} when it started (absolute times move with it)",
        "payload_bytes": {k: len(orjson.dumps(v)) for k, v in cases.payloads().items()},
    }
    print("value round trips")
    results["round_trip"] = value_round_trips(cases.candidates())
    print("peak memory")
    results["peak_memory"] = memory.peaks()
    print("cold start")
    results["cold_start"] = cold_start.timings()
    print("middleware")
    results["middleware"] = middleware_overhead()
    print("middleware profile")
    results["middleware_profile"] = middleware_profile.measure()
    print("event-loop lag")
    results["loop_lag"] = loop_lag.measure()
    print("aws-kms")
    results["aws_kms"] = kms_cost.measure()
    print("payloads")
    results["payloads"] = payloads.measure()
    print("shortcuts past public APIs")
    results["private_apis"] = private_apis.measure()
    rows = [row for target in TARGETS for row in target(results)]
    (DOCS / "performance.json").write_text(json.dumps(results, indent=2) + "\n")
    (DOCS / "performance.md").write_text(markdown(results, rows))
    chart(results)
    width = max(len(r[0]) for r in rows)
    for name, target, measured, ok in rows:
        print(f"{name:<{width}}  {target:<36} {measured:>10}  {'met' if ok else 'MISSED'}")


if __name__ == "__main__":
    main()
