"""batchkit.local as a whole: settings, clocks, executors, and `batchkit serve` driven by the AWS CLI."""

import json
import os
import subprocess
import sys
import time

import pytest
from botocore.exceptions import ClientError

import batchkit
from batchkit.local import seed as seeds

CLI_ENV = {**os.environ, "AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local",
           "AWS_DEFAULT_REGION": "us-east-1", "AWS_PAGER": ""}

MANAGED = {"type": "EC2", "minvCpus": 0, "maxvCpus": 4, "instanceTypes": ["optimal"],
           "subnets": ["subnet-nope"], "securityGroupIds": ["sg-nope"], "instanceRole": "ecsInstanceRole"}


def test_strict_rejects_missing_roles_profiles_subnets_and_security_groups():
    with batchkit.local(seed=None, strict=True) as lb:
        c = lb.client
        with pytest.raises(ClientError, match="Could not find IAM role"):
            c.create_compute_environment(computeEnvironmentName="ce", type="UNMANAGED", serviceRole="NoRole")
        iam = lb.boto3_client("iam")
        iam.create_role(RoleName="ecsInstanceRole", AssumeRolePolicyDocument="{}")
        with pytest.raises(ClientError, match="instanceRole"):
            c.create_compute_environment(computeEnvironmentName="ce", type="MANAGED", computeResources=MANAGED)
        iam.create_instance_profile(InstanceProfileName="ecsInstanceRole")
        with pytest.raises(ClientError, match="security group sg-nope"):
            c.create_compute_environment(computeEnvironmentName="ce", type="MANAGED", computeResources=MANAGED)
        ec2 = lb.boto3_client("ec2")
        vpc = ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
        group = ec2.create_security_group(GroupName="batch", Description="batch", VpcId=vpc)["GroupId"]
        subnet = ec2.describe_subnets()["Subnets"][0]["SubnetId"]
        c.create_compute_environment(computeEnvironmentName="ce", type="MANAGED",
                                     computeResources={**MANAGED, "securityGroupIds": [group], "subnets": [subnet]})


def test_bad_settings_fail_with_one_line_before_starting():
    for kwargs, words in (({"clock": "sundial"}, "manual, realtime"), ({"speed": 0}, "above 0"),
                          ({"speed": float("inf")}, "at most 1,000,000"), ({"executor": "docker"}, "simulated, subprocess"),
                          ({"server": True, "host": "0.0.0.0"}, "allow_remote=True"),
                          ({"server": True, "moto_api": True, "require_key": "k"}, "cannot be served behind a key")):
        with pytest.raises(ValueError, match=words):
            batchkit.local(**kwargs)
    with pytest.raises(ValueError, match="neither a built-in seed"):
        batchkit.local(seed="no/such/file.yaml")
    with batchkit.local(seed=None) as lb:  # nothing was left running
        assert lb.client.describe_compute_environments()["computeEnvironments"] == []


def test_seed_from_a_yaml_file(tmp_path):
    path = tmp_path / "seed.yaml"
    path.write_text(
        "computeEnvironments: [{computeEnvironmentName: ce, type: UNMANAGED}]\n"
        "jobQueues: [{jobQueueName: q, priority: 1, computeEnvironmentOrder: [{order: 1, computeEnvironment: ce}]}]\n"
        "jobDefinitions: [{jobDefinitionName: d, type: container, containerProperties: {image: x, vcpus: 1, memory: 64}}]\n"
        "jobs: [{jobName: first, jobQueue: q, jobDefinition: d}]\n"
    )
    with batchkit.local(seed=str(path)) as lb:
        jobs = lb.batch.jobs()
        assert list(jobs["jobName"]) == ["first"] and list(jobs["status"]) == ["SUCCEEDED"]
        assert seeds.load(str(path))["jobQueues"][0]["jobQueueName"] == "q"


def test_seeds_can_hold_the_newer_kinds_and_reset_keeps_them():
    seed = {
        "computeEnvironments": [{"computeEnvironmentName": "ce", "type": "UNMANAGED"}],
        "serviceEnvironments": [{"serviceEnvironmentName": "sagemaker", "serviceEnvironmentType": "SAGEMAKER_TRAINING",
                                 "capacityLimits": [{"maxCapacity": 2, "capacityUnit": "NUM_INSTANCES"}]}],
        "consumableResources": [{"consumableResourceName": "licenses", "totalQuantity": 3}],
        "schedulingPolicies": [{"name": "fair", "fairsharePolicy": {"shareDecaySeconds": 60}}],
        "jobQueues": [{"jobQueueName": "q", "priority": 1, "schedulingPolicyArn":
                       "arn:aws:batch:us-east-1:123456789012:scheduling-policy/fair",
                       "computeEnvironmentOrder": [{"order": 1, "computeEnvironment": "ce"}]}],
        "quotaShares": [{"quotaShareName": "team-a", "jobQueue": "q",
                         "capacityLimits": [{"maxCapacity": 1, "capacityUnit": "NUM_INSTANCES"}],
                         "resourceSharingConfiguration": {"strategy": "RESERVE"},
                         "preemptionConfiguration": {"inSharePreemption": "DISABLED"}}],
        "serviceJobs": [{"jobName": "train", "jobQueue": "q", "serviceRequestPayload": "{}",
                         "serviceJobType": "SAGEMAKER_TRAINING"}],
    }
    with batchkit.local(seed=seed) as lb:
        c = lb.client
        c.delete_consumable_resource(consumableResource="licenses")
        lb.reset()
        assert c.describe_consumable_resource(consumableResource="licenses")["totalQuantity"] == 3
        assert [e["serviceEnvironmentName"] for e in c.describe_service_environments()["serviceEnvironments"]] == ["sagemaker"]
        assert c.describe_job_queues()["jobQueues"][0]["schedulingPolicyArn"].endswith("scheduling-policy/fair")
        assert [s["quotaShareName"] for s in c.list_quota_shares(jobQueue="q")["quotaShares"]] == ["team-a"]
        finished = c.list_service_jobs(jobQueue="q", jobStatus="SUCCEEDED")["jobSummaryList"]
        assert [j["jobName"] for j in finished] == ["train"]  # seeded work ran before the clock's start


def test_manual_clock_only_moves_when_told():
    with batchkit.local(seed=None) as lb:
        before = lb.now
        time.sleep(0.05)
        assert lb.now == before
        lb.advance(2.5)
        assert lb.now == before + 2500


def test_realtime_clock_runs_jobs_in_the_background():
    with batchkit.local(seed="demo", clock="realtime", speed=100) as lb:
        job_id = lb.client.submit_job(jobName="rt", jobQueue="HighPriority", jobDefinition="sleep")["jobId"]
        deadline = time.monotonic() + 10
        while lb.client.describe_jobs(jobs=[job_id])["jobs"][0]["status"] != "SUCCEEDED":
            assert time.monotonic() < deadline, "the realtime clock did not finish a 9-second job at 100x"
            time.sleep(0.02)
        with pytest.raises(RuntimeError, match="manual"):
            lb.advance(1)


def test_subprocess_executor_runs_the_command_with_parameters_and_environment():
    with batchkit.local(seed=None, executor="subprocess") as lb:
        c = lb.client
        c.create_compute_environment(computeEnvironmentName="ce", type="UNMANAGED")
        c.create_job_queue(jobQueueName="q", priority=1, computeEnvironmentOrder=[{"order": 1, "computeEnvironment": "ce"}])
        script = "import os, sys; print('hello', sys.argv[1], os.environ['GREETING']); sys.exit(int(sys.argv[2]))"
        c.register_job_definition(
            jobDefinitionName="py", type="container", parameters={"who": "world", "code": "0"},
            containerProperties={"image": "python", "vcpus": 1, "memory": 64,
                                 "command": [sys.executable, "-c", script, "Ref::who", "Ref::code"],
                                 "environment": [{"name": "GREETING", "value": "hi"}]})
        ok = c.submit_job(jobName="ok", jobQueue="q", jobDefinition="py")["jobId"]
        bad = c.submit_job(jobName="bad", jobQueue="q", jobDefinition="py", parameters={"code": "3"})["jobId"]
        lb.run_until_idle()
        jobs = {j["jobId"]: j for j in c.describe_jobs(jobs=[ok, bad])["jobs"]}
        assert (jobs[ok]["status"], jobs[bad]["status"]) == ("SUCCEEDED", "FAILED")
        assert jobs[bad]["attempts"][0]["container"]["exitCode"] == 3
        assert list(lb.batch.logs(ok)["message"]) == ["hello world hi"]


@pytest.fixture
def served():
    """`batchkit serve` in a subprocess, manual clock: the endpoint URL is its first line."""
    process = subprocess.Popen([sys.executable, "-m", "batchkit", "serve", "--port", "0", "--clock", "manual"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        yield process.stdout.readline().strip()
    finally:
        process.terminate()
        process.wait(timeout=10)


def aws(endpoint, *args):
    """The real AWS CLI (the awscli package) against the endpoint; its JSON output."""
    done = subprocess.run([sys.executable, "-m", "awscli", "batch", "--endpoint-url", endpoint, "--output", "json", *args],
                          capture_output=True, text=True, env=CLI_ENV, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout) if done.stdout.strip() else {}


def test_aws_cli_against_batchkit_serve(served):
    assert served.startswith("http://127.0.0.1:")
    # the API reference's examples, verbatim (missing IAM roles are created on the fly)
    aws(served, "create-compute-environment", "--compute-environment-name", "unmanagedCE", "--type", "UNMANAGED",
        "--state", "ENABLED", "--service-role", "arn:aws:iam::012345678910:role/AWSBatchServiceRole")
    aws(served, "create-job-queue", "--job-queue-name", "CliQueue", "--priority", "1", "--state", "ENABLED",
        "--compute-environment-order", "order=1,computeEnvironment=unmanagedCE")
    aws(served, "register-job-definition", "--job-definition-name", "sleep10", "--type", "container",
        "--container-properties", '{"image": "busybox", "vcpus": 1, "memory": 128, "command": ["sleep", "10"]}')
    first = aws(served, "submit-job", "--job-name", "example", "--job-queue", "CliQueue", "--job-definition", "sleep10")
    second = aws(served, "submit-job", "--job-name", "example2", "--job-queue", "CliQueue", "--job-definition", "sleep10")
    listed = aws(served, "list-jobs", "--job-queue", "CliQueue", "--job-status", "SUBMITTED")
    assert {j["jobId"] for j in listed["jobSummaryList"]} == {first["jobId"], second["jobId"]}
    aws(served, "cancel-job", "--job-id", first["jobId"], "--reason", "Cancelling job.")
    aws(served, "terminate-job", "--job-id", second["jobId"], "--reason", "Terminating job.")
    described = aws(served, "describe-jobs", "--jobs", first["jobId"], second["jobId"])["jobs"]
    assert {(j["jobName"], j["status"], j["statusReason"]) for j in described} == {
        ("example", "FAILED", "Cancelling job."), ("example2", "FAILED", "Terminating job.")}
    seeded = aws(served, "describe-job-queues")["jobQueues"]
    assert {"HighPriority", "LowPriority", "Backfill", "GPU", "FairShare", "CliQueue"} == {q["jobQueueName"] for q in seeded}
    # an action newer than the API reference
    aws(served, "create-consumable-resource", "--consumable-resource-name", "licenses", "--total-quantity", "3")
    resource = aws(served, "describe-consumable-resource", "--consumable-resource", "licenses")
    assert (resource["totalQuantity"], resource["availableQuantity"]) == (3, 3)


def test_aws_cli_sees_service_errors(served):
    done = subprocess.run([sys.executable, "-m", "awscli", "batch", "--endpoint-url", served, "submit-job",
                           "--job-name", "x", "--job-queue", "Nope", "--job-definition", "sleep"],
                          capture_output=True, text=True, env=CLI_ENV, timeout=60)
    assert done.returncode != 0
    assert "ClientException" in done.stderr and "Nope does not exist" in done.stderr


def test_reset_switches_seeds_and_a_bad_seed_keeps_the_current_one(tmp_path):
    with batchkit.local(seed="demo") as lb:
        lb.reset({"computeEnvironments": [{"computeEnvironmentName": "only", "type": "UNMANAGED"}]})
        assert [e["computeEnvironmentName"] for e in lb.client.describe_compute_environments()["computeEnvironments"]] == ["only"]
        with pytest.raises(ValueError, match="neither a built-in seed"):
            lb.reset(str(tmp_path / "missing.yaml"))
        lb.reset()
        assert [e["computeEnvironmentName"] for e in lb.client.describe_compute_environments()["computeEnvironments"]] == ["only"]
        lb.reset("demo")
        assert len(lb.client.describe_compute_environments()["computeEnvironments"]) == 3


def test_server_finds_the_backend_of_a_host_once(monkeypatch):
    """moto's dispatcher lists its package directory to route each request; ours remembers."""
    from moto import backends

    listed = []
    real = backends.list_of_moto_modules
    monkeypatch.setattr(backends, "list_of_moto_modules", lambda: listed.append(1) or real())
    with batchkit.local(seed="demo", server=True) as lb:
        over_http = lb.boto3_client("batch")  # on the server: its endpoint_url is set
        over_http.describe_job_queues()
        first = len(listed)
        for _ in range(5):
            assert over_http.describe_job_queues()["jobQueues"]
        assert len(listed) == first
