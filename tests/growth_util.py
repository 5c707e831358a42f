"""Time tests that hold on a loaded 2-core CI machine: growth between two input sizes is compared,
never one input's absolute time (a busy machine slows both sizes alike; a quadratic reader still
takes factor**2 times as long on the bigger one, a linear one factor times)."""
from __future__ import annotations

import resource
import time

FLOOR = 0.25
"""Seconds allowed over the ratio for timer noise and a scheduler's slice (the sizes are chosen so
that a quadratic reader takes seconds on the big one, far above it)."""


def cpu_seconds() -> float:
    """CPU time of this process and its waited-for children: what other processes on a loaded machine
    take of the cores does not count (wall time did: a linear reader failed under a parallel suite)."""
    # (not os.times(): its clock ticks are 10 ms, and a fast machine read a short run as 0.0 s)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def best_seconds(fn, arg, repeat: int = 2) -> float:
    """The fastest of `repeat` runs of fn(arg): a run interrupted by other work counts less."""
    took = []
    for _ in range(repeat):
        start = cpu_seconds()
        fn(arg)
        took.append(cpu_seconds() - start)
    return min(took)


def assert_linear(fn, make, small: int, factor: int = 4, slack: float = 2.0, repeat: int = 2) -> None:
    """fn on make(factor * small) takes at most slack * factor times fn on make(small) (plus FLOOR):
    linear passes, quadratic (factor**2 = 16 times) fails."""
    little, big = make(small), make(factor * small)
    fn(little)  # (warm: compiled patterns, imports, caches)
    t_small = best_seconds(fn, little, repeat)
    limit = slack * factor * t_small + FLOOR
    t_big = float("inf")
    for _ in range(repeat):
        # (the best of the big runs is judged: once one is within the limit, so is their best, and the
        # runs left, each `factor` small ones long, cannot change the verdict)
        t_big = min(t_big, best_seconds(fn, big, 1))
        if t_big <= limit:
            return
    assert t_big <= limit, (t_small, t_big)


def assert_not_superlinear(fn, value, suspect: float = 1.0, factor: int = 4, slack: float = 2.0):
    """For one fuzzed input: run fn(value) once; when it took over `suspect` seconds, judge it by its
    growth from its first 1/factor (a busy machine makes a linear input slow, not quadratic).
    Returns fn(value)."""
    start = cpu_seconds()
    out = fn(value)
    took = cpu_seconds() - start
    if took > suspect:
        took = min(took, best_seconds(fn, value, 1))
        t_part = best_seconds(fn, value[:len(value) // factor])
        assert took <= slack * factor * t_part + FLOOR, (t_part, took, value[:200])
    return out
