"""batchkit.local schedules as AWS Batch does: instances that take time to launch, packing by vCPU,
memory and GPU, blocked queues and their reasons, time-limit actions, reclaimed hosts, OOM kills.
Each test cites the user guide or API passage it follows; in-process and over HTTP."""

import re

import pytest


NETWORK = {"subnets": ["subnet-1"], "securityGroupIds": ["sg-1"], "instanceRole": "ecsInstanceRole"}


def managed(name, types, max_vcpus=64, min_vcpus=0, kind="EC2"):
    resources = {"type": kind, "minvCpus": min_vcpus, "maxvCpus": max_vcpus, **NETWORK}
    if not kind.startswith("FARGATE"):
        resources["instanceTypes"] = types
    return {"computeEnvironmentName": name, "type": "MANAGED", "computeResources": resources}


def queue(name, env, priority=1, **extra):
    return {"jobQueueName": name, "priority": priority, "computeEnvironmentOrder": [{"order": 1, "computeEnvironment": env}],
            **extra}


def definition(name, vcpus=1, memory=512, gpus=0, **extra):
    needs = [{"type": "VCPU", "value": str(vcpus)}, {"type": "MEMORY", "value": str(memory)}]
    if gpus:
        needs.append({"type": "GPU", "value": str(gpus)})
    return {"jobDefinitionName": name, "type": "container",
            "containerProperties": {"image": "busybox", "command": ["true"], "resourceRequirements": needs}, **extra}


SEED = {
    "computeEnvironments": [managed("m5-ce", ["m5.large"], max_vcpus=8), managed("gpu-ce", ["g4dn"], max_vcpus=16),
                            managed("fargate-ce", None, max_vcpus=4, kind="FARGATE"),
                            managed("spot-ce", ["m5.large"], max_vcpus=8, kind="SPOT"),
                            {"computeEnvironmentName": "onprem", "type": "UNMANAGED", "unmanagedvCpus": 2}],
    "jobQueues": [queue("cpu", "m5-ce"), queue("spot", "spot-ce"), queue("gpu", "gpu-ce"), queue("fargate", "fargate-ce"), queue("onprem", "onprem"),
                  queue("limited", "m5-ce", jobStateTimeLimitActions=[
                      {"reason": "MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT", "state": "RUNNABLE",
                       "maxTimeSeconds": 600, "action": "CANCEL"}])],
    "jobDefinitions": [definition("small"), definition("half", memory=4000), definition("big", vcpus=16),
                       definition("gpu", vcpus=4, memory=15000, gpus=1), definition("fargate", memory=2048),
                       definition("retried", retryStrategy={"attempts": 3, "evaluateOnExit": [
                           {"onStatusReason": "Host EC2*", "action": "RETRY"}, {"onReason": "OutOfMemoryError*",
                                                                              "action": "EXIT"}]})],
}


def submit(c, definition, queue="cpu", name=None):
    return c.submit_job(jobName=name or definition, jobQueue=queue, jobDefinition=definition)["jobId"]


def detail(c, job_id):
    return c.describe_jobs(jobs=[job_id])["jobs"][0]


def desired(c, env):
    return c.describe_compute_environments(computeEnvironments=[env])["computeEnvironments"][0]["computeResources"][
        "desiredvCpus"]


def test_capacity_launches_takes_minutes_pulls_the_image_and_scales_back_down(lb, c):
    """User guide, compute environments: a managed environment launches instances for RUNNABLE jobs,
    up to maxvCpus, and terminates them when idle, down to minvCpus; desiredvCpus follows."""
    job = submit(c, "small")
    lb.advance(2)
    assert (detail(c, job)["status"], desired(c, "m5-ce")) == ("RUNNABLE", 2)  # an m5.large launches
    lb.advance(119)
    assert detail(c, job)["status"] == "RUNNABLE"
    lb.advance(2)
    assert detail(c, job)["status"] == "STARTING"  # pulling busybox on the new instance
    lb.advance(21)
    running = detail(c, job)
    assert running["status"] == "RUNNING" and running["container"]["instanceType"] == "m5.large"
    lb.advance(10)
    assert detail(c, job)["status"] == "SUCCEEDED" and desired(c, "m5-ce") == 2
    lb.advance(301)
    assert desired(c, "m5-ce") == 0


def test_jobs_are_packed_by_memory_as_well_as_vcpus(lb, c):
    """User guide, "Compute resource memory management": an m5.large (8 GiB) offers jobs less than
    8,192 MiB, so two 4,000 MiB jobs need two instances though their vCPUs fit on one."""
    first, second = submit(c, "half", name="a"), submit(c, "half", name="b")
    lb.advance(2)
    assert desired(c, "m5-ce") == 4
    lb.run_until_idle()
    assert {detail(c, j)["status"] for j in (first, second)} == {"SUCCEEDED"}


def test_a_gpu_job_gets_a_gpu_instance_and_a_cpu_environment_blocks_it(lb, c):
    """User guide, "Jobs stuck in RUNNABLE": MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT when no
    instance type of the queue's environments meets the job's vCPU/memory/GPU requirement."""
    on_gpu = submit(c, "gpu", queue="gpu")
    nowhere = submit(c, "gpu", queue="cpu", name="no-gpu-here")
    lb.advance(200)
    assert detail(c, on_gpu)["container"]["instanceType"].startswith("g4dn.")
    blocked = detail(c, nowhere)
    assert blocked["status"] == "RUNNABLE"
    assert blocked["statusReason"].startswith("MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT - ")


def test_p3_instances_which_moto_lacks_are_known(lb, c):
    """Amazon EC2 accelerated computing: a p3.8xlarge has 32 vCPUs, 244 GiB and 4 V100 GPUs."""
    c.create_compute_environment(**managed("p3-ce", ["p3"], max_vcpus=64))
    c.create_job_queue(**queue("p3", "p3-ce"))
    c.register_job_definition(**definition("four-gpus", vcpus=16, memory=100_000, gpus=4))
    job = submit(c, "four-gpus", queue="p3")
    lb.advance(200)
    assert detail(c, job)["container"]["instanceType"] == "p3.8xlarge"


def test_a_job_larger_than_max_vcpus_blocks_the_head_of_its_queue(lb, c):
    """User guide: MISCONFIGURATION:COMPUTE_ENVIRONMENT_MAX_RESOURCE; a blocked job at the head of a
    first-in-first-out queue holds up the jobs behind it until it is cancelled."""
    big, small = submit(c, "big"), submit(c, "small")
    lb.advance(600)
    assert detail(c, big)["statusReason"] == (
        "MISCONFIGURATION:COMPUTE_ENVIRONMENT_MAX_RESOURCE - CE(s) associated with the job queue cannot meet the "
        "CPU requirement of the job.")
    assert detail(c, small)["status"] == "RUNNABLE"
    c.cancel_job(jobId=big, reason="too big")
    lb.run_until_idle()
    assert detail(c, small)["status"] == "SUCCEEDED"


def test_a_time_limit_action_cancels_the_blocked_head_and_the_next_job_runs(lb, c):
    """CreateJobQueue jobStateTimeLimitActions: after maxTimeSeconds RUNNABLE with the reason, the
    action runs; statusReason "Canceled by JobStateTimeLimit action due to reason: <reason>"."""
    described = c.describe_job_queues(jobQueues=["limited"])["jobQueues"][0]
    assert described["jobStateTimeLimitActions"][0]["maxTimeSeconds"] == 600
    stuck, behind = submit(c, "gpu", queue="limited"), submit(c, "small", queue="limited")
    lb.advance(300)
    assert detail(c, stuck)["status"] == "RUNNABLE"
    lb.advance(310)
    cancelled = detail(c, stuck)
    assert (cancelled["status"], cancelled["statusReason"]) == (
        "FAILED", "Canceled by JobStateTimeLimit action due to reason: MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT")
    lb.run_until_idle()
    assert detail(c, behind)["status"] == "SUCCEEDED"


def test_no_ec2_capacity_says_so_until_it_returns(lb, c):
    """User guide, "Jobs stuck in RUNNABLE due to capacity": CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY -
    Service cannot fulfill the capacity requested for instance type [instanceTypeName]."""
    lb.faults.capacity("m5.*")
    job = submit(c, "small")
    lb.advance(60)
    assert detail(c, job)["statusReason"] == (
        "CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY - Service cannot fulfill the capacity requested for instance type "
        "m5.large")
    lb.faults.clear()  # capacity is back: the head is placed again
    lb.run_until_idle()
    assert detail(c, job)["status"] == "SUCCEEDED"


def test_fargate_takes_its_valid_sizes_and_unmanaged_its_vcpus(lb, c):
    """User guide, Fargate: valid vCPU/memory combinations (1 vCPU: 2-8 GiB); an UNMANAGED
    environment runs what its unmanagedvCpus allow."""
    fits, wrong = submit(c, "fargate", queue="fargate"), submit(c, "small", queue="fargate", name="512-mib")
    lb.advance(60)
    assert detail(c, fits)["status"] == "SUCCEEDED"
    assert detail(c, wrong)["statusReason"].startswith("MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT")
    onprem = [submit(c, "small", queue="onprem", name=f"o{i}") for i in range(3)]
    lb.set_outcome("o*", duration=100)
    lb.advance(10)
    assert sorted(detail(c, j)["status"] for j in onprem) == ["RUNNABLE", "RUNNING", "RUNNING"]


def test_a_reclaimed_host_stops_its_attempts_and_the_retry_strategy_decides(lb, c):
    """API reference, EvaluateOnExit onStatusReason; on AWS a reclaimed Spot host ends the attempt
    with statusReason "Host EC2 (instance i-...) terminated."."""
    lb.set_outcome("retried", duration=600)
    job = submit(c, "retried")
    lb.advance(200)
    assert detail(c, job)["status"] == "RUNNING"
    instance = lb.interrupt(job)
    back = detail(c, job)
    assert back["status"] == "RUNNABLE" and back["attempts"][0]["statusReason"] == f"Host EC2 (instance {instance}) terminated."
    with pytest.raises(ValueError, match="not STARTING or RUNNING"):
        lb.interrupt(job)
    lb.run_until_idle()
    assert detail(c, job)["status"] == "SUCCEEDED" and len(detail(c, job)["attempts"]) == 2


def test_spot_instances_are_reclaimed_at_the_rate_asked_the_same_way_every_run(lb, c):
    """User guide, "Automated job retries": "retry if the host (a Spot Instance) is reclaimed"
    with evaluateOnExit onStatusReason "Host EC2*"; `lb.faults.spot(per_hour)` reclaims each Spot
    instance after an exponential time with that rate, from the faults' seed."""
    def run() -> list[list[str]]:
        lb.reset()
        lb.faults.spot(per_hour=2)  # a reclaim every half hour per instance, on average
        lb.set_outcome("retried", duration=1800)
        jobs = [submit(c, "retried", queue="spot") for _ in range(8)]
        lb.run_until_idle()
        return [[re.sub(r"i-[0-9a-f]+", "i-*", a["statusReason"]) for a in detail(c, job)["attempts"]] for job in jobs]

    first = run()
    reclaimed = [reason for attempts in first for reason in attempts if reason.startswith("Host EC2")]
    assert reclaimed and set(reclaimed) == {"Host EC2 (instance i-*) terminated."}
    assert any(len(attempts) == 3 and attempts[-1].startswith("Host EC2") for attempts in first)  # out of retries
    assert run() == first  # the same seed reclaims the same way
    lb.reset()
    lb.faults.spot(per_hour=0)
    job = submit(c, "retried", queue="spot")
    lb.run_until_idle()
    assert len(detail(c, job)["attempts"]) == 1
    with pytest.raises(ValueError, match="per_hour"):
        lb.faults.spot(per_hour=-1)


def test_a_container_over_its_memory_is_killed_with_137(lb, c):
    """On AWS an out-of-memory container ends with exit code 137 and reason "OutOfMemoryError:
    Container killed due to memory usage"; evaluateOnExit onReason can refuse to retry it."""
    lb.set_outcome("retried", memory=2048)  # the job has 512 MiB
    job = submit(c, "retried")
    lb.run_until_idle()
    failed = detail(c, job)
    assert failed["status"] == "FAILED" and len(failed["attempts"]) == 1
    assert failed["attempts"][0]["container"]["exitCode"] == 137
    assert failed["attempts"][0]["container"]["reason"] == "OutOfMemoryError: Container killed due to memory usage"


def test_desired_vcpus_can_be_raised_and_falls_back_to_min_vcpus(lb, c):
    """UpdateComputeEnvironment desiredvCpus: instances launch for it, and idle ones go again."""
    c.update_compute_environment(computeEnvironment="m5-ce", computeResources={"desiredvCpus": 6})
    assert desired(c, "m5-ce") == 6
    lb.advance(500)
    assert desired(c, "m5-ce") == 0


