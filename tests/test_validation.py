"""Every request is checked against botocore's model and the reference's limits, in-process and over HTTP."""

import json

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

import batchkit
from tests.http_requests import signed

QUEUE = {"jobQueueName": "q", "priority": 1, "computeEnvironmentOrder": [{"order": 1, "computeEnvironment": "ondemand-ce"}]}


@pytest.fixture(scope="module")
def lb():
    with batchkit.local(seed="demo", server=True) as lb:
        yield lb


@pytest.fixture
def served(lb):
    lb.reset()
    return lb.endpoint_url


@pytest.fixture(params=["in-process", "server"])
def client(request, lb):
    """A client that sends what it is given: botocore's own (partial) validation is off."""
    lb.reset()
    config = Config(parameter_validation=False, retries={"total_max_attempts": 1})
    client = lb.boto3_client("batch", config=config)
    if request.param == "in-process":
        from batchkit.local import dispatch

        client = dispatch.own_client(lb._session.client("batch", region_name=lb.region, config=config,
                                                        aws_access_key_id="x", aws_secret_access_key="x"), lb.account)
    return client


def rejected(call, *words):
    with pytest.raises(ClientError) as caught:
        call()
    error = caught.value.response["Error"]
    assert (error["Code"], caught.value.response["ResponseMetadata"]["HTTPStatusCode"]) == ("ClientException", 400)
    assert "\n" not in error["Message"]
    for word in words:
        assert word in error["Message"], error["Message"]


@pytest.mark.parametrize("change, words", [
    ({"priority": -1}, ["priority", "between 0 and 1000"]),
    ({"priority": 10000}, ["priority", "between 0 and 1000"]),
    ({"priority": "high"}, ["Invalid type for parameter priority"]),
    ({"priority": True}, ["priority", "boolean"]),
    ({"jobQueueName": "name\n"}, ["jobQueueName", "first character must be alphanumeric"]),
    ({"jobQueueName": "x" * 129}, ["jobQueueName"]),
    ({"state": "PAUSED"}, ["state", "ENABLED | DISABLED"]),
    ({"tags": {f"k{i}": "v" for i in range(51)}}, ["tags", "at most 50"]),
    ({"tags": {"k": "v" * 257}}, ["at most 256 characters"]),
    ({"tags": {"k" * 129: "v"}}, ["at most 128 characters"]),
    ({"tags": {"aws:team": "x"}}, ["reserved"]),
    ({"computeEnvironmentOrder": [{"order": "1", "computeEnvironment": "ondemand-ce"}]},
     ["Invalid type for parameter computeEnvironmentOrder[0].order"]),
])
def test_invalid_requests_are_rejected_and_nothing_is_stored(client, change, words):
    rejected(lambda: client.create_job_queue(**{**QUEUE, **change}), *words)
    assert "q" not in {q["jobQueueName"] for q in client.describe_job_queues()["jobQueues"]}


def test_the_limits_hold_at_their_edges(client):
    client.create_job_queue(**{**QUEUE, "priority": 1000, "tags": {f"k{i}": "v" * 256 for i in range(50)}})
    client.update_job_queue(jobQueue="q", priority=0)
    assert client.describe_job_queues(jobQueues=["q"])["jobQueues"][0]["priority"] == 0


def test_describe_jobs_takes_at_most_100_ids(client, lb):
    rejected(lambda: client.describe_jobs(jobs=["x"] * 101), "at most 100")
    assert client.describe_jobs(jobs=lb.seed_job_ids)["jobs"]


def test_a_wrongly_typed_member_never_breaks_later_reads(client, lb):
    rejected(lambda: client.submit_job(jobName="j", jobQueue="HighPriority", jobDefinition="etl",
                                       containerOverrides={"environment": [{"name": "A", "value": 1}]}))
    assert len(lb.batch.queues()) == 5 and len(lb.batch.jobs()) == len(lb.seed_job_ids)


@pytest.mark.parametrize("body, status, words", [
    (b"[1, 2]", 400, "must be a JSON object, not list"),
    (b"5", 400, "not int"),
    (b'"text"', 400, "not str"),
    (b"\xff\xfe{}", 400, "not UTF-8"),
    (b"{" * 100_000, 400, "nests deeper"),
    (b'{"maxResults": NaN}', 400, "NaN is not allowed"),
    (b'{"jobQueues": ["\\ud800"]}', 400, "not a valid Unicode string"),
    (b"{not json", 400, "not valid JSON"),
    (b'{"jobs": ["x"]}' + b" " * (3 * 1024 * 1024), 413, "limited to"),
])
def test_bad_bodies_get_a_4xx_with_one_line(served, body, status, words):
    answer = signed(served, "describejobqueues", body)
    assert answer.status_code == status, answer.text
    assert words in answer.json()["message"] and "\n" not in answer.json()["message"]


def test_describe_jobs_of_262144_ids_is_refused(client):
    ids = [f"id-{i}" for i in range(262_144)]
    if client.meta.endpoint_url.startswith("http://127.0.0.1"):  # 3.4 MB: over the server's size limit first
        with pytest.raises(ClientError, match="RequestEntityTooLarge"):
            client.describe_jobs(jobs=ids)
    else:
        rejected(lambda: client.describe_jobs(jobs=ids), "at most 100")


def test_unknown_members_are_rejected(served):
    answer = signed(served, "createjobqueue", json.dumps({**QUEUE, "surprise": 1}))
    assert answer.status_code == 400 and "Unknown parameter" in answer.json()["message"]


def test_the_server_answers_each_failure_as_json_without_a_traceback(served, lb):
    answer = signed(served, "submitjob", json.dumps({"jobName": "j", "jobQueue": 5, "jobDefinition": "etl"}))
    assert answer.status_code == 400 and "Traceback" not in answer.text
    assert answer.headers["x-amzn-ErrorType"] == "ClientException"
    assert lb.calls[-1].status == 400  # recorded as the client sent it
