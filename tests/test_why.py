"""`Batch.why` and `Batch.why_queue` on the local backend's manual clock: each situation reproduced for
real (blocked RUNNABLE jobs and the jobs behind them, INVALID environments, waiting and failed
dependencies, OOM kills, reclaimed hosts, timeouts, failed array children), asserted on the verdicts
and on the names and numbers in the details; every case in-process and through the LocalBatch's served
endpoint with `batchkit.connect(endpoint_url=...)` (it needs nothing but the API); `%batch why`
through a real InteractiveShell."""

import contextlib

from IPython.core.error import UsageError
import pytest

import batchkit
from batchkit.errors import BatchError
from tests.test_local_scheduling import definition, managed, queue
from tests.shells import batch_shell

TEAMS = {"name": "teams", "fairsharePolicy": {"shareDecaySeconds": 3600, "shareDistribution": [
    {"shareIdentifier": "ml*", "weightFactor": 0.5}, {"shareIdentifier": "research", "weightFactor": 1},
    {"shareIdentifier": "analytics", "weightFactor": 2}]}}
SEED = {
    "computeEnvironments": [managed("m5-ce", ["m5.large"], max_vcpus=8), managed("spare-ce", ["c5.large"], max_vcpus=4),
                            managed("tiny-ce", ["m5.large"], max_vcpus=2), managed("gpu-ce", ["g4dn", "g5"], max_vcpus=16),
                            managed("share-ce", ["m5.large"], max_vcpus=4),
                            managed("spot-ce", ["m5.large"], max_vcpus=64, kind="SPOT")],
    "schedulingPolicies": [TEAMS],
    "jobQueues": [queue("cpu", "m5-ce"), queue("two", "m5-ce", computeEnvironmentOrder=[
                      {"order": 1, "computeEnvironment": "m5-ce"}, {"order": 2, "computeEnvironment": "spare-ce"}]),
                  queue("limited", "m5-ce", jobStateTimeLimitActions=[
                      {"reason": "MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT", "state": "RUNNABLE",
                       "maxTimeSeconds": 600, "action": "CANCEL"}]),
                  queue("narrow", "tiny-ce"), queue("vip", "tiny-ce", priority=10), queue("gpu", "gpu-ce"),
                  queue("shared", "share-ce", schedulingPolicyArn="teams"), queue("spot", "spot-ce")],
    "jobDefinitions": [definition("small"), definition("big", vcpus=16), definition("pair", vcpus=2), definition("gpu", vcpus=4, memory=15000, gpus=1),
                       definition("timed", timeout={"attemptDurationSeconds": 60}),
                       {"jobDefinitionName": "mpi", "type": "multinode", "nodeProperties": {
                           "numNodes": 4, "mainNode": 0, "nodeRangeProperties": [{"targetNodes": "0:", "container": {
                               "image": "mpi", "resourceRequirements": [{"type": "VCPU", "value": "2"},
                                                                        {"type": "MEMORY", "value": "4000"}]}}]}},
                       definition("spot-safe", retryStrategy={"attempts": 2, "evaluateOnExit": [
                           {"onStatusReason": "Host EC2*", "action": "RETRY"}]})],
}
WAYS = ["in-process", "served"]
LOCAL_OPTIONS = {"clock": "manual"}  # conftest's `local`, in process and served


@pytest.fixture
def b(lb, local_batch):
    return local_batch


def submit(lb, name, definition="small", queue="cpu", **extra):
    return lb.client.submit_job(jobName=name, jobQueue=queue, jobDefinition=definition, **extra)["jobId"]


def finding(df, check):
    rows = df[df["check"] == check]
    assert len(rows) == 1, f"no single {check!r} finding in:\n{df.to_string()}"
    return rows.iloc[0].to_dict()


def test_a_gpu_job_on_a_cpu_queue_is_blocked_by_its_resource_requirement(lb, b):
    job = submit(lb, "no-gpu-here", "gpu")
    lb.advance(200)
    df = b.why(job)
    assert list(df.columns) == ["check", "verdict", "detail", "fix"]
    resources = finding(df, "resources")
    assert resources["verdict"] == "blocking"
    assert all(word in resources["detail"] for word in ("4 vCPUs", "15000 MiB", "1 GPU,", "no environment has a GPU",
                                                        "m5-ce", "m5.large", "maxvCpus 8"))
    assert df.iloc[0]["check"] == "resources"  # blocking findings first
    assert finding(df, "queue")["verdict"] == "ok" and finding(df, "environments")["verdict"] == "ok"
    assert "1st of 1" in finding(df, "place in queue")["detail"]
    assert df.attrs["summary"].startswith("RUNNABLE: ") and "GPU" in df.attrs["summary"]


def test_a_job_larger_than_max_vcpus_is_told_the_numbers(lb, b):
    big, behind = submit(lb, "big", "big"), submit(lb, "behind")
    lb.advance(200)
    resources = finding(b.why(big), "resources")
    assert resources["verdict"] == "blocking" and "16 vCPUs" in resources["detail"] and "maxvCpus is 8" in resources["detail"]
    assert "16" in resources["fix"]
    assert "at the head" in finding(b.why(big), "place in queue")["detail"]
    assert "2nd" in finding(b.why(behind), "place in queue")["detail"]


def test_no_ec2_capacity_names_the_instance_type(lb, b):
    lb.faults.capacity("*")
    job = submit(lb, "waits")
    lb.advance(60)
    capacity = finding(b.why(job), "capacity")
    assert capacity["verdict"] == "blocking" and "m5.large" in capacity["detail"] and "instance types" in capacity["fix"]


def test_a_disabled_queue_blocks(lb, b):
    job = submit(lb, "parked", queue="two")
    lb.client.update_job_queue(jobQueue="two", state="DISABLED")  # after: a DISABLED queue refuses submissions
    lb.advance(300)
    df = b.why(job)
    assert df.attrs["summary"].startswith("RUNNABLE: ")
    queue = finding(df, "queue")
    assert queue["verdict"] == "blocking" and "two" in queue["detail"] and "DISABLED" in df.attrs["summary"]
    assert "state='ENABLED'" in queue["fix"]


@pytest.mark.parametrize("disabled, verdict", [(("m5-ce", "spare-ce"), "blocking"), (("spare-ce",), "warning")])
def test_disabled_environments_block_when_all_are(lb, b, disabled, verdict):
    job = submit(lb, "nowhere", "big", queue="two")  # blocked anyway: it stays RUNNABLE while we look
    for env in disabled:
        lb.client.update_compute_environment(computeEnvironment=env, state="DISABLED")
    lb.advance(30)
    envs = finding(b.why(job), "environments")
    assert envs["verdict"] == verdict and all(env in envs["detail"] for env in disabled)
    assert ("m5-ce" in envs["detail"]) == ("m5-ce" in disabled)


@pytest.mark.parametrize("queue_name, nodes, words", [
    ("spot", 4, ("4 nodes", "4 whole instances", "spot-ce is SPOT", "2 vCPUs, 4000 MiB")),
    ("cpu", 8, ("8 nodes", "maxvCpus 8", "m5-ce"))])
def test_a_multi_node_job_is_told_where_multi_node_jobs_run(lb, b, queue_name, nodes, words):
    """User guide, multi-node parallel jobs: not on Spot; each node a whole instance, all in one environment."""
    job = submit(lb, "mpi-run", "mpi", queue=queue_name, nodeOverrides={"numNodes": nodes})
    lb.advance(60)
    found = finding(b.why(job), "multi-node")
    assert found["verdict"] == "blocking" and all(word in found["detail"] for word in words), found
    assert ("MANAGED EC2" if queue_name == "spot" else "maxvCpus") in found["fix"]


def test_a_time_limit_action_says_it_will_cancel_and_then_that_it_did(lb, b):
    job = submit(lb, "stuck", "gpu", queue="limited")
    lb.advance(60)
    limit = finding(b.why(job), "time limit")
    assert limit["verdict"] == "warning" and "CANCEL" in limit["detail"] and "600 s" in limit["detail"]
    lb.advance(600)
    df = b.why(job)
    assert finding(df, "time limit")["verdict"] == "blocking"
    assert "JOB_RESOURCE_REQUIREMENT" in df.attrs["summary"] and df.attrs["summary"].startswith("FAILED")


def test_a_full_environment_names_the_jobs_holding_it_and_the_queues_ahead(lb, b):
    lb.set_outcome("hog", duration=3600)
    lb.set_outcome("vip-*", duration=60)
    for i in range(30):  # elsewhere in the account: neither listed nor described
        submit(lb, f"other-{i}")
    hog = submit(lb, "hog", "pair", queue="narrow")
    lb.advance(300)
    waiter = submit(lb, "waiter", "pair", queue="narrow")
    lb.advance(60)
    lb.calls.clear()
    df = b.why(waiter)
    capacity = finding(df, "capacity")
    assert capacity["verdict"] == "blocking" and f"hog ({hog}" in capacity["detail"]
    assert all(word in capacity["detail"] for word in ("2 of 2 vCPUs", "tiny-ce", "asks 2", "narrow"))
    assert "tiny-ce" in capacity["fix"] and "priority" not in set(df["check"])
    assert df.attrs["summary"].startswith("RUNNABLE: environments full")
    ops = [call.operation for call in lb.calls]
    listed = {call.params.get("jobQueue", "").rsplit("/", 1)[-1] for call in lb.calls if call.operation == "ListJobs"}
    # the job, its queue, environments and snapshot, all queues, RUNNING and STARTING of the 2 sharing queues,
    # the holders, the snapshot of the higher-priority one: independent of the 30 other jobs
    assert listed == {"narrow", "vip"} and len(ops) <= 11, ops
    assert sum(len(c.params.get("jobs", ())) for c in lb.calls if c.operation == "DescribeJobs") == 2  # waiter, hog
    vip = [submit(lb, f"vip-{i}", "pair", queue="vip") for i in range(3)]
    lb.advance(30)
    priority = finding(b.why(waiter), "priority")
    assert priority["verdict"] == "warning" and "vip" in priority["detail"] and "3 RUNNABLE" in priority["detail"]
    assert "narrow" in priority["fix"]
    lb.client.terminate_job(jobId=hog, reason="make room")
    lb.advance(30)
    assert b.why(vip[0]).attrs["summary"].startswith(("STARTING", "RUNNING"))
    assert finding(b.why(waiter), "capacity")["detail"].count("vip-") == 1  # now vip-0 holds it


@pytest.mark.parametrize("way", WAYS)
def test_a_long_starting_is_the_image_pull(way):
    with batchkit.local(seed=SEED, clock="manual", pull_seconds=600, launch_seconds=30, server=way == "served") as lb:
        b = batchkit.connect(region="us-east-1", endpoint_url=lb.endpoint_url) if lb.endpoint_url else lb.batch
        job = submit(lb, "pulls")
        lb.advance(40)
        df = b.why(job)
        assert df.attrs["summary"].startswith("STARTING") and "image pull" not in set(df["check"])
        lb.advance(200)
        df = b.why(job)
        pull = finding(df, "image pull")
        assert pull["verdict"] == "warning" and "busybox" in pull["detail"] and "Docker Hub" in pull["detail"]
        assert "CannotPullContainerError" in pull["fix"] and "ecr:GetAuthorizationToken" in pull["fix"]
        assert "image" in df.attrs["summary"]
        lb.advance(600)
        assert "image pull" not in set(b.why(job)["check"])


def test_a_pending_job_names_the_dependencies_it_waits_for(lb, b):
    lb.set_outcome("first", duration=300)
    first = submit(lb, "first")
    second = submit(lb, "second", dependsOn=[{"jobId": first}])
    lb.advance(200)
    df = b.why(second)
    deps = finding(df, "dependencies")
    assert deps["verdict"] == "info" and "first (RUNNING)" in deps["detail"] and "1 of 1" in deps["detail"]
    assert df.attrs["summary"].startswith("PENDING: waits for")


def test_dependent_job_failed_walks_to_the_job_that_failed_first(lb, b):
    lb.set_outcome("root", exit_code=2, duration=10)
    root = submit(lb, "root")
    middle = submit(lb, "middle", dependsOn=[{"jobId": root}])
    last = submit(lb, "last", dependsOn=[{"jobId": middle}])
    lb.run_until_idle()
    df = b.why(last)
    deps = finding(df, "dependencies")
    assert deps["verdict"] == "blocking" and f"root ({root})" in deps["detail"] and "exit 2" in deps["detail"]
    assert "middle" not in deps["detail"] and "root" in df.attrs["summary"]


def test_out_of_memory_says_the_memory_it_had_and_to_raise_it(lb, b):
    lb.set_outcome("hungry", memory=4096)  # the job has 512 MiB
    job = submit(lb, "hungry")
    lb.run_until_idle()
    df = b.why(job)
    oom = finding(df, "exit code")
    assert oom["verdict"] == "blocking" and "out of memory" in oom["detail"] and "512 MiB" in oom["detail"]
    assert "1024 MiB" in oom["fix"]
    assert df.attrs["summary"].startswith("FAILED: out of memory")


@pytest.mark.parametrize("code, meaning", [(1, "generic error"), (2, "misused"), (139, "segmentation fault")])
def test_exit_codes_are_decoded(lb, b, code, meaning):
    lb.set_outcome("exits", exit_code=code)
    job = submit(lb, "exits")
    lb.run_until_idle()
    exit_code = finding(b.why(job), "exit code")
    assert exit_code["verdict"] == "blocking" and f"exit {code}" in exit_code["detail"] and meaning in exit_code["detail"]


def test_a_non_zero_exit_shows_the_last_log_lines(lb, b):
    lb.set_outcome("broken", exit_code=[3, 2], logs=[f"step {i}" for i in range(6)] + ["KeyError: 'shard missing'"])
    job = submit(lb, "broken", retryStrategy={"attempts": 2})
    lb.run_until_idle()
    df = b.why(job)
    last = finding(df, "attempt 2")
    assert last["verdict"] == "blocking" and "exit 2" in last["detail"] and "shard missing" in last["detail"]
    assert "step 2" in last["detail"] and "step 1" not in last["detail"]  # the last 5 lines only
    assert "log lines" not in finding(df, "attempt 1")["detail"]
    assert "shard missing" in df.attrs["summary"]


def test_a_reclaimed_host_without_a_retry_strategy_advises_one(lb, b):
    lb.set_outcome("spot*", duration=600)
    job = submit(lb, "spot")
    lb.advance(200)
    instance = lb.interrupt(job)
    lb.run_until_idle()
    df = b.why(job)
    assert finding(df, "host")["verdict"] == "blocking" and instance in finding(df, "host")["detail"]
    retry = finding(df, "retry strategy")
    assert retry["verdict"] == "warning" and "Host EC2*" in retry["fix"]
    safe = submit(lb, "spot-safe", "spot-safe")
    lb.advance(200)
    lb.interrupt(safe)
    lb.run_until_idle()
    df = b.why(safe)
    assert "retry strategy" not in set(df["check"]) and df.attrs["summary"].startswith("SUCCEEDED")


def test_a_timeout_names_the_limit(lb, b):
    lb.set_outcome("slow", duration=600)
    job = submit(lb, "slow", "timed")
    lb.run_until_idle()
    timeout = finding(b.why(job), "timeout")
    assert timeout["verdict"] == "blocking" and "60 s" in timeout["detail"]


def test_a_succeeded_job_is_ok_with_its_times(lb, b):
    lb.set_outcome("fine", duration=90)
    job = submit(lb, "fine")
    lb.run_until_idle()
    df = b.why(job)
    status = finding(df, "status")
    assert status["verdict"] == "ok" and "queued for" in status["detail"] and "ran for 1m30s" in status["detail"]


def test_why_makes_few_calls_whatever_the_account_holds(lb, b):
    for i in range(30):
        submit(lb, f"other-{i}")
    blocked = submit(lb, "big", "big")
    lb.advance(200)
    lb.calls.clear()
    b.why(blocked)
    ops = [call.operation for call in lb.calls]
    assert len(ops) <= 5 and "ListJobs" not in ops, ops
    assert ops.count("DescribeJobs") == 1


def test_the_card_shows_the_summary(lb, b):
    job = submit(lb, "big", "big")
    lb.advance(200)
    card = b.job(job)
    assert card.attrs["related"].why == b.why(job).attrs["summary"]
    assert "maxvCpus" in card.attrs["related"].why


@pytest.mark.parametrize("method, blank, words, unknown", [("why", "", "one job id", "no-such-job"),
                                                         ("why_queue", " ", "one job queue", "no-such-queue")])
def test_bad_input_is_one_line(lb, b, method, blank, words, unknown):
    with pytest.raises(ValueError, match=words):
        getattr(b, method)(blank)
    with pytest.raises(BatchError) as caught:
        getattr(b, method)(unknown)
    assert unknown in str(caught.value) and "\n" not in str(caught.value)


@pytest.mark.parametrize("fault", [None, "capacity"])
def test_a_job_behind_a_blocked_head_is_told_the_head_not_that_there_is_room(lb, b, fault):
    """The head of a first-in-first-out queue that cannot run holds up the jobs behind it, whatever room
    there is: a job behind it names the head and its reason, and no 'room for' is said."""
    if fault:
        lb.faults.capacity("m5.*")
    head = submit(lb, "head", "small" if fault else "big")
    behind = submit(lb, "behind")
    lb.advance(200)
    code = "CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY" if fault else "MISCONFIGURATION:COMPUTE_ENVIRONMENT_MAX_RESOURCE"
    assert lb.client.describe_jobs(jobs=[head])["jobs"][0]["statusReason"].startswith(code)
    df = b.why(behind)
    blocked = finding(df, "queue head")
    assert blocked["verdict"] == "blocking" and all(word in blocked["detail"] for word in (f"head ({head})", code, "cpu"))
    assert "2nd" in blocked["detail"] and head in blocked["fix"] and "b.cancel" in blocked["fix"]
    assert "capacity" not in set(df["check"]) and "room" not in " ".join(df["detail"])
    assert df.attrs["summary"].startswith("RUNNABLE: the head of queue cpu") and head in df.attrs["summary"]
    lb.client.cancel_job(jobId=head, reason="blocks the queue")
    lb.advance(200 if fault else 20)
    df = b.why(behind)
    assert "queue head" not in set(df["check"])  # the head gone: it runs, or says what else holds it


def test_invalid_environments_block_with_their_status_reason(lb, b):
    """An environment AWS cannot use (its service role is wrong) is INVALID with a statusReason; a queue whose
    environments are all INVALID holds its jobs with ACTION_REQUIRED; a new service role fixes it."""
    reason = "CLIENT_ERROR - Not authorized to perform sts:AssumeRole on role/gone"
    lb.faults.invalid("m5-ce", reason)
    env = lb.client.describe_compute_environments(computeEnvironments=["m5-ce"])["computeEnvironments"][0]
    assert (env["status"], env["statusReason"]) == ("INVALID", reason)
    job, elsewhere = submit(lb, "stuck"), submit(lb, "elsewhere", queue="two")  # two also has spare-ce
    too_big = submit(lb, "too-big", "big", queue="two")  # RUNNABLE there for its own reason
    lb.advance(200)
    assert lb.client.describe_jobs(jobs=[job])["jobs"][0]["statusReason"].startswith("ACTION_REQUIRED")
    df = b.why(job)
    envs = finding(df, "environments")
    assert envs["verdict"] == "blocking" and "m5-ce" in envs["detail"] and reason in envs["detail"]
    assert "m5-ce" in envs["fix"] and "serviceRole" in envs["fix"]
    assert reason in df.attrs["summary"]
    assert lb.client.describe_jobs(jobs=[elsewhere])["jobs"][0]["container"]["instanceType"] == "c5.large"
    other = finding(b.why(too_big), "environments")
    assert other["verdict"] == "warning" and reason in other["detail"] and "spare-ce" not in other["detail"]
    queue_df = b.why_queue("cpu")
    assert finding(queue_df, "environments")["verdict"] == "blocking" and reason in queue_df.attrs["summary"]
    assert job in finding(queue_df, "head")["detail"]
    lb.client.update_compute_environment(computeEnvironment="m5-ce", serviceRole="AWSBatchServiceRole")
    lb.run_until_idle()
    assert lb.client.describe_jobs(jobs=[job])["jobs"][0]["status"] == "SUCCEEDED"
    assert b.why(job).attrs["summary"].startswith("SUCCEEDED")


def test_the_invalid_fault_says_what_is_wrong_with_its_arguments(lb):
    with pytest.raises(ValueError, match="no compute environment named 'nope'"):
        lb.faults.invalid("nope")
    with pytest.raises(ValueError, match="reason"):
        lb.faults.invalid("m5-ce", "")
    assert lb.faults.invalid_environments == {}
    lb.faults.invalid("arn:aws:batch:us-east-1:123456789012:compute-environment/m5-ce")  # an ARN names it too
    lb.faults.clear()
    env = lb.client.describe_compute_environments(computeEnvironments=["m5-ce"])["computeEnvironments"][0]
    assert env["status"] == "VALID"


def test_an_array_groups_its_failed_children_by_exit_code_and_reason(lb, b):
    lb.set_outcome("shards", exit_code=2, reason="shard missing", index=[1, 3, 5],
                   logs=["loading shard", "KeyError: 'shard missing'"])
    lb.set_outcome("shards", memory=4096, index=7)
    parent = submit(lb, "shards", arrayProperties={"size": 10})
    lb.run_until_idle()
    lb.calls.clear()
    df = b.why(parent)
    failures = finding(df, "array failures")
    assert failures["verdict"] == "blocking" and df.iloc[0]["check"] == "array failures"
    detail = failures["detail"]
    assert "4 of 10 children failed" in detail
    assert 'exit 2 "shard missing" (3: indexes 1, 3, 5)' in detail and "exit 137" in detail and "(1: index 7)" in detail
    assert detail.index("exit 2") < detail.index("exit 137")  # the most common first
    assert f"{parent}:1" in detail and "KeyError" in detail  # a child of the largest kind, its last log lines
    assert "parameters" in failures["fix"] and f"{parent}:1" in failures["fix"]
    assert df.attrs["summary"].startswith("FAILED: 4 of 10 children failed")
    assert "6 SUCCEEDED, 4 FAILED" in finding(df, "array")["detail"]
    assert [c.operation for c in lb.calls] == ["DescribeJobs", "ListJobs", "DescribeJobs"]
    child = b.why(f"{parent}:7")  # a child explains itself
    assert "out of memory" in finding(child, "exit code")["detail"]


def test_a_partly_failed_array_warns_while_the_others_run(lb, b):
    lb.set_outcome("shards", duration=3600)
    lb.set_outcome("shards", exit_code=1, duration=5, index=[0, 2])
    parent = submit(lb, "shards", arrayProperties={"size": 6})
    lb.advance(400)
    df = b.why(parent)
    failures = finding(df, "array failures")
    assert failures["verdict"] == "warning" and "2 of 6 children failed" in failures["detail"]
    assert "exit 1" in failures["detail"] and "indexes 0, 2" in failures["detail"]
    assert "2 of 6" in df.attrs["summary"]


def test_a_large_array_is_sampled_in_a_bounded_number_of_calls(lb, b):
    lb.set_outcome("many", exit_code=3, reason="bad input", index=range(0, 250, 2))  # 125 fail
    for i in range(20):  # elsewhere in the account
        submit(lb, f"other-{i}")
    parent = submit(lb, "many", arrayProperties={"size": 250})
    lb.run_until_idle()
    lb.calls.clear()
    df = b.why(parent)
    detail = finding(df, "array failures")["detail"]
    assert "125 of 250 children failed" in detail and "first 100" in detail and '(100: indexes 0, 2, 4' in detail
    ops = [c.operation for c in lb.calls]
    assert ops == ["DescribeJobs", "ListJobs", "DescribeJobs"], ops  # the parent; a page of 100; those 100
    assert sum(len(c.params.get("jobs", ())) for c in lb.calls if c.operation == "DescribeJobs") == 101


def test_outcomes_by_array_index_are_checked(lb):
    for bad in (-1, "3", [], [1, "a"], True):
        with pytest.raises(ValueError, match="index"):
            lb.set_outcome("x", index=bad)


# --- capacity still launching, fair share ----------------------------------------------------------


def test_a_job_waiting_for_its_instance_to_launch_is_told_so(lb, b):
    """gpu-ce runs no instance (minvCpus 0): Batch raises desiredvCpus for the RUNNABLE job and launches a
    g4dn.xlarge, which takes minutes (the local backend's default launch_seconds, 120); `why` tells that from
    DescribeComputeEnvironments' desiredvCpus against what runs there, with no blocking verdict."""
    for i in range(30):  # elsewhere in the account
        submit(lb, f"other-{i}")
    job = submit(lb, "train", "gpu", queue="gpu")
    lb.advance(1.5)  # RUNNABLE, not placed yet: nothing launches so far
    scaling = finding(b.why(job), "scaling")
    assert scaling["verdict"] == "info" and "gpu-ce" in scaling["detail"] and "desiredvCpus 0" in scaling["detail"]
    lb.advance(29.5)
    assert lb.client.describe_jobs(jobs=[job])["jobs"][0]["status"] == "RUNNABLE"
    lb.calls.clear()
    df = b.why(job)
    scaling = finding(df, "scaling")
    assert scaling["verdict"] == "info" and "blocking" not in set(df["verdict"])
    assert all(word in scaling["detail"] for word in ("gpu-ce", "desiredvCpus 4", "above the 0 vCPUs", "4 vCPUs",
                                                      "15000 MiB", "1 GPU;", "31s"))
    assert "10 minutes" in scaling["fix"] and "subnets" in scaling["fix"] and "quotas" in scaling["fix"]
    assert "gpu-ce" in df.attrs["summary"] and "desiredvCpus 4" in df.attrs["summary"]
    assert df.iloc[0]["check"] == "scaling"  # the answer first, above the ok and info findings
    assert "0 of 16 vCPUs" in finding(df, "capacity")["detail"]
    ops = [c.operation for c in lb.calls]  # the job, its queue, environments and snapshot, every queue, 2 listings
    assert len(ops) <= 7 and ops.count("DescribeJobs") == 1, ops
    lb.advance(100)  # launched: it starts
    df = b.why(job)
    assert df.attrs["summary"].startswith(("STARTING", "RUNNING")) and "scaling" not in set(df["check"])


def test_capacity_launching_long_after_the_job_was_submitted_is_a_warning(lb, b):
    job = submit(lb, "late", "gpu", queue="gpu")
    lb.client.update_job_queue(jobQueue="gpu", state="DISABLED")
    lb.advance(700)  # nothing placed while the queue is disabled
    lb.client.update_job_queue(jobQueue="gpu", state="ENABLED")
    lb.advance(30)
    scaling = finding(b.why(job), "scaling")
    assert scaling["verdict"] == "warning" and "desiredvCpus 4" in scaling["detail"] and "12m" in scaling["detail"]
    assert "10m" in scaling["detail"]


def shared_queue_full(lb):
    """Share analytics fills share-ce (4 vCPUs); then research, mlvision (ml*), ops (no entry) and analytics wait."""
    lb.set_outcome("a-*", duration=3600)
    for i in range(4):
        submit(lb, f"a-{i}", queue="shared", shareIdentifier="analytics")
    lb.advance(200)
    jobs = {name: submit(lb, name, queue="shared", shareIdentifier=share, **extra) for name, share, extra in (
        ("r-0", "research", {}), ("r-1", "research", {"schedulingPriorityOverride": 7}), ("m-0", "mlvision", {}),
        ("o-0", "ops", {}), ("a-4", "analytics", {}))}
    lb.advance(10)
    front = [j["jobArn"].rsplit("/", 1)[1] for j in
             lb.client.get_job_queue_snapshot(jobQueue="shared")["frontOfQueue"]["jobs"]]
    return jobs, front


def test_a_fair_share_job_is_told_its_share_weight_and_who_holds_the_capacity(lb, b):
    """User guide, "Share identifiers" and "Fair-share scheduling": a share's weightFactor is its own entry's,
    else a wildcard entry's (`ml*`), else 1; the share with the lowest (usage x weightFactor) goes next;
    schedulingPriority orders jobs within a share; GetJobQueueSnapshot's fairshareUtilization says which
    shares use the capacity now."""
    for i in range(30):  # elsewhere in the account
        submit(lb, f"other-{i}")
    jobs, front = shared_queue_full(lb)
    names = {v: k for k, v in jobs.items()}
    lb.calls.clear()
    df = b.why(jobs["r-0"])
    capacity = finding(df, "capacity")
    assert capacity["verdict"] == "blocking" and "4 of 4 vCPUs" in capacity["detail"]
    assert "share analytics (4 jobs, 4 vCPUs, on shared)" in capacity["detail"]
    fair = finding(df, "fair share")
    assert fair["verdict"] == "info"
    assert all(word in fair["detail"] for word in ("share research", "weightFactor 1;", "schedulingPriority 0",
                                                   "uses 0 vCPUs", "analytics 4 vCPUs (weightFactor 2)",
                                                   "1 active share"))
    place = front.index(jobs["r-0"])
    assert f"{place + 1}{['st', 'nd', 'rd', 'th', 'th'][place]} of {len(front)} at the front of shared" in fair["detail"]
    ahead = [names[j].split("-")[0] for j in front[:place]]
    shares = {"r": "research", "m": "mlvision", "o": "ops", "a": "analytics"}
    for letter in set(ahead):
        assert f"{ahead.count(letter)} of {shares[letter]}" in fair["detail"]
    assert "weightFactor" in fair["fix"] and "schedulingPriorityOverride" in fair["fix"]
    assert "place in queue" not in set(df["check"])
    assert list(df["check"][:2]) == ["capacity", "fair share"]  # what holds it, then the order it waits in
    ops = [c.operation for c in lb.calls]
    # the job, its queue, environments, snapshot and policy, the queue's head (is it blocked?), every queue,
    # RUNNING/STARTING of shared, the holders, the jobs ahead of it: independent of the 30 other jobs
    assert ops.count("DescribeSchedulingPolicies") == 1 and ops.count("ListJobs") == 2 and len(ops) <= 11, " ".join(ops)
    wildcard = finding(b.why(jobs["m-0"]), "fair share")["detail"]
    assert "share mlvision" in wildcard and "weightFactor 0.5 from ml*" in wildcard
    default = finding(b.why(jobs["o-0"]), "fair share")["detail"]
    assert "share ops" in default and "weightFactor 1, the default" in default
    assert "schedulingPriority 7" in finding(b.why(jobs["r-1"]), "fair share")["detail"]
    for i in range(4):
        lb.client.terminate_job(jobId=lb.client.list_jobs(jobQueue="shared", jobStatus="RUNNING")["jobSummaryList"][0][
            "jobId"], reason="make room")
    lb.advance(30)
    assert b.why(jobs["r-0"]).attrs["summary"].startswith(("STARTING", "RUNNING", "SUCCEEDED"))


def test_why_queue_of_a_fair_share_queue_shows_the_shares(lb, b):
    jobs, front = shared_queue_full(lb)
    df = b.why_queue("shared")
    fair = finding(df, "fair share")
    assert fair["verdict"] == "info"
    assert all(word in fair["detail"] for word in ("teams", "ml* 0.5", "research 1", "analytics 2",
                                                   "shareDecaySeconds 3600", "analytics 4 vCPUs", "1 active share"))
    head = finding(df, "head")
    assert head["verdict"] == "blocking" and front[0] in head["detail"] and "share analytics" in head["detail"]
    assert "5 RUNNABLE, 0 STARTING, 4 RUNNING" in finding(df, "jobs")["detail"]


def test_a_blocked_job_of_another_share_does_not_hold_up_a_fair_share_job(lb, b):
    """User guide, fair-share scheduling: a job that cannot run holds up its own share; other shares go on."""
    big = submit(lb, "big", "big", queue="shared", shareIdentifier="analytics")
    lb.advance(5)
    job = submit(lb, "small-one", queue="shared", shareIdentifier="research")
    lb.advance(1.5)
    df = b.why(job)
    assert "queue head" not in set(df["check"]) and "fair share" in set(df["check"])
    assert lb.client.describe_jobs(jobs=[big])["jobs"][0]["statusReason"].startswith("MISCONFIGURATION")


# --- why_queue ---------------------------------------------------------------------------------


def test_why_queue_names_the_blocked_head_and_counts_the_jobs(lb, b):
    big = submit(lb, "big", "big")
    for i in range(3):
        submit(lb, f"behind-{i}")
    lb.advance(200)
    df = b.why_queue("cpu")
    assert list(df.columns) == ["check", "verdict", "detail", "fix"] and df.attrs["queue"] == "cpu"
    head = finding(df, "head")
    assert head["verdict"] == "blocking" and all(word in head["detail"] for word in (f"big ({big})", "16 vCPUs",
                                                                                       "maxvCpus is 8", "3 RUNNABLE"))
    assert "16" in head["fix"]
    assert "4 RUNNABLE, 0 STARTING, 0 RUNNING" in finding(df, "jobs")["detail"]
    assert df.attrs["summary"].startswith("cpu held up: the head job big")
    assert df.iloc[0]["check"] == "head"


def test_why_queue_says_a_queue_flows_or_is_idle(lb, b):
    assert b.why_queue("cpu").attrs["summary"] == "cpu idle: no job RUNNABLE, STARTING or RUNNING"
    lb.set_outcome("work-*", duration=600)
    for i in range(3):
        submit(lb, f"work-{i}")
    lb.advance(200)
    df = b.why_queue("cpu")
    assert df.attrs["summary"].startswith("cpu flowing: 0 RUNNABLE, 0 STARTING, 3 RUNNING")
    assert set(df["verdict"]) <= {"ok", "info"}


def test_why_queue_of_a_disabled_queue(lb, b):
    submit(lb, "parked", queue="two")
    lb.client.update_job_queue(jobQueue="two", state="DISABLED")
    lb.advance(60)
    df = b.why_queue("two")
    assert finding(df, "queue")["verdict"] == "blocking" and "DISABLED" in df.attrs["summary"]
    assert "1 RUNNABLE" in finding(df, "jobs")["detail"]


def test_why_queue_names_higher_priority_queues_with_a_backlog_in_bounded_calls(lb, b):
    lb.set_outcome("hog", duration=3600)
    for i in range(30):  # elsewhere in the account: neither listed nor described
        submit(lb, f"other-{i}")
    hog = submit(lb, "hog", "pair", queue="vip")
    lb.advance(300)
    for i in range(120):  # more than a page of RUNNABLE jobs in the queue itself
        submit(lb, f"waiter-{i}", "pair", queue="narrow")
    for i in range(2):
        submit(lb, f"vip-{i}", "pair", queue="vip")
    lb.advance(60)
    lb.calls.clear()
    df = b.why_queue("narrow")
    assert "120+" not in finding(df, "jobs")["detail"] and "100+ RUNNABLE" in finding(df, "jobs")["detail"]
    head = finding(df, "head")
    assert head["verdict"] == "blocking" and "waiter-0" in head["detail"] and "environments full" in head["detail"]
    assert f"hog ({hog}" in head["detail"] and "99+ RUNNABLE jobs behind it" in head["detail"]
    priority = finding(df, "priority")
    assert priority["verdict"] == "warning" and "vip" in priority["detail"] and "2 RUNNABLE" in priority["detail"]
    ops = [c.operation for c in lb.calls]
    listed = [(c.params.get("jobQueue", "").rsplit("/", 1)[-1], c.params.get("jobStatus")) for c in lb.calls
              if c.operation == "ListJobs"]
    # a page of RUNNABLE/STARTING/RUNNING of narrow, RUNNING/STARTING of vip (sharing tiny-ce): 5 listings;
    # the queue, its environments, its snapshot and vip's, every queue (which share), the head and the holders
    assert sorted(listed) == sorted([("narrow", s) for s in ("RUNNABLE", "STARTING", "RUNNING")]
                                    + [("vip", s) for s in ("RUNNING", "STARTING")]), listed
    assert len(ops) <= 12 and ops.count("DescribeJobs") <= 2, ops
    assert all(c.params.get("maxResults", 0) <= 100 for c in lb.calls if c.operation == "ListJobs")




def test_the_card_expands_to_every_finding(lb, b):
    lb.set_outcome("broken", exit_code=2, logs=["KeyError: 'shard missing'"])
    job = submit(lb, "broken")
    lb.run_until_idle()
    card = b.job(job)
    findings = card.attrs["related"].findings
    assert finding(findings, "exit code")["verdict"] == "blocking"
    markup = card.batch.card().html()
    assert "<details class='batchkit-why'>" in markup and "<summary" in markup
    start = markup.index("batchkit-findings")
    assert markup[start:markup.index("</table>", start)].count("<tr>") == len(findings) + 1  # a row each, a header
    assert "shard missing" in markup and "blocking" in markup
    assert card.attrs["related"].why in card.batch.text()  # a terminal shows the line


@pytest.fixture(scope="module")
def ip():
    with batch_shell("local --clock manual") as shell:
        yield shell


def test_percent_batch_why_shows_the_findings(ip):
    magics = ip.magics_manager.registry["BatchMagics"]
    b, local = magics.b, magics._local
    local.set_outcome("broken", exit_code=2)
    job = b.submit_job(jobName="broken", jobQueue="HighPriority", jobDefinition="sleep").loc[0, "jobId"]
    local.run_until_idle()
    ip.user_ns["failed_job"] = job
    for line in (f"why {job}", "why failed_job"):
        df = ip.run_line_magic("batch", line)
        assert finding(df, "exit code")["verdict"] == "blocking" and df.attrs["summary"].startswith("FAILED: exit 2")


def test_the_findings_name_the_backend_they_came_from(lb, b):
    job = submit(lb, "fine")
    lb.run_until_idle()
    df = b.why(job)
    assert df.attrs["job"] == job
    assert df.attrs["backend"] == (f"endpoint {lb.endpoint_url}" if lb.endpoint_url else lb.batch.label)


def test_percent_batch_why_queue(ip):
    df = ip.run_line_magic("batch", "why --queue HighPriority")
    assert df.attrs["queue"] == "HighPriority" and finding(df, "queue")["verdict"] == "ok"
    for line, said in (("why", "a job id, or --queue NAME"), ("why some-id --queue HighPriority", "not both"),
                       ("why --queue nope", "nope")):
        with pytest.raises(UsageError, match=said) as caught:
            ip.run_line_magic("batch", line)
        assert "\n" not in str(caught.value)


@contextlib.contextmanager
def stuck_behind_a_disabled_environment(ip):
    """(the Batch of the shell, a job stuck RUNNABLE on Backfill: spot-ce is DISABLED meanwhile)."""
    magics = ip.magics_manager.registry["BatchMagics"]
    b = magics.b
    job = b.submit_job(jobName="stuck", jobQueue="Backfill", jobDefinition="sleep").loc[0, "jobId"]
    b.update_compute_environment(computeEnvironment="spot-ce", state="DISABLED")
    magics._local.advance(60)
    try:
        yield b, job
    finally:
        b.update_compute_environment(computeEnvironment="spot-ce", state="ENABLED")


def test_percent_batch_why_gives_its_fixes_as_batch_lines(ip):
    with stuck_behind_a_disabled_environment(ip) as (b, job):
        python_fix = finding(b.why(job), "environments")["fix"]
        magic_fix = finding(ip.run_line_magic("batch", f"why {job}"), "environments")["fix"]
    assert "b.update_compute_environment(computeEnvironment='spot-ce', state='ENABLED')" in python_fix
    assert "%batch update-compute-environment --compute-environment spot-ce --state ENABLED" in magic_fix


def test_a_fix_wraps_between_words_only(ip):
    from batchkit import views

    with stuck_behind_a_disabled_environment(ip) as (b, job):
        text = views.Findings(ip.run_line_magic("batch", f"why {job}")).text()
    assert "%batch update-compute-environment" in text  # a command line is never cut inside a word
    assert not any(line.rstrip().endswith("-") for line in text.splitlines())
