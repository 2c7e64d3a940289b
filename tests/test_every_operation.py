"""Every operation of the catalog runs through Batch (generated from the model).

Requests are built from each operation's input shape; names of resources the
fixture made are filled in so that the calls mean something.  Each call gives
a DataFrame of the kind its output promises, or (only where moto lacks the action)
a one-line BatchError NotImplemented naming it.
"""

import pandas as pd
import pytest

from batchkit import BatchError, catalog
from tests.conftest import REFERENCE_ACTIONS

ROLE = "arn:aws:iam::123456789012:role/AWSBatchServiceRole"
ORDER = [{"order": 1, "computeEnvironment": "onprem-env"}]


def known_values(b):
    """Values for members that name resources: real ones from the fixture."""
    b.create_compute_environment(computeEnvironmentName="spare-env", type="UNMANAGED",
                                 serviceRole=ROLE, state="DISABLED")
    b.create_job_queue(jobQueueName="SpareQueue", state="DISABLED", priority=1,
                       computeEnvironmentOrder=[{"order": 1, "computeEnvironment": "onprem-env"}])
    job_id = b.submit_job(jobName="existing", jobQueue="HighPriority", jobDefinition="etl").loc[0, "jobId"]
    queue_arn = b.queues().loc[0, "jobQueueArn"]
    policy_arn = b.create_scheduling_policy(name="fair").loc[0, "arn"]
    return {
        "jobId": job_id, "jobs": [job_id], "reason": "generated test", "jobName": "generated",
        "jobQueue": "HighPriority", "jobDefinition": "etl:1", "jobDefinitionName": "generated",
        "jobQueueName": "GeneratedQueue", "computeEnvironmentName": "generated-env",
        "computeEnvironment": "onprem-env", "resourceArn": queue_arn,
        "tags": {"team": "ml"}, "tagKeys": ["team"], "priority": 5,
        "arn": policy_arn, "arns": [policy_arn],
    }


# Where the service needs more than the required members, or a resource in a given state.
OVERRIDES = {
    "CreateComputeEnvironment": {"type": "UNMANAGED", "serviceRole": ROLE},
    "CreateJobQueue": {"state": "ENABLED", "computeEnvironmentOrder": ORDER},
    "RegisterJobDefinition": {"type": "container",
                              "containerProperties": {"image": "busybox", "vcpus": 1, "memory": 128}},
    "DeleteComputeEnvironment": {"computeEnvironment": "spare-env"},
    "DeleteJobQueue": {"jobQueue": "SpareQueue"},
    "UpdateComputeEnvironment": {"state": "DISABLED"},
    "UpdateJobQueue": {"priority": 7},
}


def value_for(name, shape, known):
    if name in known:
        return known[name]
    if getattr(shape, "enum", None):
        return shape.enum[0]
    kind = shape.type_name
    if kind == "structure":
        return {m: value_for(m, shape.members[m], known) for m in shape.required_members}
    if kind == "list":
        return [value_for(name, shape.member, known)]
    if kind == "map":
        return {"key": "value"}
    if kind in ("integer", "long"):
        return max(int(shape.metadata.get("min", 1)), 1)
    if kind in ("float", "double"):
        return 1.0
    if kind == "boolean":
        return True
    return "generated-" + name


def request_for(op, known):
    request = {m.name: value_for(m.name, m.shape, known) for m in op.members if m.required}
    for name, value in OVERRIDES.get(op.name, {}).items():
        if name in {m.name for m in op.members}:
            request[name] = value
    return request


@pytest.mark.parametrize("name", list(catalog.operations()))
def test_operation_through_batch(b, name):
    op = catalog.operation(name)
    request = request_for(op, known_values(b))
    method = getattr(b, op.method)
    try:
        result = method(**request)
    except BatchError as error:  # only "moto lacks it": a request we built wrong fails here
        assert name not in REFERENCE_ACTIONS, f"a reference action failed on moto: {error}"
        assert error.code == "NotImplemented", f"{name} failed, not for lack of an implementation: {error}"
        assert str(error).startswith(f"{name}: NotImplemented: ") and "\n" not in str(error)
        return
    assert isinstance(result, pd.DataFrame)
    assert result.attrs["operation"] == name
    if op.empty_output:
        assert result.empty
    elif op.rows_key is None:
        assert len(result) == 1
        assert set(result.columns) <= set(_columns(op.output_shape)) | {"ResponseMetadata"}
    else:
        assert set(_columns(op.row_shape)) <= set(result.columns)


def _columns(shape, prefix=""):
    for name, member in shape.members.items():
        if member.type_name == "structure":
            yield from _columns(member, prefix + name + ".")
        else:
            yield prefix + name


def test_reference_actions_do_what_they_say(b):
    b.create_job_queue(**request_for(catalog.operation("CreateJobQueue"), known_values(b)))
    assert "GeneratedQueue" in set(b.queues()["jobQueueName"])
    b.update_job_queue(jobQueue="GeneratedQueue", priority=42)
    assert b.queues().set_index("jobQueueName").loc["GeneratedQueue", "priority"] == 42
    b.deregister_job_definition(jobDefinition="sleep:1")
    assert "sleep:1" not in set(b.definitions()["definition"])
    assert "sleep:1" in set(b.definitions(status="ALL")["definition"])
