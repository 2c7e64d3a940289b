"""DataFrame schemas: curated columns, stable dtypes, UTC times, masked secrets."""

import copy

import pandas as pd
import pytest

from batchkit import catalog
from batchkit.frames import MASK, flat_rows, mask_secrets, rows_frame, to_frame

JOB = {
    "jobArn": "arn:aws:batch:us-east-1:123456789012:job/abc",
    "jobName": "train-1",
    "jobId": "abc",
    "jobQueue": "arn:aws:batch:us-east-1:123456789012:job-queue/HighPriority",
    "status": "FAILED",
    "statusReason": "Essential container in task exited",
    "createdAt": 1700000000000,
    "startedAt": 1700000060000,
    "stoppedAt": 1700000180000,
    "jobDefinition": "arn:aws:batch:us-east-1:123456789012:job-definition/train:7",
    "attempts": [{"container": {"exitCode": 1, "logStreamName": "train/default/a"}}],
    "container": {
        "image": "python:3.12",
        "exitCode": 1,
        "resourceRequirements": [{"type": "VCPU", "value": "4"}, {"type": "MEMORY", "value": "8192"}],
        "environment": [
            {"name": "API_TOKEN", "value": "s3cr3t"},
            {"name": "aws_secret_access_key", "value": "abc/def"},
            {"name": "STAGE", "value": "prod"},
        ],
        "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "/team"}},
    },
    "arrayProperties": {"index": 3},
    "parameters": {"dbPassword": "pw", "input": "s3://bucket/key"},
    "tags": {"team": "ml"},
    "aNewFieldFromTheFuture": {"x": 1, "environment": [{"name": "GITHUB_TOKEN", "value": "ghp_x"}]},
}
SCHEMAS = {
    "DescribeJobs": ("jobId", "jobName", "status", "statusReason", "queue", "definition", "createdAt",
                     "startedAt", "stoppedAt", "duration", "exitCode", "attempts",
                     "arrayProperties.index", "arrayProperties.size"),
    "ListJobs": ("jobId", "jobName", "status", "statusReason", "queue", "definition", "createdAt"),
    "DescribeJobQueues": ("jobQueueName", "state", "status", "statusReason", "priority"),
    "DescribeComputeEnvironments": ("computeEnvironmentName", "type", "state", "status"),
    "DescribeJobDefinitions": ("definition", "jobDefinitionName", "revision", "status", "type"),
}


def shape(operation):
    return catalog.operation(operation).row_shape


@pytest.mark.parametrize("operation", SCHEMAS)
def test_curated_columns_lead_and_empty_frames_keep_the_schema(operation):
    empty = to_frame([], shape(operation))
    assert tuple(empty.columns[: len(SCHEMAS[operation])]) == SCHEMAS[operation]
    assert len(empty) == 0 and len(empty.columns) > len(SCHEMAS[operation])


@pytest.mark.parametrize("rows", [1, 3, 1000])
def test_same_columns_and_dtypes_for_any_number_of_rows(rows):
    records = [dict(JOB, aNewFieldFromTheFuture=None, jobId=f"j{i}") for i in range(rows)]
    records = [{k: v for k, v in r.items() if k != "aNewFieldFromTheFuture"} for r in records]
    empty = to_frame([], shape("DescribeJobs"))
    full = to_frame(records, shape("DescribeJobs"))
    sparse = to_frame([{"jobId": "x", "jobName": "y", "status": "SUBMITTED"}] * rows, shape("DescribeJobs"))
    assert list(full.columns) == list(empty.columns) == list(sparse.columns)
    assert full.dtypes.to_dict() == empty.dtypes.to_dict() == sparse.dtypes.to_dict()
    assert len(full) == rows


def test_job_row_values():
    row = to_frame([JOB], shape("DescribeJobs")).iloc[0]
    assert row["queue"] == "HighPriority"
    assert row["definition"] == "train:7"
    assert row["createdAt"] == pd.Timestamp("2023-11-14 22:13:20", tz="UTC")
    assert str(row["createdAt"].tz) == "UTC"
    assert row["duration"] == pd.Timedelta(minutes=2)
    assert row["exitCode"] == 1 and row["attempts"] == 1
    assert row["arrayProperties.index"] == 3
    assert (row["vcpus"], row["memory"]) == (4.0, 8192.0)
    assert row["container.image"] == "python:3.12"
    assert row["container.logConfiguration.logDriver"] == "awslogs"
    assert row["container.logConfiguration.options"] == {"awslogs-group": "/team"}  # maps stay whole
    assert row["attemptDetails"][0]["container"]["exitCode"] == 1  # nothing lost
    assert row["aNewFieldFromTheFuture"]["x"] == 1  # fields newer than the model are kept
    assert row["aNewFieldFromTheFuture"]["environment"][0]["value"] == MASK  # and masked


def test_secret_looking_values_are_masked_unless_asked():
    original = copy.deepcopy(JOB)
    masked = to_frame([JOB], shape("DescribeJobs")).iloc[0]
    values = {e["name"]: e["value"] for e in masked["container.environment"]}
    assert values == {"API_TOKEN": MASK, "aws_secret_access_key": MASK, "STAGE": "prod"}
    assert masked["parameters"] == {"dbPassword": MASK, "input": "s3://bucket/key"}
    assert "s3cr3t" not in to_frame([JOB], shape("DescribeJobs")).to_string()
    assert JOB == original  # the response itself is untouched
    raw = to_frame([JOB], shape("DescribeJobs"), mask=False).iloc[0]
    assert {e["name"]: e["value"] for e in raw["container.environment"]}["API_TOKEN"] == "s3cr3t"


def test_masking_copies_only_what_it_changes():
    clean = {"a": [{"b": 1}], "environment": [{"name": "STAGE", "value": "x"}]}
    assert mask_secrets(clean) is clean
    nested = {"taskProperties": [{"containers": [{"environment": [{"name": "KEY", "value": "v"}]}]}]}
    assert mask_secrets(nested)["taskProperties"][0]["containers"][0]["environment"][0]["value"] == MASK
    assert nested["taskProperties"][0]["containers"][0]["environment"][0]["value"] == "v"


def test_definition_and_queue_rows():
    definition = {
        "jobDefinitionName": "etl", "revision": 3, "status": "ACTIVE", "type": "container",
        "containerProperties": {"image": "busybox", "vcpus": 2, "memory": 512},
    }
    row = to_frame([definition], shape("DescribeJobDefinitions")).iloc[0]
    assert (row["definition"], row["vcpus"], row["memory"]) == ("etl:3", 2.0, 512.0)
    queue = {
        "jobQueueName": "q", "priority": 5,
        "computeEnvironmentOrder": [
            {"order": 2, "computeEnvironment": "arn:aws:batch:us-east-1:1:compute-environment/spot"},
            {"order": 1, "computeEnvironment": "ondemand"},
        ],
    }
    assert to_frame([queue], shape("DescribeJobQueues")).iloc[0]["computeEnvironments"] == ["ondemand", "spot"]


def test_pages_flattened_one_by_one_make_the_same_frame():
    plain = [dict(JOB, jobId=f"j{i}") for i in range(3)]
    plain = [{k: v for k, v in r.items() if k != "aNewFieldFromTheFuture"} for r in plain]
    pages = [plain[:2], [JOB]]  # the newer field and its secret arrive with the second page only
    joined = rows_frame([row for page in pages for row in flat_rows(page, shape("DescribeJobs"))],
                        shape("DescribeJobs"))
    pd.testing.assert_frame_equal(joined, to_frame(plain[:2] + [JOB], shape("DescribeJobs")))
    assert joined.iloc[2]["aNewFieldFromTheFuture"]["environment"][0]["value"] == MASK
