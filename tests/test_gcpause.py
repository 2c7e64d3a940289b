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


def test_promote_all_moves_young_objects_to_the_oldest_generation_and_leaves_frozen_ones_frozen(collector):
    from batchkit.gcpause import promote_all

    gc.collect()
    gc.disable()  # no collection meanwhile: what is young stays young until promoted
    collections = []
    gc.callbacks.append(lambda phase, info: collections.append(info["generation"]))
    try:
        young = [[i] for i in range(1000)]  # tracked lists, in the youngest generation
        assert not any(o is young for o in gc.get_objects(generation=2))
        promote_all()
        assert any(o is young for o in gc.get_objects(generation=2)) and collections == []  # moved, not walked
        # a program that froze objects of its own: they stay frozen, and nothing is promoted
        gc.freeze()
        try:
            frozen = gc.get_freeze_count()
            newer = [[i] for i in range(10)]
            promote_all()
            assert gc.get_freeze_count() == frozen and not any(o is newer for o in gc.get_objects(generation=2))
        finally:
            gc.unfreeze()
    finally:
        gc.callbacks.pop()
