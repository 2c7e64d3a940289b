"""The conveniences: jobs across queues, job, wait, logs, cancel and terminate."""

import time

import boto3
import pandas as pd
import pytest
from botocore.stub import Stubber

from batchkit import BatchError, WaitTimeout
from tests.conftest import error_response

ACCOUNT, REGION = "123456789012", "us-east-1"


def submit(b, name, queue="HighPriority", definition="etl", **kwargs):
    return b.submit_job(jobName=name, jobQueue=queue, jobDefinition=definition, **kwargs).loc[0, "jobId"]


def set_status(job_id, status):
    """Put a job of moto's backend into a status (moto finishes jobs at once)."""
    from moto.batch.models import batch_backends

    batch_backends[ACCOUNT][REGION]._jobs[job_id].status = status


def test_jobs_fans_out_over_queues_and_statuses(b, calls):
    high = [submit(b, f"etl-{i}") for i in range(3)]
    low = submit(b, "sleep-1", queue="LowPriority", definition="sleep")
    calls.clear()
    df = b.jobs()
    listings = [params for name, params in calls if name == "ListJobs"]
    assert len(listings) == 2 * 7
    assert {(p["jobQueue"], p["jobStatus"]) for p in listings} == {
        (q, s) for q in ("HighPriority", "LowPriority")
        for s in ("SUBMITTED", "PENDING", "RUNNABLE", "STARTING", "RUNNING", "SUCCEEDED", "FAILED")
    }
    assert sorted(df["jobId"]) == sorted(high + [low])
    assert df.set_index("jobId").loc[low, "queue"] == "LowPriority"
    assert set(df["definition"]) == {"etl:1", "sleep:1"}
    assert df.attrs["operation"] == "ListJobs"


def test_jobs_filters(b):
    submit(b, "train-a")
    submit(b, "train-b", queue="LowPriority")
    submit(b, "etl-c")
    failed = submit(b, "etl-d")
    set_status(failed, "FAILED")
    assert sorted(b.jobs(name="train-*")["jobName"]) == ["train-a", "train-b"]
    assert list(b.jobs(name="*-c")["jobName"]) == ["etl-c"]
    assert list(b.jobs(queue="LowPriority")["jobName"]) == ["train-b"]
    assert list(b.jobs(status="FAILED")["jobId"]) == [failed]
    assert len(b.jobs(status=["FAILED", "SUCCEEDED"])) == 4
    assert len(b.jobs(since="1h")) == 4
    assert len(b.jobs(since=3600)) == 4  # seconds ago
    assert b.jobs(since=pd.Timestamp.now(tz="UTC") + pd.Timedelta("1h")).empty
    with pytest.raises(ValueError, match="unknown job status 'RUNING' .*'RUNNING'"):
        b.jobs(status="RUNING")
    with pytest.raises(ValueError, match="cannot read since"):
        b.jobs(since="yesterday-ish")


def test_empty_listing_keeps_its_columns(b):
    empty, full = b.jobs(), None
    submit(b, "one")
    full = b.jobs()
    assert list(empty.columns) == list(full.columns) and len(empty) == 0
    assert list(b.jobs(detail=True).columns) == list(b.describe_jobs(jobs=["x"]).columns)


def test_a_job_listed_twice_is_kept_once_with_its_later_status(b):
    job_id = submit(b, "moving")

    def also_listed_as_running(parsed, model, **kwargs):  # it was RUNNING when that page was made
        summaries = parsed.get("jobSummaryList", [])
        if summaries and all(s["status"] == "SUCCEEDED" for s in summaries):
            parsed["jobSummaryList"] = summaries + [dict(summaries[0], status="RUNNING")]

    b.client.meta.events.register("after-call.batch.ListJobs", also_listed_as_running)
    df = b.jobs()
    assert list(df["jobId"]) == [job_id] and df.loc[0, "status"] == "SUCCEEDED"


def test_detail_and_array_children(b, calls):
    parent = submit(b, "array", arrayProperties={"size": 3})

    def with_array_size(parsed, **kwargs):  # the service lists a parent with its size; moto does not
        for summary in parsed.get("jobSummaryList", []):
            if summary["jobId"] == parent:
                summary["arrayProperties"] = {"size": 3}

    b.client.meta.events.register("after-call.batch.ListJobs", with_array_size)
    single = submit(b, "single")
    detail = b.jobs(queue="HighPriority", detail=True)
    assert {parent, single} <= set(detail["jobId"])
    assert "container.image" in detail and "attemptDetails" in detail
    assert detail.set_index("jobId").loc[parent, "arrayProperties.size"] == 3
    calls.clear()
    with_children = b.jobs(queue="HighPriority", children=True)
    assert {f"{parent}:{i}" for i in range(3)} <= set(with_children["jobId"])
    assert with_children["jobId"].is_unique
    assert any(p.get("arrayJobId") == parent for name, p in calls if name == "ListJobs")


def test_job_queues_envs_definitions(b):
    job_id = submit(b, "one")
    assert b.job(job_id).loc[0, "jobName"] == "one"
    with pytest.raises(BatchError, match="JobNotFound: no job with id 'nope'"):
        b.job("nope")
    assert list(b.queues()["jobQueueName"]) == ["HighPriority", "LowPriority"]
    assert list(b.envs()["computeEnvironmentName"]) == ["onprem-env"]
    assert set(b.definitions()["definition"]) == {"etl:1", "sleep:1"}


def test_wait_returns_at_once_for_finished_jobs(b, calls):
    ids = [submit(b, f"j{i}") for i in range(3)]
    calls.clear()
    df = b.wait(ids, progress=False)
    assert list(df["jobId"]) == ids and set(df["status"]) == {"SUCCEEDED"}
    assert [name for name, _ in calls] == ["DescribeJobs"]


def test_wait_polls_only_unfinished_jobs_with_growing_jittered_pauses(b, calls):
    ids = [submit(b, f"j{i}") for i in range(150)]
    slow = ids[:120]
    for job_id in slow:
        set_status(job_id, "RUNNING")
    pauses = []

    def sleep(seconds):  # time passes: the slow jobs finish, a few at a time
        pauses.append(seconds)
        for job_id in slow[: 40 * len(pauses)]:
            set_status(job_id, "SUCCEEDED")

    b.sleep = sleep
    calls.clear()
    df = b.wait(ids, progress=False)
    assert (df["status"] == "SUCCEEDED").all() and list(df["jobId"]) == ids
    asked = [len(p["jobs"]) for name, p in calls if name == "DescribeJobs"]
    assert max(asked) <= 100
    assert asked == [100, 50, 100, 20, 80, 40]  # each round asks only for the unfinished
    assert len(pauses) == 3
    for n, pause in enumerate(pauses):
        assert 2**n / 2 <= pause <= 2**n
    assert pauses[2] > pauses[0]


def test_wait_timeout_keeps_the_last_rows(b):
    job_id = submit(b, "stuck")
    set_status(job_id, "RUNNABLE")
    with pytest.raises(WaitTimeout, match="1 of 1 jobs unfinished") as info:
        b.wait([job_id], timeout=0.05, progress=False)
    assert isinstance(info.value, TimeoutError)
    assert list(info.value.frame["status"]) == ["RUNNABLE"]


def test_wait_accepts_frames_and_rejects_unknown_ids(b, capsys):
    ids = [submit(b, f"j{i}") for i in range(2)]
    frame = b.jobs()
    assert sorted(b.wait(frame, progress=True)["jobId"]) == sorted(ids)
    assert "waiting: 100%" in capsys.readouterr().err
    with pytest.raises(BatchError, match="JobNotFound: no job with id nope"):
        b.wait(["nope"], progress=False)


def write_logs(job_id, messages, group="/aws/batch/job"):
    logs = boto3.client("logs", region_name=REGION)
    stream = f"etl/default/{job_id}"
    try:
        logs.create_log_group(logGroupName=group)
    except logs.exceptions.ResourceAlreadyExistsException:
        pass
    logs.create_log_stream(logGroupName=group, logStreamName=stream)
    start = int(time.time() * 1000)
    logs.put_log_events(logGroupName=group, logStreamName=stream, logEvents=[
        {"timestamp": start + i, "message": m} for i, m in enumerate(messages)
    ])
    return start


def test_logs_of_the_last_attempt(b):
    job_id = submit(b, "etl")
    stream = b.job(job_id).loc[0, "container.logStreamName"]
    start = write_logs(job_id, ["starting", "done"])
    assert stream == f"etl/default/{job_id}"
    df = b.logs(job_id)
    assert list(df["message"]) == ["starting", "done"]
    assert df.loc[0, "timestamp"] == pd.Timestamp(start, unit="ms", tz="UTC")
    assert df.attrs["logGroupName"] == "/aws/batch/job"
    with pytest.raises(ValueError, match="no attempt 3"):
        b.logs(job_id, attempt=3)


def test_logs_before_anything_was_written_are_empty(b):
    df = b.logs(submit(b, "quiet"))
    assert df.empty and list(df.columns)[:2] == ["timestamp", "message"]


def test_logs_fetch_every_page(b):
    job_id = submit(b, "chatty")
    stream = f"etl/default/{job_id}"
    request = {"logGroupName": "/aws/batch/job", "logStreamName": stream, "startFromHead": True}
    with Stubber(b.logs_client) as stub:
        stub.add_response("get_log_events", {"events": [{"timestamp": 1, "message": "a"}], "nextForwardToken": "f1"}, request)
        stub.add_response("get_log_events", {"events": [{"timestamp": 2, "message": "b"}], "nextForwardToken": "f2"},
                          {**request, "nextToken": "f1"})
        stub.add_response("get_log_events", {"events": [], "nextForwardToken": "f2"}, {**request, "nextToken": "f2"})
        df = b.logs(job_id)
    assert list(df["message"]) == ["a", "b"]


def test_cancel_and_terminate_many(b, calls):
    ids = [submit(b, f"j{i}") for i in range(4)]
    calls.clear()
    df = b.cancel(ids, reason="superseded")
    assert list(df["jobId"]) == ids and df["error"].isna().all()
    assert sorted(p["jobId"] for name, p in calls if name == "CancelJob") == sorted(ids)
    assert {p["reason"] for name, p in calls if name == "CancelJob"} == {"superseded"}
    assert b.terminate(ids[0], reason="stop").loc[0, "action"] == "TerminateJob"


def test_cancel_reports_what_failed(b):
    ids = [submit(b, "j"), submit(b, "k")]

    def refuse_second(request, **kwargs):
        if ids[1].encode() in request.body:
            return error_response(request, 400, "ClientException", "Job is gone")

    b.client.meta.events.register_first("before-send.batch.CancelJob", refuse_second)
    with pytest.raises(BatchError, match="^CancelJob: ClientException: 1 of 2 failed, first: Job is gone") as info:
        b.cancel(ids, reason="r")
    frame = info.value.frame
    assert list(frame["error"].isna()) == [True, False]


def test_job_ids_read_ids_and_say_what_else_a_value_holds():
    from batchkit.jobs import job_ids

    assert job_ids("a, b a") == ["a", "b"] and job_ids(("a", "b")) == ["a", "b"]
    assert job_ids(pd.Series(["a", None])) == ["a"] and job_ids(pd.DataFrame({"jobId": ["c"]})) == ["c"]
    for value, held in ((None, "None"), (7, "7 (int)"), ({"a": 1}, "{'a': 1} (dict)"), (b"id", "b'id' (bytes)"),
                        (pd.DataFrame({"x": [1]}), "a DataFrame without a jobId column (columns: x)")):
        with pytest.raises(TypeError) as caught:
            job_ids(value)
        assert str(caught.value) == (f"job_ids holds {held}; expected a job id, a list of ids, "
                                     "or a DataFrame with a jobId column")


def test_wait_cancel_and_terminate_refuse_what_holds_no_ids(b):
    for act in (b.wait, b.cancel, b.terminate):
        with pytest.raises(TypeError, match="job_ids holds None; expected a job id"):
            act(None)
