"""In-process Batch calls answered at botocore's before-call (dispatch.Shortcut) answer exactly what the
full path (signed, sent, retried, parsed by the endpoint) answers: the same bytes, the same parsed result."""

from __future__ import annotations

import contextlib
import re

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

import batchkit


@pytest.fixture(scope="module")
def lb():
    with batchkit.local(seed="demo") as lb:
        yield lb


@contextlib.contextmanager
def full_path(lb):
    """Any fault in force sends calls the full way (where the SDK retries); this one never fires."""
    lb.faults.latency("CreateConsumableResource", 0)
    try:
        yield
    finally:
        lb.faults.clear()


def observed(client, call, body: bool = True):
    """(HTTP status, body bytes, parsed result or error response, whether it was sent) of one call.
    body=False: the body is not looked at (no before-parse handler: the shortcut parses its own answer)."""
    seen = {"sent": False, "body": None}
    if body:
        client.meta.events.register("before-parse.batch.*", lambda response_dict, **kw: seen.update(body=response_dict["body"]),
                                    unique_id="observed-body")
    client.meta.events.register("before-send.batch.*", lambda **kw: seen.update(sent=True), unique_id="observed-send")
    try:
        try:
            result = call(client)
        except ClientError as exc:
            result = exc.response
    finally:
        client.meta.events.unregister("before-parse.batch.*", unique_id="observed-body")
        client.meta.events.unregister("before-send.batch.*", unique_id="observed-send")
    metadata = result.pop("ResponseMetadata")
    headers = {k: v for k, v in metadata["HTTPHeaders"].items() if k != "x-amzn-requestid"}
    return (metadata["HTTPStatusCode"], metadata["RetryAttempts"], headers, seen["body"], result), seen["sent"]


CALLS = {
    "DescribeJobQueues": lambda c: c.describe_job_queues(),
    "DescribeJobQueues paged": lambda c: c.describe_job_queues(maxResults=2),
    "DescribeComputeEnvironments": lambda c: c.describe_compute_environments(),
    "DescribeJobDefinitions": lambda c: c.describe_job_definitions(status="ACTIVE"),
    "ListJobs": lambda c: c.list_jobs(jobQueue="HighPriority", jobStatus="SUCCEEDED"),
    "DescribeJobs": lambda c: c.describe_jobs(jobs=[j["jobId"] for j in c.list_jobs(
        jobQueue="HighPriority", jobStatus="SUCCEEDED")["jobSummaryList"]]),
    "DescribeSchedulingPolicies": lambda c: c.describe_scheduling_policies(
        arns=[p["arn"] for p in c.list_scheduling_policies()["schedulingPolicies"]]),
    "GetJobQueueSnapshot": lambda c: c.get_job_queue_snapshot(jobQueue="FairShare"),
    "ListTagsForResource": lambda c: c.list_tags_for_resource(
        resourceArn=c.describe_job_queues(jobQueues=["GPU"])["jobQueues"][0]["jobQueueArn"]),
    "an unknown queue (ClientException)": lambda c: c.update_job_queue(jobQueue="NoSuchQueue", priority=1),
    "a refused request (validation)": lambda c: c.list_jobs(jobQueue="HighPriority", maxResults=1000),
    "a bad token": lambda c: c.list_jobs(jobQueue="HighPriority", nextToken="garbage"),
}


@pytest.mark.parametrize("name", list(CALLS))
@pytest.mark.parametrize("whose", ["own client", "intercepted client"])
@pytest.mark.parametrize("body", [True, False], ids=["body seen", "unseen"])
def test_the_shortcut_answers_what_the_full_path_answers(lb, name, whose, body):
    client = lb.client if whose == "own client" else boto3.client("batch", region_name=lb.region)
    with lb.intercept() if whose != "own client" else contextlib.nullcontext():
        short, sent = observed(client, CALLS[name], body)
        assert not sent  # answered at before-call: nothing was signed or sent
        with full_path(lb):
            full, sent = observed(client, CALLS[name], body)
        assert sent
    assert short == full


def test_a_submission_is_recorded_and_answered_alike_either_way(lb):
    lb.reset()
    shape = re.compile(r"[0-9a-f-]{36}")
    short, _ = observed(lb.client, lambda c: c.submit_job(jobName="a", jobQueue="HighPriority", jobDefinition="sleep"))
    with full_path(lb):
        full, _ = observed(lb.client, lambda c: c.submit_job(jobName="a", jobQueue="HighPriority", jobDefinition="sleep"))
    assert shape.sub("ID", repr(short)) == shape.sub("ID", repr(full))
    assert [(c.operation, c.params, c.status) for c in lb.calls] == [
        ("SubmitJob", {"jobName": "a", "jobQueue": "HighPriority", "jobDefinition": "sleep"}, 200)] * 2


def test_faults_take_the_full_path_where_the_sdk_retries(lb):
    lb.reset()
    lb.faults.throttle("DescribeJobQueues", times=2)
    try:
        answer = lb.client.describe_job_queues()
    finally:
        lb.faults.clear()
    assert answer["ResponseMetadata"]["RetryAttempts"] == 2 and answer["jobQueues"]


@pytest.mark.parametrize("whose", ["own client", "intercepted client"])
def test_before_parse_handlers_see_the_answer_and_may_add_to_it(lb, whose):
    # botocore's endpoint adds a handler's customized_response_dict to the parsed answer: so does the shortcut
    client = lb.client if whose == "own client" else boto3.client("batch", region_name=lb.region)

    def customize(response_dict, customized_response_dict, **kwargs):
        customized_response_dict["seenStatus"] = response_dict["status_code"]

    client.meta.events.register("before-parse.batch.DescribeJobQueues", customize, unique_id="customize")
    try:
        with lb.intercept() if whose != "own client" else contextlib.nullcontext():
            short, sent = observed(client, lambda c: c.describe_job_queues())
            with full_path(lb):
                full, _ = observed(client, lambda c: c.describe_job_queues())
    finally:
        client.meta.events.unregister("before-parse.batch.DescribeJobQueues", unique_id="customize")
    assert not sent and short == full
    assert short[-1]["seenStatus"] == 200 and short[-1]["jobQueues"]


def test_a_before_parse_handler_may_change_the_headers_in_place(lb):
    def mark(response_dict, **kwargs):
        response_dict["headers"]["X-Seen"] = "yes"  # the parser reads what the handler left

    lb.client.meta.events.register("before-parse.batch.ListJobs", mark, unique_id="mark")
    try:
        answer = lb.client.list_jobs(jobQueue="HighPriority", jobStatus="SUCCEEDED")  # a plain answer: no parser
    finally:
        lb.client.meta.events.unregister("before-parse.batch.ListJobs", unique_id="mark")
    assert answer["ResponseMetadata"]["HTTPHeaders"]["x-seen"] == "yes" and answer["jobSummaryList"]


def test_a_stubber_on_an_intercepted_client_still_answers_first(lb):
    client = boto3.client("batch", region_name=lb.region)
    with lb.intercept(), Stubber(client) as stubber:
        stubber.add_response("describe_job_queues", {"jobQueues": []})
        assert client.describe_job_queues()["jobQueues"] == []
    with lb.intercept():
        assert client.describe_job_queues()["jobQueues"]  # without the stubber, the LocalBatch answers


def test_a_client_that_skips_botocore_s_validation_is_still_validated(lb):
    from botocore.config import Config

    unchecked = lb._session.client("batch", region_name=lb.region, config=Config(parameter_validation=False),
                                   aws_access_key_id="a", aws_secret_access_key="b")
    from batchkit.local import dispatch

    dispatch.own_client(unchecked, lb.account)
    with pytest.raises(ClientError, match="jobQueue"):
        unchecked.submit_job(jobName="x", jobDefinition="sleep")  # no queue: the backend's model check says so
    with pytest.raises(ClientError, match="Invalid type"):
        unchecked.submit_job(jobName="x", jobQueue="HighPriority", jobDefinition="sleep", retryStrategy={"attempts": "3"})


def test_request_ids_are_version_4_uuids_and_never_repeat_even_across_a_fork(lb):
    import os
    import uuid

    from batchkit.local import responses

    ids = [lb.client.describe_job_queues()["ResponseMetadata"]["RequestId"] for _ in range(200)]
    assert len(set(ids)) == 200 and {uuid.UUID(i).version for i in ids} == {4}
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # a forked server (or worker) draws its own ids
        os.write(write, responses._request_id().encode())
        os._exit(0)
    os.waitpid(child, 0)
    assert os.read(read, 100).decode() != responses._request_id()
