"""Bulk calls pause the cyclic garbage collector and give it back as they found it."""

import gc
import threading

import pytest

from batchkit.gcpause import gc_paused


@pytest.fixture
def collector():
    enabled = gc.isenabled()
    yield
    gc.enable() if enabled else gc.disable()


def test_a_listing_runs_with_the_collector_paused_and_restores_it(b, collector):
    seen = []
    b.client.meta.events.register("before-send.batch.*", lambda **kw: seen.append(gc.isenabled()))
    gc.enable()
    b.jobs(detail=True)
    b.describe_job_queues()
    assert seen and not any(seen)
    assert gc.isenabled()


def test_a_collector_the_caller_disabled_stays_disabled(b, collector):
    gc.disable()
    b.jobs()
    assert not gc.isenabled()


def test_overlapping_pauses_resume_when_the_last_one_ends(collector):
    gc.enable()
    first_in, second_out = threading.Event(), threading.Event()
    states = []

    def second():
        first_in.wait()
        with gc_paused:
            pass
        states.append(gc.isenabled())  # the first holder still pauses it
        second_out.set()

    worker = threading.Thread(target=second)
    worker.start()
    with gc_paused:
        first_in.set()
        second_out.wait(10)
    worker.join()
    assert states == [False]
    assert gc.isenabled()
