"""One masking policy for frames, raw responses, views and log lines (batchkit/masking.py)."""

import pytest

import batchkit
from batchkit import views
from batchkit.masking import MASK, mask_text

ENV = [{"name": "DB_PASSWORD", "value": "hunter2-pw"}, {"name": "DATABASE_URL", "value": "postgres://app:s3cr3t@db/x"},
       {"name": "REGION", "value": "eu-west-1"}]


@pytest.fixture(scope="module")
def lb():
    with batchkit.local(seed="demo") as lb:
        yield lb


@pytest.fixture
def job(lb):
    lb.reset()
    lb.set_outcome("leaky", logs=["connecting with hunter2-pw", "url postgres://app:s3cr3t@db/x", "token=abc-token-9"])
    job_id = lb.client.submit_job(
        jobName="leaky", jobQueue="HighPriority", jobDefinition="etl", parameters={"api_token": "abc-token-9"},
        containerOverrides={"environment": ENV, "command": ["run", "--db", "mysql://root:rootpw@h/db"]})["jobId"]
    lb.run_until_idle()
    return job_id


def text_of(value) -> str:
    return repr(value)


@pytest.mark.parametrize("text, masked", [
    ("postgres://u:pw@h/db", f"postgres://u:{MASK}@h/db"),
    ("see https://user:p%40ss@example.com/x and redis://:only-pw@cache:6379", f"see https://user:{MASK}@example.com/x and redis://:{MASK}@cache:6379"),
    ("http://example.com:8080/path", "http://example.com:8080/path"),
    ("no url here", "no url here"),
])
def test_credentials_inside_urls_are_recognised(text, masked):
    assert mask_text(text) == masked


def test_frames_and_raw_responses_are_masked(lb, job):
    df = lb.batch.describe_jobs(jobs=[job])
    shown = text_of(df.to_dict("records")) + text_of(list(df.attrs["responses"]))
    for secret in ("hunter2-pw", "s3cr3t", "rootpw", "abc-token-9"):
        assert secret not in shown
    assert "eu-west-1" in shown and "postgres://app:****@db/x" in shown


def test_log_lines_mask_the_job_s_known_secrets_wherever_they_appear(lb, job):
    logs = lb.batch.logs(job)
    assert logs["message"].tolist() == [f"connecting with {MASK}", f"url postgres://app:{MASK}@db/x", f"token={MASK}"]
    assert "hunter2-pw" not in text_of(list(logs.attrs["responses"]))


def test_cards_and_views_show_no_secret(lb, job):
    card = lb.batch.job(job)
    html = views.Card(card).html() + card.batch.view().html() + lb.batch.logs(job).batch.text()
    for secret in ("hunter2-pw", "s3cr3t", "rootpw", "abc-token-9"):
        assert secret not in html


def test_mask_secrets_false_shows_everything(lb, job):
    plain = batchkit.Batch(lb.client, mask_secrets=False, logs_client=lb.boto3_client("logs"))
    assert "hunter2-pw" in text_of(plain.describe_jobs(jobs=[job]).to_dict("records"))
    assert "connecting with hunter2-pw" in plain.logs(job)["message"].tolist()
