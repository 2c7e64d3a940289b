"""The catalog is botocore's Batch model, complete and correctly read."""

import re
from pathlib import Path

import botocore.session
import pytest

from batchkit import catalog
from tests.conftest import REFERENCE_ACTIONS

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"


def test_every_model_operation_is_in_the_catalog():
    model = botocore.session.get_session().get_service_model("batch")
    assert list(catalog.operations()) == list(model.operation_names)
    assert len(catalog.operations()) >= 45
    assert REFERENCE_ACTIONS <= set(catalog.operations())


def test_reference_actions_match_the_seed_document():
    reference = SEEDS / "003_3e48acb7c5361049.txt"
    if not reference.exists():
        pytest.skip("the API reference is not next to this checkout")
    text = reference.read_text()
    named = {name for name in REFERENCE_ACTIONS if re.search(rf"\b{name}\b", text)}
    assert named == REFERENCE_ACTIONS


def test_names_in_every_spelling():
    op = catalog.operation("SubmitJob")
    assert (op.method, op.cli_name) == ("submit_job", "submit-job")
    assert catalog.operation("submit-job") is op
    assert catalog.operation("submit_job") is op
    assert catalog.operation("submitjob") is op


def test_members_carry_type_required_enum_limits_and_docs():
    submit = catalog.operation("SubmitJob")
    assert set(submit.required) == {"jobName", "jobQueue", "jobDefinition"}
    queue = submit.member("jobQueue")
    assert (queue.type, queue.required, queue.cli_name) == ("string", True, "--job-queue")
    assert "job queue" in queue.documentation
    assert "<" not in submit.documentation  # HTML is turned into text
    assert submit.member("--container-overrides").type == "structure"
    status = catalog.operation("ListJobs").member("jobStatus")
    assert status.enum[:3] == ("SUBMITTED", "PENDING", "RUNNABLE") and "FAILED" in status.enum
    tags = submit.member("tags")
    assert (tags.type, tags.min, tags.max) == ("map", 1, 50)
    patterned = [m for op in catalog.operations().values() for m in op.members if m.pattern]
    minimums = [m for op in catalog.operations().values() for m in op.members if m.min is not None]
    assert minimums and all(isinstance(m.min, int) for m in minimums)
    assert all(isinstance(m.pattern, str) for m in patterned)


def test_output_rows_and_paginators():
    assert catalog.operation("ListJobs").rows_key == "jobSummaryList"
    assert catalog.operation("ListJobs").paginator["input_token"] == "nextToken"
    assert catalog.operation("DescribeJobs").rows_key == "jobs"
    assert catalog.operation("DescribeJobs").paginator is None
    assert catalog.operation("DescribeJobQueues").row_shape.name == "JobQueueDetail"
    assert catalog.operation("SubmitJob").rows_key is None
    assert catalog.operation("CancelJob").empty_output
    assert not catalog.operation("SubmitJob").empty_output


def test_destructive_actions():
    destructive = {name for name, op in catalog.operations().items() if op.destructive}
    assert {"CancelJob", "TerminateJob", "DeleteJobQueue", "DeregisterJobDefinition"} <= destructive
    assert "SubmitJob" not in destructive and "DescribeJobs" not in destructive


def test_unknown_names_get_a_suggestion():
    with pytest.raises(catalog.UnknownOperation, match="did you mean 'submit-job'"):
        catalog.operation("submit-jb")
    with pytest.raises(catalog.UnknownOperation, match="did you mean 'jobQueue'"):
        catalog.operation("SubmitJob").member("jobQeue")
