"""Bounded memory (the call history) and a `wait` that outlasts throttling."""

import pytest

import batchkit
from batchkit.client import client_config
from batchkit.errors import WaitTimeout
from batchkit.local.calls import Call, Calls


def test_the_call_history_is_capped_by_bytes_as_well_as_count(monkeypatch):
    monkeypatch.setattr(Calls, "BYTES", 10_000)
    monkeypatch.setattr(Calls, "BODY_LIMIT", 3_000)
    calls = Calls()
    for i in range(100):
        calls.add(Call("ListJobs", {"i": i}, 200, "x" * 1_000))
    assert calls.bytes <= Calls.BYTES and 4 <= len(calls) <= 10
    assert calls[-1].params == {"i": 99}  # the newest are kept
    calls.add(Call("ListJobs", {"i": "big"}, 200, "x" * 5_000))
    assert calls[-1].body == "" and calls[-1].body_dropped


def test_listings_do_not_pile_up_answers(monkeypatch):
    monkeypatch.setattr(Calls, "BYTES", 200_000)
    with batchkit.local(seed="demo") as lb:
        for _ in range(50):
            lb.client.describe_jobs(jobs=lb.seed_job_ids)
        assert lb.calls.bytes <= 200_000 and lb.calls[-1].ok


def test_wait_keeps_trying_through_throttling_until_its_own_timeout():
    with batchkit.local(seed="demo") as lb:
        job = lb.client.submit_job(jobName="w", jobQueue="HighPriority", jobDefinition="etl")["jobId"]
        b = batchkit.Batch(lb.boto3_client("batch", config=client_config(max_attempts=2)))
        b.sleep = lb.advance
        lb.faults.throttle("DescribeJobs", rate=1.0)  # nothing gets through: botocore's own retries give up
        with pytest.raises(WaitTimeout, match="kept failing: TooManyRequests"):
            b.wait(job, timeout=3, progress=False)
        throttled = len(lb.calls.of("DescribeJobs"))
        assert throttled > 2  # more than one call's worth of botocore retries
        lb.faults.clear()
        assert b.wait(job, timeout=60, progress=False).loc[0, "status"] == "SUCCEEDED"


def test_huge_requests_are_kept_clipped():
    calls = Calls()
    calls.add(Call("DescribeJobs", {"jobs": ["x"] * 100_000}, 400, "{}"))
    assert list(calls[0].params) == ["clipped"] and len(calls[0].params["clipped"]) == 1000
