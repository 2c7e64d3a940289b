"""The sample pipeline, tested only through pytest_batchkit's fixtures."""

import boto3
import pytest

import pipeline


def test_the_pipeline_runs_extract_shards_and_report(batch):
    result = pipeline.run_nightly("2026-01-01", sleep=batch.advance)
    assert result == {"extract": "SUCCEEDED", "transform": "SUCCEEDED", "report": "SUCCEEDED"}
    assert batch.submitted().names == ["extract-2026-01-01", "transform-2026-01-01", "report-2026-01-01"]
    transform = batch.submitted(name="transform-*")[0]
    assert transform["arrayProperties"] == {"size": 4}
    assert transform["containerOverrides"]["environment"] == [{"name": "DATE", "value": "2026-01-01"}]
    jobs = batch.jobs(children=True)
    assert (jobs["status"] == "SUCCEEDED").all() and len(jobs[jobs["jobName"] == "transform-2026-01-01"]) == 5


def test_a_failed_extract_is_resubmitted_once(batch):
    batch.set_outcome("extract-2026-01-02", exit_code=1, logs=["connection refused"])
    result = pipeline.run_nightly("2026-01-02", sleep=batch.advance)
    assert result["report"] == "SUCCEEDED"
    assert batch.submitted(name="extract-*").names == ["extract-2026-01-02", "extract-2026-01-02-again"]


def test_a_second_extract_failure_stops_the_pipeline(batch):
    batch.set_outcome("extract-*", exit_code=1)
    assert pipeline.run_nightly("2026-01-03", sleep=batch.advance) == {"extract": "FAILED"}
    assert batch.submitted(name="transform-*") == []


def test_the_report_is_retried_by_batch(batch):
    batch.set_outcome("report-*", exit_code=[1, 0])
    assert pipeline.run_nightly("2026-01-04", sleep=batch.advance)["report"] == "SUCCEEDED"
    report = batch.jobs(name="report-*", detail=True)
    assert list(report["attempts"]) == [2]


def test_throttled_polling_is_ridden_out_by_the_sdk(batch):
    batch.faults.throttle("DescribeJobs", times=1)
    assert pipeline.run_nightly("2026-01-05", sleep=batch.advance)["report"] == "SUCCEEDED"
    first, retried = batch.calls.of("DescribeJobs")[:2]
    assert (first.status, retried.status, retried.params) == (429, 200, first.params)


@pytest.mark.batch_seed("seeds/small.yaml")
def test_a_team_seed_with_its_own_queue(batch):
    client = boto3.client("batch")
    names = [q["jobQueueName"] for q in client.describe_job_queues()["jobQueues"]]
    assert names == ["nightly"]
    result = pipeline.run_nightly("2026-01-06", queue="nightly", client=client, sleep=batch.advance)
    assert result["report"] == "SUCCEEDED"


def test_a_queue_made_for_one_test(batch, batch_client):
    queue = batch.make_queue("adhoc", max_vcpus=2)
    definition = batch.make_job_definition("tiny", vcpus=1)
    ids = [pipeline.boto3.client("batch").submit_job(jobName=f"t{i}", jobQueue=queue, jobDefinition=definition)["jobId"]
           for i in range(3)]
    batch.advance(5)
    statuses = sorted(j["status"] for j in batch_client.describe_jobs(jobs=ids)["jobs"])
    assert statuses == ["RUNNABLE", "RUNNING", "RUNNING"]  # maxvCpus 2
