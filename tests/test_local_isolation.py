"""LocalBatches side by side: each its own state, account, clients and endpoint; other clients
answered only inside `intercept()`, never those `batchkit.connect()` makes for AWS."""

import asyncio
import threading
import time

import boto3
import pytest
import requests

import batchkit

DEMO_QUEUES = {"HighPriority", "LowPriority", "Backfill", "GPU", "FairShare"}  # the demo seed's


def queue_names(client) -> set[str]:
    return {q["jobQueueName"] for q in client.describe_job_queues()["jobQueues"]}


def not_answered_locally(call):
    """The request went for the network, where the suite's guard stopped it."""
    with pytest.raises(pytest.fail.Exception, match="outside this machine"):
        call()


def test_local_batches_side_by_side_keep_disjoint_state_manual_and_realtime_mixed():
    with batchkit.local(seed="demo") as demo, batchkit.local(seed="empty", clock="realtime", speed=50) as empty, \
            batchkit.local(seed="demo", server=True) as served:
        assert len({demo.account, empty.account, served.account}) == 3
        demo.client.update_job_queue(jobQueue="Backfill", state="DISABLED")
        empty.client.create_compute_environment(computeEnvironmentName="mine", type="UNMANAGED")
        assert queue_names(demo.client) == queue_names(served.client) == DEMO_QUEUES
        assert queue_names(empty.client) == set()
        assert {e["computeEnvironmentName"] for e in demo.client.describe_compute_environments()["computeEnvironments"]} \
            == {e["computeEnvironmentName"] for e in served.client.describe_compute_environments()["computeEnvironments"]}
        states = {q["jobQueueName"]: q["state"] for q in served.boto3_client("batch").describe_job_queues()["jobQueues"]}
        assert states["Backfill"] == "ENABLED"  # the disabled queue is the other backend's
        job = demo.client.submit_job(jobName="a", jobQueue="HighPriority", jobDefinition="sleep")
        assert f":{demo.account}:job/" in job["jobArn"]
        assert served.client.describe_jobs(jobs=[job["jobId"]])["jobs"] == []
        demo.run_until_idle()  # the manual clock moves only its own backend
        assert served.client.describe_jobs(jobs=[job["jobId"]])["jobs"] == []


def test_each_serves_on_its_own_port_whatever_credentials_the_caller_signs_with():
    with batchkit.local(seed="demo", server=True) as one, batchkit.local(seed="empty") as two:
        assert two.serve() != one.endpoint_url
        for lb, expected in ((one, DEMO_QUEUES), (two, set())):
            stranger = boto3.client("batch", region_name="us-east-1", endpoint_url=lb.endpoint_url,
                                    aws_access_key_id="AKIAOTHERACCOUNT000", aws_secret_access_key="x")
            assert queue_names(stranger) == expected


def test_accounts_are_given_out_in_order_freed_on_stop_and_may_be_chosen():
    with batchkit.local(seed="empty") as first:
        with batchkit.local(seed="empty") as second:
            assert (first.account, second.account) == ("123456789012", "123456789013")
            with pytest.raises(ValueError, match="taken"):
                batchkit.local(seed="empty", account="123456789013")
            with pytest.raises(ValueError, match="12 digits"):
                batchkit.local(seed="empty", account="42")
    with batchkit.local(seed="empty") as again, batchkit.local(seed="empty", account="999999999999") as chosen:
        assert (again.account, chosen.account) == ("123456789012", "999999999999")
        assert ":999999999999:" in chosen.client.create_compute_environment(
            computeEnvironmentName="ce", type="UNMANAGED")["computeEnvironmentArn"]


def test_other_clients_are_answered_only_inside_intercept():
    with batchkit.local(seed="demo") as lb:
        before = boto3.client("batch", region_name="us-east-1")
        not_answered_locally(before.describe_job_queues)
        with lb.intercept():
            inside = boto3.client("batch", region_name="us-east-1")
            assert queue_names(inside) == DEMO_QUEUES
            assert queue_names(before) == DEMO_QUEUES
            logs = boto3.client("logs", region_name="us-east-1")  # every service, in the LocalBatch's account
            assert logs.describe_log_groups()["logGroups"][0]["logGroupName"] == "/aws/batch/job"
        not_answered_locally(inside.describe_job_queues)
        assert lb.calls.of("DescribeJobQueues")  # what the intercepted clients asked is recorded


def test_connect_for_aws_is_never_answered_locally_and_results_say_their_backend():
    with batchkit.local(seed="demo") as lb, lb.intercept():
        aws = batchkit.connect(region="us-east-1")
        assert "AWS us-east-1:" in repr(aws) and "local" not in repr(aws)
        there = batchkit.connect(region="us-east-1", endpoint_url="http://127.0.0.1:9")
        assert there.label == "endpoint http://127.0.0.1:9"
        not_answered_locally(aws.client.describe_job_queues)
        not_answered_locally(lambda: aws.logs_client.describe_log_groups())
        assert "local" in lb.batch.queues().attrs["backend"]


def test_the_innermost_intercept_answers_and_the_outer_one_takes_over_again():
    with batchkit.local(seed="demo") as outer, batchkit.local(seed="empty") as inner:
        client = boto3.client("batch", region_name="us-east-1")
        with outer.intercept():
            with inner.intercept():
                assert queue_names(client) == set()
            assert queue_names(client) == DEMO_QUEUES
        # own clients answer only their own backend, whoever intercepts
        with inner.intercept():
            assert queue_names(outer.client) == DEMO_QUEUES


def test_a_moto_mock_started_meanwhile_does_not_wipe_a_local_batch():
    from moto import mock_aws

    with batchkit.local(seed="demo") as lb:
        with mock_aws():
            moto_client = boto3.client("batch", region_name="us-east-1")
            assert moto_client.describe_job_queues()["jobQueues"] == []  # moto's own, empty
        assert queue_names(lb.client) == DEMO_QUEUES
        with lb.intercept():  # and CloudFormation-style access through moto's registry finds it again
            from moto.batch.models import batch_backends

            assert batch_backends[lb.account]["us-east-1"].get_job_queue("HighPriority") is not None


def test_moto_api_is_off_by_default():
    with batchkit.local(seed="empty", server=True) as served:
        for path in ("/moto-api/data.json", "/moto-api/reset", "/moto-api/recorder/start-recording", "/moto-api/"):
            assert requests.post(f"{served.endpoint_url}{path}").status_code == 404


def test_moto_api_resets_this_local_batch_alone():
    with batchkit.local(seed="demo", server=True, moto_api=True) as served, batchkit.local(seed="demo") as other:
        served.client.update_job_queue(jobQueue="Backfill", state="DISABLED")
        other.client.update_job_queue(jobQueue="Backfill", state="DISABLED")
        assert requests.post(f"{served.endpoint_url}/moto-api/reset").status_code == 200
        served_states = {q["jobQueueName"]: q["state"] for q in served.client.describe_job_queues()["jobQueues"]}
        other_states = {q["jobQueueName"]: q["state"] for q in other.client.describe_job_queues()["jobQueues"]}
        assert (served_states["Backfill"], other_states["Backfill"]) == ("ENABLED", "DISABLED")


@pytest.mark.aiobotocore
def test_aiobotocore_clients_are_answered_in_process_inside_intercept():
    aiobotocore_session = pytest.importorskip("aiobotocore.session")

    async def main():
        session = aiobotocore_session.get_session()
        async with session.create_client("batch", region_name="us-east-1") as client:
            job = await client.submit_job(jobName="deferred", jobQueue="HighPriority", jobDefinition="sleep")
            described = await client.describe_jobs(jobs=[job["jobId"]])
            with pytest.raises(client.exceptions.ClientException, match="NoSuchQueue does not exist"):
                await client.submit_job(jobName="x", jobQueue="NoSuchQueue", jobDefinition="sleep")
            return described["jobs"][0]["status"]

    with batchkit.local(seed="demo") as lb, lb.intercept():
        assert asyncio.run(main()) in ("SUBMITTED", "RUNNABLE")


def test_sleeping_in_the_test_thread_passes_simulated_time_and_other_threads_sleep_for_real():
    with batchkit.local(seed="demo") as lb:
        job_id = lb.client.submit_job(jobName="poll", jobQueue="HighPriority", jobDefinition="sleep")["jobId"]
        with lb.intercept(sleep=True):
            client = boto3.client("batch", region_name="us-east-1")
            started = time.monotonic()
            polls = 0
            while client.describe_jobs(jobs=[job_id])["jobs"][0]["status"] != "SUCCEEDED":
                time.sleep(30)  # what workflow tools' polling loops do
                polls += 1
            assert polls >= 1 and time.monotonic() - started < 5

            async def async_poll():
                before = lb.now
                await asyncio.sleep(60)
                return lb.now - before

            assert asyncio.run(async_poll()) == 60_000
            slept = []
            worker = threading.Thread(target=lambda: slept.append((lb.now, time.sleep(0.05), lb.now)))
            worker.start()
            worker.join()
            assert slept[0][0] == slept[0][2]  # another thread's sleep moved nothing
        before = lb.now
        time.sleep(0.01)
        assert lb.now == before  # outside, sleeping is sleeping again


def test_sleep_needs_the_manual_clock():
    with batchkit.local(seed="empty", clock="realtime") as lb:
        with pytest.raises(RuntimeError, match="manual"):
            with lb.intercept(sleep=True):
                pass


@pytest.mark.aiobotocore
def test_an_async_client_outside_intercept_is_not_answered_locally():
    aiobotocore_session = pytest.importorskip("aiobotocore.session")

    async def main():
        async with aiobotocore_session.get_session().create_client("batch", region_name="us-east-1") as client:
            await client.describe_job_queues()

    with batchkit.local(seed="demo"):
        not_answered_locally(lambda: asyncio.run(main()))


def test_cloudformation_creates_batch_resources_in_the_local_backend_in_any_region():
    """moto's CloudFormation creates Batch resources through moto's registry: for a LocalBatch's
    account that registry builds batchkit's backend, also in a region no Batch request has used."""
    import json

    template = {"Resources": {
        "CE": {"Type": "AWS::Batch::ComputeEnvironment", "Properties": {
            "Type": "MANAGED", "ServiceRole": "arn:aws:iam::123456789012:role/AWSBatchServiceRole",
            "ComputeResources": {"Type": "EC2", "MinvCpus": 0, "MaxvCpus": 8, "InstanceTypes": ["optimal"],
                                 "Subnets": ["subnet-1"], "SecurityGroupIds": ["sg-1"],
                                 "InstanceRole": "ecsInstanceRole"}}},
        "Q": {"Type": "AWS::Batch::JobQueue", "Properties": {
            "Priority": 1, "ComputeEnvironmentOrder": [{"Order": 1, "ComputeEnvironment": {"Ref": "CE"}}]}}}}
    with batchkit.local(seed="empty", server=True, moto_api=True) as lb:  # moto's CloudFormation too
        clients = {name: boto3.client(name, region_name="eu-central-1", endpoint_url=lb.endpoint_url,
                                      aws_access_key_id="a", aws_secret_access_key="b") for name in ("cloudformation", "batch")}
        clients["cloudformation"].create_stack(StackName="stack", TemplateBody=json.dumps(template))
        batch = clients["batch"]
        [made] = batch.describe_job_queues()["jobQueues"]
        batch.register_job_definition(jobDefinitionName="d", type="container",
                                      containerProperties={"image": "x", "vcpus": 1, "memory": 64})
        job_id = batch.submit_job(jobName="j", jobQueue=made["jobQueueName"], jobDefinition="d")["jobId"]
        lb.run_until_idle()
        assert batch.describe_jobs(jobs=[job_id])["jobs"][0]["status"] == "SUCCEEDED"
    from moto import mock_aws

    with mock_aws():  # and moto's own backends are moto's again afterwards
        assert boto3.client("batch", region_name="eu-central-1").describe_job_queues()["jobQueues"] == []
