"""Timing helpers shared by the benchmark scripts (run as `python bench/<name>.py`)."""

import os
import statistics
import subprocess
import sys
import time


def timed(fn, rounds: int) -> float:
    """Median seconds of `rounds` calls."""
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def added(code: str, rounds: int, base: str = "pass") -> float:
    """Median seconds `code` takes in a fresh interpreter beyond `base`, run alternately
    so that machine noise hits both alike.  Bytecode is cached as in an installed
    package (a PYTHONDONTWRITEBYTECODE environment would compile our modules every
    time, but not the site-packages ones they are compared with)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}

    def once(source):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", source], check=True, env=env)
        return time.perf_counter() - start

    once(code)  # writes the bytecode caches
    samples = []
    for _ in range(rounds):
        before, after = once(base), once(code)
        samples.append(max(after - before, 0.0))
    return statistics.median(samples)
