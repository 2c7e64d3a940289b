"""What a served LocalBatch answers, and to whom (batchkit/local/server.py)."""

import os
import subprocess
import sys

import boto3
import pytest
import requests
from botocore.exceptions import ClientError

import batchkit
from tests.http_requests import signed


@pytest.fixture(scope="module")
def lb():
    with batchkit.local(seed="demo", server=True) as lb:
        yield lb


def other_client(endpoint, service="batch", secret="anything"):
    return boto3.client(service, endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="AKID",
                        aws_secret_access_key=secret, config=batchkit.client.client_config(max_attempts=1))


def test_it_listens_on_loopback_and_refuses_other_hosts_without_allow_remote(lb):
    assert lb.endpoint_url.startswith("http://127.0.0.1:")
    with pytest.raises(ValueError, match="allow_remote=True"):
        batchkit.local(seed="empty", server=True, host="0.0.0.0")


def test_serve_on_all_interfaces_needs_allow_remote_and_warns():
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    refused = subprocess.run([sys.executable, "-m", "batchkit.cli", "serve", "--host", "0.0.0.0", "--seed", "empty"],
                             capture_output=True, text=True, timeout=60, env=env)
    assert refused.returncode == 1 and "--allow-remote" in refused.stderr and "Traceback" not in refused.stderr
    process = subprocess.Popen([sys.executable, "-m", "batchkit.cli", "serve", "--host", "0.0.0.0", "--allow-remote",
                                "--port", "18611", "--seed", "empty"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, env=env)
    try:
        assert process.stdout.readline().strip() == "http://0.0.0.0:18611"
        warning = process.stderr.readline()
        assert "WARNING" in warning and "reachable from other machines" in warning and "--require-key" in warning
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_unsigned_requests_get_aws_403(lb):
    answer = requests.post(f"{lb.endpoint_url}/v1/describejobqueues", data="{}", timeout=30)
    assert answer.status_code == 403
    assert answer.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"
    assert answer.json()["message"] == "Missing Authentication Token"


def test_moto_admin_api_and_other_services_are_off(lb):
    for path in ("/moto-api/data.json", "/moto-api/reset", "/moto-api/recorder/start-recording"):
        assert requests.post(f"{lb.endpoint_url}{path}", timeout=30).status_code == 404
    with pytest.raises(ClientError) as caught:
        other_client(lb.endpoint_url, "s3").list_buckets()
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    with pytest.raises(ClientError, match="UnknownServiceException"):
        other_client(lb.endpoint_url, "sts").get_caller_identity()


def test_batch_and_cloudwatch_logs_are_served(lb):
    lb.reset()
    assert other_client(lb.endpoint_url).describe_job_queues()["jobQueues"]
    assert not lb.batch.logs(lb.seed_job_ids[0]).empty  # b.logs reads CloudWatch Logs over the server


def test_moto_api_serves_moto_s_other_services():
    with batchkit.local(seed="empty", server=True, moto_api=True) as lb:
        s3 = other_client(lb.endpoint_url, "s3")
        s3.create_bucket(Bucket="kept")
        assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["kept"]


def test_a_shared_key_admits_only_requests_signed_with_it():
    with batchkit.local(seed="demo", server=True, require_key="s3cret-key") as lb:
        assert lb.client.describe_job_queues()["jobQueues"]  # its own clients sign with the key
        assert other_client(lb.endpoint_url, secret="s3cret-key").describe_job_queues()["jobQueues"]
        assert other_client(lb.endpoint_url, "logs", secret="s3cret-key").describe_log_groups()["logGroups"]
        with pytest.raises(ClientError) as caught:
            other_client(lb.endpoint_url, secret="guess").describe_job_queues()
        assert caught.value.response["Error"]["Code"] == "InvalidSignatureException"
        assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
        assert signed(lb.endpoint_url, "describejobqueues", "{}", secret="guess").status_code == 403
        env = {**os.environ, "AWS_ACCESS_KEY_ID": "cli", "AWS_SECRET_ACCESS_KEY": "s3cret-key",
               "AWS_DEFAULT_REGION": "us-east-1", "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull}
        done = subprocess.run([sys.executable, "-m", "awscli", "batch", "--endpoint-url", lb.endpoint_url,
                               "describe-job-queues", "--output", "json"], capture_output=True, text=True, env=env,
                              timeout=60)
        assert done.returncode == 0 and "HighPriority" in done.stdout, done.stderr
        env["AWS_SECRET_ACCESS_KEY"] = "guess"
        done = subprocess.run([sys.executable, "-m", "awscli", "batch", "--endpoint-url", lb.endpoint_url,
                               "describe-job-queues"], capture_output=True, text=True, env=env, timeout=60)
        assert done.returncode != 0 and "InvalidSignatureException" in done.stderr
