"""Side-by-side timing: alternate candidates round by round, report medians."""

from __future__ import annotations

import contextlib
import gc
import statistics
import time
from collections.abc import Callable, Iterator
from typing import Any

Clock = Callable[[], float]


@contextlib.contextmanager
def without_gc() -> Iterator[None]:
    """No garbage collection while a batch is timed (as ``timeit`` does): a collection
    costs with what else the process holds, and would land on whichever candidate
    happens to run."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def per_call(
    func: Callable[[], Any], budget: float, clock: Clock = time.perf_counter
) -> tuple[int, float]:
    """How many calls fill ``budget`` seconds, and the time of one call."""
    calls, elapsed = 1, 0.0
    while True:
        start = clock()
        for _ in range(calls):
            func()
        elapsed = clock() - start
        if elapsed >= budget or calls >= 1_000_000:
            return calls, elapsed / calls
        calls *= 2


def alternate(
    funcs: dict[str, Callable[[], Any]],
    rounds: int,
    budget: float,
    clock: Clock = time.perf_counter,
) -> dict[str, float]:
    """Median seconds per call of each function, measured in rotating order.

    ``clock=time.thread_time`` counts only this thread's CPU time: for work that
    runs in one thread, it leaves out the time other processes of a busy
    machine take from it.
    """
    sizes = {name: per_call(func, budget, clock)[0] for name, func in funcs.items()}
    samples: dict[str, list[float]] = {name: [] for name in funcs}
    names = list(funcs)
    for round_index in range(rounds):
        order = names[round_index % len(names) :] + names[: round_index % len(names)]
        for name in order:
            func, calls = funcs[name], sizes[name]
            with without_gc():
                start = clock()
                for _ in range(calls):
                    func()
                samples[name].append((clock() - start) / calls)
    return {name: statistics.median(values) for name, values in samples.items()}
