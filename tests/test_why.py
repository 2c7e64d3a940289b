"""`Batch.why` on the local backend's manual clock: each situation reproduced for real (blocked
RUNNABLE jobs, waiting and failed dependencies, OOM kills, reclaimed hosts, timeouts), asserted on the
verdicts and on the names and numbers in the details; `%batch why` through a real InteractiveShell."""

import pytest

import batchkit
from batchkit.errors import BatchError
from tests.test_local_scheduling import definition, managed, queue
from tests.shells import batch_shell

SEED = {
    "computeEnvironments": [managed("m5-ce", ["m5.large"], max_vcpus=8), managed("spare-ce", ["c5.large"], max_vcpus=4),
                            managed("tiny-ce", ["m5.large"], max_vcpus=2)],
    "jobQueues": [queue("cpu", "m5-ce"), queue("two", "m5-ce", computeEnvironmentOrder=[
                      {"order": 1, "computeEnvironment": "m5-ce"}, {"order": 2, "computeEnvironment": "spare-ce"}]),
                  queue("limited", "m5-ce", jobStateTimeLimitActions=[
                      {"reason": "MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT", "state": "RUNNABLE",
                       "maxTimeSeconds": 600, "action": "CANCEL"}]),
                  queue("narrow", "tiny-ce"), queue("vip", "tiny-ce", priority=10)],
    "jobDefinitions": [definition("small"), definition("big", vcpus=16), definition("pair", vcpus=2), definition("gpu", vcpus=4, memory=15000, gpus=1),
                       definition("timed", timeout={"attemptDurationSeconds": 60}),
                       definition("spot-safe", retryStrategy={"attempts": 2, "evaluateOnExit": [
                           {"onStatusReason": "Host EC2*", "action": "RETRY"}]})],
}


@pytest.fixture(scope="module")
def local():
    with batchkit.local(seed=SEED, clock="manual") as lb:
        yield lb


@pytest.fixture
def lb(local):
    local.reset()
    return local


def submit(lb, name, definition="small", queue="cpu", **extra):
    return lb.client.submit_job(jobName=name, jobQueue=queue, jobDefinition=definition, **extra)["jobId"]


def finding(df, check):
    rows = df[df["check"] == check]
    assert len(rows) == 1, f"no single {check!r} finding in:\n{df.to_string()}"
    return rows.iloc[0].to_dict()


def test_a_gpu_job_on_a_cpu_queue_is_blocked_by_its_resource_requirement(lb):
    job = submit(lb, "no-gpu-here", "gpu")
    lb.advance(200)
    df = lb.batch.why(job)
    assert list(df.columns) == ["check", "verdict", "detail", "fix"]
    resources = finding(df, "resources")
    assert resources["verdict"] == "blocking"
    assert all(word in resources["detail"] for word in ("4 vCPUs", "15000 MiB", "1 GPUs", "no environment has a GPU",
                                                        "m5-ce", "m5.large", "maxvCpus 8"))
    assert df.iloc[0]["check"] == "resources"  # blocking findings first
    assert finding(df, "queue")["verdict"] == "ok" and finding(df, "environments")["verdict"] == "ok"
    assert "1st of 1" in finding(df, "place in queue")["detail"]
    assert df.attrs["summary"].startswith("RUNNABLE: ") and "GPU" in df.attrs["summary"]


def test_a_job_larger_than_max_vcpus_is_told_the_numbers(lb):
    big, behind = submit(lb, "big", "big"), submit(lb, "behind")
    lb.advance(200)
    resources = finding(lb.batch.why(big), "resources")
    assert resources["verdict"] == "blocking" and "16 vCPUs" in resources["detail"] and "maxvCpus is 8" in resources["detail"]
    assert "16" in resources["fix"]
    assert "at the head" in finding(lb.batch.why(big), "place in queue")["detail"]
    assert "2nd" in finding(lb.batch.why(behind), "place in queue")["detail"]


def test_no_ec2_capacity_names_the_instance_type(lb):
    lb.faults.capacity("*")
    job = submit(lb, "waits")
    lb.advance(60)
    capacity = finding(lb.batch.why(job), "capacity")
    assert capacity["verdict"] == "blocking" and "m5.large" in capacity["detail"] and "instance types" in capacity["fix"]


def test_a_disabled_queue_blocks(lb):
    job = submit(lb, "parked", queue="two")
    lb.client.update_job_queue(jobQueue="two", state="DISABLED")  # after: a DISABLED queue refuses submissions
    lb.advance(300)
    df = lb.batch.why(job)
    assert df.attrs["summary"].startswith("RUNNABLE: ")
    queue = finding(df, "queue")
    assert queue["verdict"] == "blocking" and "two" in queue["detail"] and "DISABLED" in df.attrs["summary"]
    assert "state='ENABLED'" in queue["fix"]


@pytest.mark.parametrize("disabled, verdict", [(("m5-ce", "spare-ce"), "blocking"), (("spare-ce",), "warning")])
def test_disabled_environments_block_when_all_are(lb, disabled, verdict):
    job = submit(lb, "nowhere", "big", queue="two")  # blocked anyway: it stays RUNNABLE while we look
    for env in disabled:
        lb.client.update_compute_environment(computeEnvironment=env, state="DISABLED")
    lb.advance(30)
    envs = finding(lb.batch.why(job), "environments")
    assert envs["verdict"] == verdict and all(env in envs["detail"] for env in disabled)
    assert ("m5-ce" in envs["detail"]) == ("m5-ce" in disabled)


def test_a_time_limit_action_says_it_will_cancel_and_then_that_it_did(lb):
    job = submit(lb, "stuck", "gpu", queue="limited")
    lb.advance(60)
    limit = finding(lb.batch.why(job), "time limit")
    assert limit["verdict"] == "warning" and "CANCEL" in limit["detail"] and "600 s" in limit["detail"]
    lb.advance(600)
    df = lb.batch.why(job)
    assert finding(df, "time limit")["verdict"] == "blocking"
    assert "JOB_RESOURCE_REQUIREMENT" in df.attrs["summary"] and df.attrs["summary"].startswith("FAILED")


def test_a_full_environment_names_the_jobs_holding_it_and_the_queues_ahead(lb):
    lb.set_outcome("hog", duration=3600)
    lb.set_outcome("vip-*", duration=60)
    for i in range(30):  # elsewhere in the account: neither listed nor described
        submit(lb, f"other-{i}")
    hog = submit(lb, "hog", "pair", queue="narrow")
    lb.advance(300)
    waiter = submit(lb, "waiter", "pair", queue="narrow")
    lb.advance(60)
    lb.calls.clear()
    df = lb.batch.why(waiter)
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
    priority = finding(lb.batch.why(waiter), "priority")
    assert priority["verdict"] == "warning" and "vip" in priority["detail"] and "3 RUNNABLE" in priority["detail"]
    assert "narrow" in priority["fix"]
    lb.client.terminate_job(jobId=hog, reason="make room")
    lb.advance(30)
    assert lb.batch.why(vip[0]).attrs["summary"].startswith(("STARTING", "RUNNING"))
    assert finding(lb.batch.why(waiter), "capacity")["detail"].count("vip-") == 1  # now vip-0 holds it


def test_a_long_starting_is_the_image_pull():
    with batchkit.local(seed=SEED, clock="manual", pull_seconds=600, launch_seconds=30) as lb:
        job = submit(lb, "pulls")
        lb.advance(40)
        df = lb.batch.why(job)
        assert df.attrs["summary"].startswith("STARTING") and "image pull" not in set(df["check"])
        lb.advance(200)
        df = lb.batch.why(job)
        pull = finding(df, "image pull")
        assert pull["verdict"] == "warning" and "busybox" in pull["detail"] and "Docker Hub" in pull["detail"]
        assert "CannotPullContainerError" in pull["fix"] and "ecr:GetAuthorizationToken" in pull["fix"]
        assert "image" in df.attrs["summary"]
        lb.advance(600)
        assert "image pull" not in set(lb.batch.why(job)["check"])


def test_a_pending_job_names_the_dependencies_it_waits_for(lb):
    lb.set_outcome("first", duration=300)
    first = submit(lb, "first")
    second = submit(lb, "second", dependsOn=[{"jobId": first}])
    lb.advance(200)
    df = lb.batch.why(second)
    deps = finding(df, "dependencies")
    assert deps["verdict"] == "info" and "first (RUNNING)" in deps["detail"] and "1 of 1" in deps["detail"]
    assert df.attrs["summary"].startswith("PENDING: waits for")


def test_dependent_job_failed_walks_to_the_job_that_failed_first(lb):
    lb.set_outcome("root", exit_code=2, duration=10)
    root = submit(lb, "root")
    middle = submit(lb, "middle", dependsOn=[{"jobId": root}])
    last = submit(lb, "last", dependsOn=[{"jobId": middle}])
    lb.run_until_idle()
    df = lb.batch.why(last)
    deps = finding(df, "dependencies")
    assert deps["verdict"] == "blocking" and f"root ({root})" in deps["detail"] and "exit 2" in deps["detail"]
    assert "middle" not in deps["detail"] and "root" in df.attrs["summary"]


def test_out_of_memory_says_the_memory_it_had_and_to_raise_it(lb):
    lb.set_outcome("hungry", memory=4096)  # the job has 512 MiB
    job = submit(lb, "hungry")
    lb.run_until_idle()
    df = lb.batch.why(job)
    oom = finding(df, "exit code")
    assert oom["verdict"] == "blocking" and "out of memory" in oom["detail"] and "512 MiB" in oom["detail"]
    assert "1024 MiB" in oom["fix"]
    assert df.attrs["summary"].startswith("FAILED: out of memory")


@pytest.mark.parametrize("code, meaning", [(1, "generic error"), (2, "misused"), (139, "segmentation fault")])
def test_exit_codes_are_decoded(lb, code, meaning):
    lb.set_outcome("exits", exit_code=code)
    job = submit(lb, "exits")
    lb.run_until_idle()
    exit_code = finding(lb.batch.why(job), "exit code")
    assert exit_code["verdict"] == "blocking" and f"exit {code}" in exit_code["detail"] and meaning in exit_code["detail"]


def test_a_non_zero_exit_shows_the_last_log_lines(lb):
    lb.set_outcome("broken", exit_code=[3, 2], logs=[f"step {i}" for i in range(6)] + ["KeyError: 'shard missing'"])
    job = submit(lb, "broken", retryStrategy={"attempts": 2})
    lb.run_until_idle()
    df = lb.batch.why(job)
    last = finding(df, "attempt 2")
    assert last["verdict"] == "blocking" and "exit 2" in last["detail"] and "shard missing" in last["detail"]
    assert "step 2" in last["detail"] and "step 1" not in last["detail"]  # the last 5 lines only
    assert "log lines" not in finding(df, "attempt 1")["detail"]
    assert "shard missing" in df.attrs["summary"]


def test_a_reclaimed_host_without_a_retry_strategy_advises_one(lb):
    lb.set_outcome("spot*", duration=600)
    job = submit(lb, "spot")
    lb.advance(200)
    instance = lb.interrupt(job)
    lb.run_until_idle()
    df = lb.batch.why(job)
    assert finding(df, "host")["verdict"] == "blocking" and instance in finding(df, "host")["detail"]
    retry = finding(df, "retry strategy")
    assert retry["verdict"] == "warning" and "Host EC2*" in retry["fix"]
    safe = submit(lb, "spot-safe", "spot-safe")
    lb.advance(200)
    lb.interrupt(safe)
    lb.run_until_idle()
    df = lb.batch.why(safe)
    assert "retry strategy" not in set(df["check"]) and df.attrs["summary"].startswith("SUCCEEDED")


def test_a_timeout_names_the_limit(lb):
    lb.set_outcome("slow", duration=600)
    job = submit(lb, "slow", "timed")
    lb.run_until_idle()
    timeout = finding(lb.batch.why(job), "timeout")
    assert timeout["verdict"] == "blocking" and "60 s" in timeout["detail"]


def test_a_succeeded_job_is_ok_with_its_times(lb):
    lb.set_outcome("fine", duration=90)
    job = submit(lb, "fine")
    lb.run_until_idle()
    df = lb.batch.why(job)
    status = finding(df, "status")
    assert status["verdict"] == "ok" and "queued for" in status["detail"] and "ran for 1m30s" in status["detail"]


def test_why_makes_few_calls_whatever_the_account_holds(lb):
    for i in range(30):
        submit(lb, f"other-{i}")
    blocked = submit(lb, "big", "big")
    lb.advance(200)
    lb.calls.clear()
    lb.batch.why(blocked)
    ops = [call.operation for call in lb.calls]
    assert len(ops) <= 5 and "ListJobs" not in ops, ops
    assert ops.count("DescribeJobs") == 1


def test_the_card_shows_the_summary(lb):
    job = submit(lb, "big", "big")
    lb.advance(200)
    card = lb.batch.job(job)
    assert card.attrs["related"].why == lb.batch.why(job).attrs["summary"]
    assert "maxvCpus" in card.attrs["related"].why


def test_bad_input_is_one_line(lb):
    with pytest.raises(ValueError, match="one job id"):
        lb.batch.why("")
    with pytest.raises(BatchError) as caught:
        lb.batch.why("no-such-job")
    assert "no-such-job" in str(caught.value) and "\n" not in str(caught.value)


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


def test_why_needs_nothing_but_the_api_over_http():
    """The same findings through `batchkit serve`'s kind of endpoint and `batchkit.connect`."""
    with batchkit.local(seed=SEED, clock="manual", server=True, port=18301) as lb:
        job = submit(lb, "no-gpu-here", "gpu")
        lb.advance(200)
        b = batchkit.connect(region="us-east-1", endpoint_url=lb.endpoint_url)
        df = b.why(job)
        assert finding(df, "resources")["verdict"] == "blocking" and "1 GPUs" in df.attrs["summary"]
        assert df.attrs["backend"] == f"endpoint {lb.endpoint_url}"
        lb.set_outcome("broken", exit_code=2, logs=["KeyError: 'shard missing'"])
        broken = submit(lb, "broken", queue="narrow")  # cpu's head is the blocked GPU job
        lb.run_until_idle()
        assert "shard missing" in finding(b.why(broken), "exit code")["detail"]  # GetLogEvents on the endpoint too
