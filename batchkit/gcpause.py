"""The cyclic garbage collector, paused while a bulk call decodes its responses (and while the
local backend's simulation advances: its events create no garbage cycles either, and with
100,000 jobs stored each full collection walked them all, a third of the simulation's time).

Decoded JSON holds no reference cycles, so a collection during a listing finds
nothing to free; but the thousands of dicts a listing creates trigger
collections, and each full one walks every live object in the process (the
service models botocore has loaded, the notebook's data).  Listing 10,000 jobs
spent about a quarter of its CPU there.  Paused, the collector runs once when
the call returns.  The pause is shared: threads in bulk calls at the same time
keep it until the last one finishes, and a collector the caller had disabled
stays disabled.

With ``BATCHKIT_FAST_PATHS=0`` (see `fastpaths`) ``gc_paused`` does nothing: the
collector runs as it would without batchkit.
"""

from __future__ import annotations

import contextlib
import gc
import threading

from .fastpaths import ON


class _Pause(contextlib.ContextDecorator):
    def __init__(self):
        self._lock = threading.Lock()
        self._holders = 0
        self._resume = False

    def __enter__(self):
        with self._lock:
            if self._holders == 0:
                self._resume = gc.isenabled()
                gc.disable()
            self._holders += 1
        return self

    def __exit__(self, *exc):
        with self._lock:
            self._holders -= 1
            if self._holders == 0 and self._resume:
                gc.enable()
        return False


class _NoPause:
    """The switch is off: a context that does nothing, a decorator that returns the function."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def __call__(self, func):
        return func


gc_paused = _Pause() if ON else _NoPause()


def promote_all() -> None:
    """Every object the collector tracks moved to its oldest generation, without a collection.

    For a large structure just built to be kept (a local backend's seeded snapshot): the first
    collection after a pause would walk all of it (~0.2 us an object: ~12 ms for a 10,000-job seed),
    to find nothing, and the next older one again.  Uses gc.freeze() then gc.unfreeze(), which splice
    the generations' lists without walking them; skipped if the program froze objects of its own (they
    stay frozen).  A garbage cycle made meanwhile waits for the next full collection."""
    if ON and gc.get_freeze_count() == 0:
        gc.freeze()
        gc.unfreeze()
