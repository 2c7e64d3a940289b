"""Batch: generic operations, pagination, chunking, errors and retries."""

import threading

import pandas as pd
import pytest
from botocore.stub import Stubber

import batchkit
from batchkit import BatchError
from tests.conftest import error_response


def test_connect_and_repr_show_no_credentials(aws):
    b = batchkit.connect(region="eu-west-1")
    assert isinstance(b, batchkit.Batch)
    assert b.client.meta.region_name == "eu-west-1"
    assert "testing" not in repr(b) and "eu-west-1" in repr(b)


def test_connect_to_an_endpoint_and_a_bad_profile():
    b = batchkit.connect(region="us-east-1", endpoint_url="http://127.0.0.1:1")
    assert b.client.meta.endpoint_url == "http://127.0.0.1:1"
    with pytest.raises(BatchError, match=r"^connect: ProfileNotFound: .*nope") as info:
        batchkit.connect(profile="nope")
    assert "\n" not in str(info.value)


def test_one_object_operations_give_one_row(b):
    submitted = b.submit_job(jobName="nightly", jobQueue="HighPriority", jobDefinition="etl")
    assert isinstance(submitted, pd.DataFrame)
    assert list(submitted.columns) == ["jobArn", "jobName", "jobId"]
    assert submitted.loc[0, "jobName"] == "nightly"
    assert submitted.attrs["operation"] == "SubmitJob"
    assert submitted.attrs["responses"][0]["jobId"] == submitted.loc[0, "jobId"]
    queue = b.create_job_queue(jobQueueName="Scratch", state="ENABLED", priority=3,
                               computeEnvironmentOrder=[{"order": 1, "computeEnvironment": "onprem-env"}])
    assert queue.loc[0, "jobQueueName"] == "Scratch" and len(queue) == 1


def test_empty_responses_give_an_empty_frame(b):
    job_id = b.submit_job(jobName="x", jobQueue="HighPriority", jobDefinition="etl").loc[0, "jobId"]
    result = b.cancel_job(jobId=job_id, reason="not needed")
    assert isinstance(result, pd.DataFrame) and result.empty
    assert result.attrs["operation"] == "CancelJob"
    assert "ResponseMetadata" in result.attrs["responses"][0]


def test_listing_fetches_every_page():
    b = batchkit.connect(region="us-east-1")
    summary = {"jobId": "a", "jobName": "n", "status": "RUNNING", "createdAt": 1}
    with Stubber(b.client) as stub:
        stub.add_response("list_jobs", {"jobSummaryList": [summary], "nextToken": "t1"},
                          {"jobQueue": "q", "jobStatus": "RUNNING"})
        stub.add_response("list_jobs", {"jobSummaryList": [dict(summary, jobId="b")], "nextToken": "t2"},
                          {"jobQueue": "q", "jobStatus": "RUNNING", "nextToken": "t1"})
        stub.add_response("list_jobs", {"jobSummaryList": [dict(summary, jobId="c")]},
                          {"jobQueue": "q", "jobStatus": "RUNNING", "nextToken": "t2"})
        df = b.list_jobs(jobQueue="q", jobStatus="RUNNING")
        stub.assert_no_pending_responses()
    assert list(df["jobId"]) == ["a", "b", "c"]
    assert len(df.attrs["responses"]) == 3


def test_describe_jobs_takes_any_number_of_ids_in_chunks_of_100(b, calls):
    ids = [b.submit_job(jobName=f"j{i}", jobQueue="LowPriority", jobDefinition="sleep").loc[0, "jobId"]
           for i in range(230)]
    calls.clear()
    # Two chunks must be in flight at once to pass this barrier; sequential calls
    # would break it after the timeout and fail the call.
    together = threading.Barrier(2, timeout=10)
    threads = set()

    def meet(**kwargs):
        name = threading.current_thread().name
        if len(threads) < 2 and name not in threads:
            threads.add(name)
            together.wait()

    b.client.meta.events.register("before-call.batch.DescribeJobs", meet)
    df = b.describe_jobs(jobs=ids + ids[:10])  # duplicates are asked for once
    sizes = sorted(len(params["jobs"]) for name, params in calls if name == "DescribeJobs")
    assert sizes == [30, 100, 100]
    assert sorted(df["jobId"]) == sorted(ids)
    assert len(threads) > 1 and not together.broken  # the chunks ran in parallel
    assert b.describe_jobs(jobs=[]).empty


def test_client_errors_become_one_line_batch_errors(b):
    with pytest.raises(BatchError) as info:
        b.submit_job(jobName="x", jobQueue="NoSuchQueue", jobDefinition="etl")
    error = info.value
    assert str(error) == "SubmitJob: ClientException: Job queue NoSuchQueue does not exist"
    assert (error.operation, error.code) == ("SubmitJob", "ClientException")
    assert error.original is not None and error.response["Error"]["Code"] == "ClientException"


def test_parameter_validation_errors_become_batch_errors(b):
    with pytest.raises(BatchError, match=r"^SubmitJob: ParamValidationError: .*jobQueue") as info:
        b.submit_job(jobName="x")
    assert "\n" not in str(info.value)
    with pytest.raises(BatchError, match="ParamValidationError"):
        b.describe_job_queues(maxResults="ten")
    with pytest.raises(BatchError, match="ParamValidationError: .*jobs"):
        b.describe_jobs(jobs="x" * 150)  # a string is not a list of ids, however long


def test_an_operation_by_any_name(b):
    assert list(b.call("describe-job-queues")["jobQueueName"]) == ["HighPriority", "LowPriority"]
    with pytest.raises(LookupError, match="did you mean"):
        b.call("describe-job-queus")


def _fail_first(b, operation, status, code, times=1):
    """The first `times` requests of an operation get an HTTP error from 'the service'."""
    seen = []

    def respond(request, **kwargs):
        seen.append(request.url)
        if len(seen) <= times:
            return error_response(request, status, code, "slow down")
        return None

    b.client.meta.events.register_first(f"before-send.batch.{operation}", respond)
    return seen


@pytest.mark.parametrize("status, code", [(429, "TooManyRequestsException"), (500, "ServerException")])
def test_throttling_and_server_errors_are_retried(b, status, code):
    seen = _fail_first(b, "DescribeJobQueues", status, code)
    df = b.describe_job_queues()
    assert len(seen) == 2 and len(df) == 2
    assert df.attrs["responses"][0]["ResponseMetadata"]["RetryAttempts"] == 1


def test_retries_give_up_with_a_batch_error(aws):
    b = batchkit.connect(region="us-east-1", max_attempts=2, retry_mode="standard")
    seen = _fail_first(b, "DescribeJobQueues", 429, "TooManyRequestsException", times=5)
    with pytest.raises(BatchError, match="^DescribeJobQueues: TooManyRequestsException: slow down"):
        b.describe_job_queues()
    assert len(seen) == 2


def test_fast_parsing_gives_what_botocore_gives(b):
    import boto3

    for i in range(3):
        b.submit_job(jobName=f"j{i}", jobQueue="HighPriority", jobDefinition="etl",
                     containerOverrides={"environment": [{"name": "N", "value": str(i)}]})
    plain = boto3.client("batch", region_name="us-east-1")
    ids = [s["jobId"] for s in plain.list_jobs(jobQueue="HighPriority", jobStatus="SUCCEEDED")["jobSummaryList"]]
    for method, kwargs in (("describe_jobs", {"jobs": ids}), ("describe_job_definitions", {}),
                           ("describe_job_queues", {}), ("describe_compute_environments", {})):
        fast = getattr(b.client, method)(**kwargs)
        slow = getattr(plain, method)(**kwargs)
        fast.pop("ResponseMetadata"), slow.pop("ResponseMetadata")
        assert _without_job_id(fast) == _without_job_id(slow)


def _without_job_id(value):
    """moto appends AWS_BATCH_JOB_ID to a job's environment on every describe."""
    if isinstance(value, dict):
        return {k: _without_job_id(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_job_id(v) for v in value if not (isinstance(v, dict) and v.get("name") == "AWS_BATCH_JOB_ID")]
    return value


def test_fast_parsing_leaves_shapes_with_conversions_to_botocore():
    import botocore.session

    from batchkit.fastparse import _is_plain

    ecs = botocore.session.get_session().get_service_model("ecs")
    assert not _is_plain(ecs.operation_model("DescribeTasks").output_shape)  # timestamps
    assert _is_plain(batchkit.catalog.operation("DescribeJobs").output_shape)


def test_connect_mask_secrets_false_shows_secret_values_and_true_masks_them():
    environment = [{"name": "DB_PASSWORD", "value": "hunter2-pw"}, {"name": "STAGE", "value": "dev"}]
    with batchkit.local(seed="demo", server=True) as lb:
        lb.set_outcome("leaky", logs=["connecting with hunter2-pw"])
        job_id = lb.client.submit_job(jobName="leaky", jobQueue="HighPriority", jobDefinition="sleep",
                                      containerOverrides={"environment": environment})["jobId"]
        lb.run_until_idle()
        for mask, password in ((False, "hunter2-pw"), (True, "****")):
            b = batchkit.connect(endpoint_url=lb.endpoint_url, region="us-east-1", mask_secrets=mask)
            job = b.describe_jobs(jobs=[job_id])
            shown = {e["name"]: e["value"] for e in job.loc[0, "container.environment"]}
            assert shown == {"DB_PASSWORD": password, "STAGE": "dev"}
            raw = job.attrs["responses"][0]["jobs"][0]["container"]["environment"]
            assert {"name": "DB_PASSWORD", "value": password} in raw  # the kept responses alike
            assert list(b.logs(job_id)["message"]) == [f"connecting with {password}"]
