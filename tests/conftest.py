"""Test set-up: fake credentials, no real AWS, and moto's Docker-free Batch."""

import json
import os

import pytest
from botocore.exceptions import ClientError

# Fake credentials and no config files, before any boto3 session exists.
os.environ.update(
    AWS_ACCESS_KEY_ID="testing",
    AWS_SECRET_ACCESS_KEY="testing",
    AWS_DEFAULT_REGION="us-east-1",
    AWS_CONFIG_FILE=os.devnull,
    AWS_SHARED_CREDENTIALS_FILE=os.devnull,
    AWS_EC2_METADATA_DISABLED="true",
)
for _name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_ENDPOINT_URL"):
    os.environ.pop(_name, None)

pytest_plugins = ["pytester"]
collect_ignore = ["sample_project"]  # a downstream project: test_plugin.py runs it as its own suite

# The 16 actions of the API reference batchkit was specified from.
REFERENCE_ACTIONS = {
    "CancelJob", "CreateComputeEnvironment", "CreateJobQueue", "DeleteComputeEnvironment",
    "DeleteJobQueue", "DeregisterJobDefinition", "DescribeComputeEnvironments",
    "DescribeJobDefinitions", "DescribeJobQueues", "DescribeJobs", "ListJobs",
    "RegisterJobDefinition", "SubmitJob", "TerminateJob", "UpdateComputeEnvironment",
    "UpdateJobQueue",
}
REGION = "us-east-1"


@pytest.fixture(autouse=True, scope="session")
def no_real_aws():
    """Any request that leaves this machine fails the test that made it: the plugin's guard on
    botocore's HTTP session (always on), and below it a socket guard for every other client."""
    import socket

    from botocore.httpsession import URLLib3Session

    from pytest_batchkit.plugin import LOOPBACK, offline

    def refuse(host):
        if host not in LOOPBACK and not str(host).startswith("127.") and host not in (None, ""):
            pytest.fail(f"this test reached for {host}, outside this machine", pytrace=False)

    def guarded_getaddrinfo(host, *args, **kwargs):
        refuse(host.decode() if isinstance(host, bytes) else host)
        return getaddrinfo(host, *args, **kwargs)

    def guarded(method):
        def connect(self, address):
            if self.family in (socket.AF_INET, socket.AF_INET6):
                refuse(address[0])
            return method(self, address)

        return connect

    send, getaddrinfo = URLLib3Session.send, socket.getaddrinfo
    connect, connect_ex = socket.socket.connect, socket.socket.connect_ex
    URLLib3Session.send = offline(send)
    socket.getaddrinfo = guarded_getaddrinfo
    socket.socket.connect, socket.socket.connect_ex = guarded(connect), guarded(connect_ex)
    yield
    URLLib3Session.send, socket.getaddrinfo = send, getaddrinfo
    socket.socket.connect, socket.socket.connect_ex = connect, connect_ex


@pytest.fixture
def aws():
    """moto's in-memory AWS, Batch without Docker."""
    from moto import mock_aws

    with mock_aws(config={"batch": {"use_docker": False}}):
        yield


def make_resources(client):
    """Two queues on one environment and two job definitions, as a team would have."""
    import boto3

    role = boto3.client("iam", region_name=REGION).create_role(
        RoleName="AWSBatchServiceRole", AssumeRolePolicyDocument="{}"
    )["Role"]["Arn"]
    client.create_compute_environment(
        computeEnvironmentName="onprem-env", type="UNMANAGED", serviceRole=role
    )
    for name, priority in (("HighPriority", 10), ("LowPriority", 1)):
        client.create_job_queue(
            jobQueueName=name,
            state="ENABLED",
            priority=priority,
            computeEnvironmentOrder=[{"order": 1, "computeEnvironment": "onprem-env"}],
        )
    client.register_job_definition(
        jobDefinitionName="etl",
        type="container",
        containerProperties={
            "image": "busybox",
            "command": ["echo", "etl"],
            "resourceRequirements": [{"type": "VCPU", "value": "2"}, {"type": "MEMORY", "value": "2048"}],
            "environment": [
                {"name": "DB_PASSWORD", "value": "hunter2"},
                {"name": "STAGE", "value": "prod"},
            ],
        },
    )
    client.register_job_definition(
        jobDefinitionName="sleep",
        type="container",
        containerProperties={"image": "busybox", "vcpus": 1, "memory": 128, "command": ["sleep", "1"]},
    )
    return role


@pytest.fixture(scope="module", params=["in-process", "server"])
def local(request):
    """The module's LocalBatch, in-process and served over HTTP: seeded with the module's SEED ("demo"
    if it has none), made with its LOCAL_OPTIONS. Modules that need another one define their own."""
    import batchkit

    options = getattr(request.module, "LOCAL_OPTIONS", {})
    with batchkit.local(seed=getattr(request.module, "SEED", "demo"), server=request.param == "server", **options) as lb:
        yield lb


@pytest.fixture(scope="module")
def local_batch(local):
    """A Batch asking the module's `local`: its own in process, one connected to its endpoint when served."""
    import batchkit

    return batchkit.connect(region=local.region, endpoint_url=local.endpoint_url) if local.endpoint_url else local.batch


@pytest.fixture
def lb(local):
    """The test module's `local` LocalBatch (a module-scoped fixture), reset to its seed."""
    local.reset()
    return local


@pytest.fixture
def c(lb):
    return lb.client


@pytest.fixture
def b(aws):
    """A Batch on moto with two queues, an environment and two definitions."""
    import batchkit

    batch = batchkit.connect(region=REGION)
    make_resources(batch.client)
    return batch


@pytest.fixture
def calls(b):
    """The operations b's client sends, in order, with their parameters."""
    sent = []
    b.client.meta.events.register(
        "provide-client-params.batch.*",
        lambda params, model, **kw: sent.append((model.name, dict(params))),
    )
    return sent


def rejected(call, *words):
    """The call fails with ClientException and a message naming `words`."""
    with pytest.raises(ClientError) as caught:
        call()
    error = caught.value.response["Error"]
    assert error["Code"] == "ClientException", error
    for word in words:
        assert word.lower() in error["Message"].lower(), error
    return error["Message"]


def error_response(request, status: int, code: str, message: str):
    """An HTTP error as the service would send it, for before-send hooks."""
    from botocore.awsrequest import AWSResponse

    class Body:
        def stream(self, **kwargs):
            yield json.dumps({"__type": code, "message": message}).encode()

    return AWSResponse(request.url, status, {"x-amzn-ErrorType": code}, Body())
