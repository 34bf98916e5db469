"""Growth checks that hold on a slow or loaded machine: ratios measured in one run, never a time limit.

Tests never assert wall-clock limits (absolute timings belong in bench/). To show that work grows
linearly, `assert_linear` runs it at a size n and at factor × n in the same process and compares
the two: linear work takes about factor times as long, quadratic work factor² times as long, and the
assertion sits between the two. To show that a refused input costs no more than some reference
(for instance spending a whole work budget), `assert_costs_at_most` compares the two in one run.

Both measure CPU time (`time.process_time`), not wall time, so other processes on the machine count
for little; each side is the least of several repetitions, so a moment of load or a collection does
not decide the result; and each side is a batch of calls at least `min_seconds` long, so the timer's
resolution does not either. The cyclic garbage collector is paused while a batch runs.
"""

from __future__ import annotations

import gc
import math
import time
from collections.abc import Callable

__all__ = ["assert_costs_at_most", "assert_linear", "cpu_seconds"]

_MAX_LOOPS = 10_000


def cpu_seconds(work: Callable[[], object], *, loops: int = 1) -> float:
    """CPU seconds this process spends on `loops` calls of `work`, with the cyclic collector paused.

    A full collection walks every object the test process holds (pytest, the imported package), so
    one landing inside a batch would charge it tens of milliseconds that have nothing to do with `work`.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        started = time.process_time()
        for _ in range(loops):
            work()
        return time.process_time() - started
    finally:
        if enabled:
            gc.enable()


def _loops_for(work: Callable[[], object], min_seconds: float) -> int:
    """How many calls of `work` make a batch of at least `min_seconds` (after one warm-up call)."""
    once = cpu_seconds(work)  # also the warm-up: imports, compiled patterns and caches
    if once >= min_seconds:
        return 1
    once = cpu_seconds(work)
    if once >= min_seconds:
        return 1
    return min(_MAX_LOOPS, math.ceil(min_seconds / max(once, 1e-6)))


def _least(work: Callable[[], object], loops: int, repeat: int) -> float:
    return min(cpu_seconds(work, loops=loops) for _ in range(repeat))


def _passes(
    work: Callable[[], object], loops: int, repeat: int, baseline: float, limit: float
) -> tuple[bool, float]:
    """Whether the least of up to `repeat` batches is under `limit` × `baseline` (stops at the first)."""
    best = math.inf
    for _ in range(repeat):
        best = min(best, cpu_seconds(work, loops=loops))
        if best < limit * baseline:
            return True, best
    return False, best


def assert_linear(
    work: Callable[[int], object],
    small: int,
    factor: int = 4,
    *,
    limit: float | None = None,
    repeat: int = 5,
    min_seconds: float = 0.005,
) -> float:
    """Assert that `work(n)` grows about linearly in n, from `small` to `factor` × `small`.

    `work(n)` should build its input of size n and process it. The ratio of the CPU time at
    factor × small to the time at small must stay under `limit`, by default halfway between
    linear (factor) and quadratic (factor²) growth: 10 for the default factor of 4. Returns the
    measured ratio. A failing ratio is measured `repeat` times before the assertion fails, so only
    growth that shows every time fails the test; a passing one stops at the first good measurement.
    """
    if factor < 2:
        raise ValueError("factor must be at least 2")
    bound = (factor + factor * factor) / 2 if limit is None else limit
    large = small * factor
    loops = _loops_for(lambda: work(small), min_seconds)
    base = _least(lambda: work(small), loops, repeat)
    ok, best = _passes(lambda: work(large), loops, repeat, base, bound)
    ratio = best / base if base > 0 else math.inf
    assert ok, (
        f"work grew {ratio:.1f}× from n={small} to n={large} (linear ≈ {factor}, quadratic ≈ "
        f"{factor * factor}, limit {bound:g}): {base * 1000 / loops:.2f} ms → {best * 1000 / loops:.2f} ms"
    )
    return ratio


def assert_costs_at_most(
    work: Callable[[], object],
    reference: Callable[[], object],
    times: float,
    *,
    repeat: int = 5,
    min_seconds: float = 0.005,
) -> float:
    """Assert that `work` takes less than `times` × the CPU time of `reference`, measured in one run.

    For inputs whose cost must be bounded by something the test can also run (a template that
    spends the whole work budget, a linear scan of the same size ...). Returns the measured ratio.
    """
    loops = _loops_for(reference, min_seconds)
    base = _least(reference, loops, repeat)
    work()  # warm-up, as the reference had
    ok, best = _passes(work, loops, repeat, base, times)
    ratio = best / base if base > 0 else math.inf
    assert ok, (
        f"work took {ratio:.1f}× its reference (limit {times:g}): "
        f"{base * 1000 / loops:.2f} ms → {best * 1000 / loops:.2f} ms"
    )
    return ratio
