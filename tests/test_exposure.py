"""What a served LocalBatch answers, and to whom (batchkit/local/server.py)."""

import json
import os
import time
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
        assert process.stdout.readline().strip() == "http://127.0.0.1:18611"  # a URL that reaches it from here
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


def raw(endpoint: str, request: bytes, timeout: float = 10) -> bytes:
    """What the server answers to bytes no HTTP client library would send: until it closes, or
    the end of a body of known length (werkzeug drains, and drops, what a refused client still sends)."""
    import re
    import socket

    host, port = endpoint.split("//")[1].split(":")
    with socket.create_connection((host, int(port)), timeout=timeout) as sock:
        sock.sendall(request)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
            head, _, body = answer.partition(b"\r\n\r\n")
            length = re.search(rb"Content-Length: (\d+)", head)
            if length and len(body) >= int(length.group(1)):
                break
    return answer


SCOPE = b"Authorization: AWS4-HMAC-SHA256 Credential=AKID/20261207/us-east-1/batch/aws4_request, SignedHeaders=host, Signature=0\r\n"


@pytest.mark.parametrize("request_bytes, status, code", [
    (b"POST / HTTP/1.1\r\nHost: h\r\n" + SCOPE + b"Content-Length: 2\r\n\r\n{}", 404, "UnknownOperationException"),
    (b"POST /v1 HTTP/1.1\r\nHost: h\r\n" + SCOPE + b"Content-Length: 2\r\n\r\n{}", 404, "UnknownOperationException"),
    (b"GET /v1/describejobs HTTP/1.1\r\nHost: h\r\n" + SCOPE + b"\r\n", 404, "UnknownOperationException"),
    (b"DELETE /v1/describejobs HTTP/1.1\r\nHost: h\r\n" + SCOPE + b"\r\n", 404, "UnknownOperationException"),
    (b"POST /v1/describejobs HTTP/1.1\r\nHost: h\r\nAuthorization: garbage\r\nContent-Length: 2\r\n\r\n{}", 403,
     "IncompleteSignatureException"),
    (b"POST /v1/describejobs HTTP/1.1\r\nHost: h\r\n" + SCOPE + b"Content-Length: -1\r\n\r\n" + b"x" * 100_000, 400,
     "BadRequest"),
    (b"POST /v1/describejobs HTTP/1.1\r\nHost: h\r\n" + SCOPE + b"Content-Length: ten\r\n\r\n{}", 400, "BadRequest"),
    (b"GARBAGE\r\n\r\n", None, "BadRequest"),
])
def test_malformed_requests_get_a_4xx_in_aws_json_at_once(lb, request_bytes, status, code):
    answer = raw(lb.endpoint_url, request_bytes)
    head, _, body = answer.partition(b"\r\n\r\n") if status else (b"", b"", answer)
    if status:
        assert head.startswith(f"HTTP/1.1 {status} ".encode()), head
    assert json.loads(body)["__type"] == code
    assert lb.client.describe_job_queues()["jobQueues"]  # and the backend still answers


def test_an_idle_connection_is_closed(lb, monkeypatch):
    from batchkit.local import server

    started = time.monotonic()
    assert raw(lb.endpoint_url, b"\x16\x03\x01\x00\xa5\x01\x00", timeout=server.IDLE_SECONDS + 30) == b""
    assert time.monotonic() - started >= server.IDLE_SECONDS - 1
