"""Timing helper shared by the benchmark scripts (run as `python bench/<name>.py`)."""

import statistics
import time


def timed(fn, rounds: int) -> float:
    """Median seconds of `rounds` calls."""
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)
