"""Where the middleware's time goes: each part switched off in turn, on the mocked 10-step run.

Each row is the run with one part of the middleware replaced by nothing, and
its cost is how much faster the run gets. Switching a part off drops the
guarantee it keeps, so these variants exist only here, in one process that
times them and exits. What no row covers (opening the memoized outputs,
sealing the outputs, the hooks themselves) is the remainder.
"""

from __future__ import annotations

import contextlib
import statistics
import time
from collections.abc import Callable, Iterator
from typing import Any

from inngest_codecs import EncryptionMiddleware, telemetry
from inngest_codecs.middleware import forwarding, opening, remote_state, sizes, steps

from .measure import per_call, without_gc
from .middleware_cost import EncryptorOnly, mocked_run

PARTS: dict[str, tuple[str, list[tuple[Any, str, Any]]]] = {
    "step guard": (
        "every step passes the places check and the guard before the SDK reports it",
        [(steps, "install", lambda *args, **kwargs: None)],
    ),
    "run state size": (
        "memoized outputs and events as they arrived, measured against 32 MB",
        [
            (sizes.RunSizes, "arrived", lambda *args: None),
            (sizes.RunSizes, "output", lambda *args: None),
        ],
    ),
    "forwarding state": (
        "the run's opened values, kept where its sends find them",
        [(forwarding, "enter", lambda state: None)],
    ),
    "triggering events": (
        "the events' fields opened at their places (here: one plain field)",
        [(opening.RunOpener, "events", lambda self, ctx: None)],
    ),
    "remote-state checks": (
        "the order of the SDK's remote-state middleware, and its pointers in outputs",
        [
            (remote_state, "check_order", lambda *args: None),
            (remote_state, "check_output", lambda output: None),
        ],
    ),
    "spans": (
        "one span per hook (without an OpenTelemetry SDK: a flag check)",
        [(telemetry, "span", lambda *args, **kwargs: contextlib.nullcontext())],
    ),
}
"""name -> (what the part does, the attributes replaced to switch it off)."""


@contextlib.contextmanager
def _without(replaced: list[tuple[Any, str, Any]]) -> Iterator[None]:
    saved = [(owner, name, getattr(owner, name)) for owner, name, _ in replaced]
    try:
        for owner, name, stand_in in replaced:
            setattr(owner, name, stand_in)
        yield
    finally:
        for owner, name, original in saved:
            setattr(owner, name, original)


def measure(rounds: int = 11, budget: float = 0.2) -> dict[str, float]:
    """Median seconds of CPU per run: the whole middleware (secretbox), and without each part.

    Parts are switched off for a whole batch of runs, not around each run:
    replacing a module's attribute makes the interpreter drop what it learned
    about the code that reads it, which would be timed too.
    """
    run = mocked_run([EncryptionMiddleware.factory("benchmark-key")])
    variants: dict[str, tuple[Callable[[], None], list[tuple[Any, str, Any]]]] = {
        "whole middleware": (run, []),
        "no middleware": (mocked_run([]), []),
        "Encryptor only": (mocked_run([EncryptorOnly]), []),
    }
    variants |= {f"without {name}": (run, parts) for name, (_, parts) in PARTS.items()}
    calls, _ = per_call(run, budget, time.thread_time)
    samples: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(rounds):
        for name, (func, replaced) in variants.items():
            with _without(replaced):
                for _ in range(3):  # let the interpreter settle on the code as it now is
                    func()
                with without_gc():
                    start = time.thread_time()
                    for _ in range(calls):
                        func()
                    samples[name].append((time.thread_time() - start) / calls)
    return {name: statistics.median(values) for name, values in samples.items()}


def markdown(results: dict[str, float]) -> list[str]:
    whole, bare = results["whole middleware"], results["no middleware"]
    lines = [
        "## Where the middleware's time goes (mocked 10-step run, secretbox)",
        "",
        "Each part switched off in turn (`benchmarks/middleware_profile.py`); its cost is",
        "how much faster the run gets, in CPU time per run and as a share of the run",
        "without middleware. The first row is the `Encryptor only` reference above; what",
        "no row covers is the remainder.",
        "",
        "| part | what it does | cost per run | share |",
        "|---|---|---|---|",
    ]
    codec = results["Encryptor only"] - bare
    lines.append(
        "| the codec's share | memoized outputs opened and outputs sealed by an `Encryptor`, "
        "nothing else (the `Encryptor only` column) | "
        f"{codec * 1e6:,.0f} µs | {codec / bare:+.1%} |"
    )
    listed = codec
    for name, (does, _) in PARTS.items():
        cost = whole - results[f"without {name}"]
        listed += cost
        lines.append(f"| {name} | {does} | {cost * 1e6:,.0f} µs | {cost / bare:+.1%} |")
    rest = whole - bare - listed
    lines += [
        "| remainder | the middleware's hooks and per-request set-up, places, noting opened "
        "values, size checks of outputs | "
        f"{rest * 1e6:,.0f} µs | {rest / bare:+.1%} |",
        f"| whole middleware | | {(whole - bare) * 1e6:,.0f} µs | {whole / bare - 1:+.1%} |",
    ]
    return lines
