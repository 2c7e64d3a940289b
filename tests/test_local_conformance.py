"""batchkit.local against the service's rules: one test per rule, in-process and over HTTP.

Each test starts from `lb.reset()` (the demo seed, manual clock) and talks to
the backend through a real boto3 client: answered in-process, or over HTTP by
the loopback server.
"""

import base64
import json
import threading
import time

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

import batchkit
from tests.conftest import rejected

# the demo seed, in-process and over HTTP (conftest's `local`); instant capacity: these tests are about
# the service's rules, scheduling (launch and image pull times) has its own tests
LOCAL_OPTIONS = {"launch_seconds": 0, "pull_seconds": 0}


def submit(c, name="job", queue="HighPriority", definition="sleep", **kwargs):
    return c.submit_job(jobName=name, jobQueue=queue, jobDefinition=definition, **kwargs)["jobId"]


def needs(operation):
    """Skip where botocore's Batch model lacks an operation (newer than the declared botocore floor)."""
    if operation not in batchkit.catalog.operations():
        pytest.skip(f"this botocore's Batch model has no {operation}")


def detail(c, job_id):
    return c.describe_jobs(jobs=[job_id])["jobs"][0]


def status(c, job_id):
    return detail(c, job_id)["status"]


def no_retry_client(lb):
    return lb.boto3_client("batch", config=Config(retries={"total_max_attempts": 1}))


# -- start and seed ----------------------------------------------------------------


def test_local_backend_exposes_batch_client_and_endpoint_url(lb):
    assert lb.batch.label == batchkit.local.LABEL
    assert lb.batch.client is lb.client
    if lb.endpoint_url:
        assert lb.endpoint_url.startswith("http://127.0.0.1:")
        assert lb.client.meta.endpoint_url == lb.endpoint_url
    assert "not AWS" in lb.batch.queues().attrs["backend"]


def test_other_boto3_clients_reach_it_inside_intercept_or_through_its_endpoint(lb):
    with lb.intercept():
        client = boto3.client("batch", region_name="us-east-1", endpoint_url=lb.endpoint_url)
        names = {q["jobQueueName"] for q in client.describe_job_queues()["jobQueues"]}
    assert names == {"HighPriority", "LowPriority", "Backfill", "GPU", "FairShare"}


def test_demo_seed_has_managed_environments_queues_definitions_and_finished_jobs(c):
    envs = c.describe_compute_environments()["computeEnvironments"]
    assert {(e["computeEnvironmentName"], e["type"]) for e in envs} == {
        ("ondemand-ce", "MANAGED"), ("spot-ce", "MANAGED"), ("gpu-ce", "MANAGED")}
    gpu = next(e["computeResources"] for e in envs if e["computeEnvironmentName"] == "gpu-ce")
    assert (gpu["instanceTypes"], gpu["minvCpus"]) == (["g4dn", "g5"], 0)
    names = {d["jobDefinitionName"] for d in c.describe_job_definitions()["jobDefinitions"]}
    assert names == {"sleep", "etl", "train", "train-gpu"}
    queues = {q["jobQueueName"]: q for q in c.describe_job_queues()["jobQueues"]}
    (policy,) = c.list_scheduling_policies()["schedulingPolicies"]
    assert queues["FairShare"]["schedulingPolicyArn"] == policy["arn"] and "schedulingPolicyArn" not in queues["GPU"]
    (described,) = c.describe_scheduling_policies(arns=[policy["arn"]])["schedulingPolicies"]
    assert {s["shareIdentifier"]: s["weightFactor"] for s in described["fairsharePolicy"]["shareDistribution"]} == {
        "ml*": 0.5, "research": 1, "analytics": 2}
    finished = [j for q in ("HighPriority", "LowPriority")
                for j in c.list_jobs(jobQueue=q, jobStatus="SUCCEEDED")["jobSummaryList"]]
    assert {j["jobName"] for j in finished} == {"nightly-etl", "warmup", "train-baseline"}
    assert all(j["stoppedAt"] <= time.time() * 1000 for j in finished)


def test_missing_iam_roles_and_instance_profiles_are_created_leniently(lb, c):
    c.create_compute_environment(
        computeEnvironmentName="docs-example", type="MANAGED", state="ENABLED",
        serviceRole="arn:aws:iam::123456789012:role/NotThereYet",
        computeResources={"type": "EC2", "minvCpus": 0, "maxvCpus": 4, "instanceTypes": ["optimal"],
                          "subnets": ["subnet-123"], "securityGroupIds": ["sg-123"],
                          "instanceRole": "arn:aws:iam::123456789012:instance-profile/AlsoMissing"})
    iam = lb.boto3_client("iam")
    assert iam.get_role(RoleName="NotThereYet")["Role"]["RoleName"] == "NotThereYet"
    assert iam.get_instance_profile(InstanceProfileName="AlsoMissing")["InstanceProfile"]


def test_reset_returns_to_the_seeded_state_and_clears_outcomes_and_faults(lb, c):
    seeded = c.describe_job_queues()["jobQueues"]
    job_id = submit(c)
    c.update_job_queue(jobQueue="Backfill", state="DISABLED")
    lb.set_outcome("*", exit_code=3)
    lb.faults.error("ListJobs", status=400)
    lb.reset()
    assert c.describe_job_queues()["jobQueues"] == seeded
    assert c.describe_jobs(jobs=[job_id])["jobs"] == []
    assert c.list_jobs(jobQueue="HighPriority")["jobSummaryList"] == []
    fresh = submit(c)
    lb.run_until_idle()
    assert status(c, fresh) == "SUCCEEDED"


# -- job lifecycle ---------------------------------------------------------------------


def test_job_moves_submitted_runnable_starting_running_succeeded_with_times(lb, c):
    job_id = submit(c)
    seen = [status(c, job_id)]
    for _ in range(12):
        lb.advance(1)
        if seen[-1] != (now := status(c, job_id)):
            seen.append(now)
    assert seen == ["SUBMITTED", "RUNNABLE", "STARTING", "RUNNING", "SUCCEEDED"]
    job = detail(c, job_id)
    assert job["createdAt"] < job["startedAt"] < job["stoppedAt"]
    assert len(job["attempts"]) == 1 and job["attempts"][0]["container"]["exitCode"] == 0
    assert job["statusReason"] == "Essential container in task exited"


def test_job_is_pending_while_its_dependencies_are_unfinished(lb, c):
    first = submit(c, "first")
    second = submit(c, "second", dependsOn=[{"jobId": first}])
    lb.advance(3)
    assert status(c, second) == "PENDING"
    lb.run_until_idle()
    assert status(c, second) == "SUCCEEDED"
    assert detail(c, second)["startedAt"] >= detail(c, first)["stoppedAt"]


def test_runnable_jobs_start_only_on_enabled_queues_and_environments(lb, c):
    c.update_compute_environment(computeEnvironment="ondemand-ce", state="DISABLED")
    job_id = submit(c)
    lb.advance(30)
    assert status(c, job_id) == "RUNNABLE"
    c.update_compute_environment(computeEnvironment="ondemand-ce", state="ENABLED")
    c.update_job_queue(jobQueue="HighPriority", state="DISABLED")
    lb.advance(30)
    assert status(c, job_id) == "RUNNABLE"
    c.update_job_queue(jobQueue="HighPriority", state="ENABLED")
    lb.run_until_idle()
    assert status(c, job_id) == "SUCCEEDED"


def test_max_vcpus_is_honoured(lb, c):
    c.update_compute_environment(computeEnvironment="ondemand-ce", computeResources={"maxvCpus": 2})
    ids = [submit(c, f"j{i}") for i in range(3)]  # 1 vCPU each
    lb.advance(5)
    assert sorted(status(c, i) for i in ids) == ["RUNNABLE", "RUNNING", "RUNNING"]
    lb.run_until_idle()
    assert {status(c, i) for i in ids} == {"SUCCEEDED"}


def test_higher_priority_queue_starts_first(lb, c):
    c.update_compute_environment(computeEnvironment="ondemand-ce", computeResources={"maxvCpus": 1})
    c.update_compute_environment(computeEnvironment="spot-ce", state="DISABLED")
    low = submit(c, "low", queue="LowPriority")  # spot is off: runs on ondemand
    high = submit(c, "high", queue="HighPriority")
    lb.advance(4)
    assert (status(c, high), status(c, low)) == ("RUNNING", "RUNNABLE")


def test_vcpus_and_memory_come_from_the_definition_and_its_overrides(lb, c):
    plain = detail(c, submit(c))["container"]
    assert {r["type"]: r["value"] for r in plain["resourceRequirements"]} == {"VCPU": "1", "MEMORY": "512"}
    c.update_compute_environment(computeEnvironment="ondemand-ce", computeResources={"maxvCpus": 4})
    big = submit(c, "big", containerOverrides={"resourceRequirements": [{"type": "VCPU", "value": "8"}],
                                               "environment": [{"name": "MODE", "value": "fast"}]})
    container = detail(c, big)["container"]
    assert {r["type"]: r["value"] for r in container["resourceRequirements"]} == {"VCPU": "8", "MEMORY": "512"}
    assert {"name": "MODE", "value": "fast"} in container["environment"]
    lb.advance(60)
    assert status(c, big) == "RUNNABLE"  # 8 vCPUs never fit in 4


def test_a_failed_dependency_fails_its_dependents(lb, c):
    lb.set_outcome("upstream", exit_code=1)
    upstream = submit(c, "upstream")
    downstream = submit(c, "downstream", dependsOn=[{"jobId": upstream}])
    lb.run_until_idle()
    assert status(c, upstream) == "FAILED"
    job = detail(c, downstream)
    assert (job["status"], job["statusReason"]) == ("FAILED", "Dependent Job failed")
    assert job["attempts"] == []


def test_array_children_are_listed_with_index_and_the_parent_summarises_them(lb, c):
    parent = submit(c, "shards", arrayProperties={"size": 3})
    lb.advance(1)
    children = c.list_jobs(arrayJobId=parent, jobStatus="RUNNABLE")["jobSummaryList"]
    assert [j["jobId"] for j in children] == [f"{parent}:{i}" for i in range(3)]
    assert [j["arrayProperties"]["index"] for j in children] == [0, 1, 2]
    job = detail(c, parent)
    assert job["status"] == "PENDING"
    assert job["arrayProperties"]["size"] == 3 and job["arrayProperties"]["statusSummary"]["RUNNABLE"] == 3
    assert detail(c, f"{parent}:1")["arrayProperties"] == {"index": 1}
    queue_listing = c.list_jobs(jobQueue="HighPriority", filters=[{"name": "JOB_NAME", "values": ["shards"]}])
    assert [j["jobId"] for j in queue_listing["jobSummaryList"]] == [parent]  # children only via arrayJobId
    lb.run_until_idle()
    job = detail(c, parent)
    assert job["status"] == "SUCCEEDED" and job["arrayProperties"]["statusSummary"]["SUCCEEDED"] == 3


def test_array_parent_fails_when_a_child_fails(lb, c):
    parent = submit(c, "shards", arrayProperties={"size": 2})
    lb.advance(1)
    c.terminate_job(jobId=f"{parent}:0", reason="bad shard")
    lb.run_until_idle()
    assert status(c, f"{parent}:1") == "SUCCEEDED"
    assert status(c, parent) == "FAILED"


def test_sequential_array_children_run_one_after_another(lb, c):
    parent = submit(c, "steps", arrayProperties={"size": 3}, dependsOn=[{"type": "SEQUENTIAL"}])
    lb.run_until_idle()
    children = c.describe_jobs(jobs=[f"{parent}:{i}" for i in range(3)])["jobs"]
    assert [j["status"] for j in children] == ["SUCCEEDED"] * 3
    assert children[0]["stoppedAt"] <= children[1]["startedAt"] and children[1]["stoppedAt"] <= children[2]["startedAt"]


def test_n_to_n_children_wait_for_the_child_with_the_same_index(lb, c):
    lb.set_outcome("first", duration=100)
    first = submit(c, "first", arrayProperties={"size": 2})
    second = submit(c, "second", arrayProperties={"size": 2}, dependsOn=[{"jobId": first, "type": "N_TO_N"}])
    lb.advance(20)
    assert status(c, f"{first}:0") == "RUNNING" and status(c, f"{second}:0") == "PENDING"
    lb.run_until_idle()
    a, b = c.describe_jobs(jobs=[f"{first}:1", f"{second}:1"])["jobs"]
    assert b["startedAt"] >= a["stoppedAt"]


def test_retry_strategy_attempts_produce_attempts(lb, c):
    lb.set_outcome("flaky", exit_code=[1, 2, 0])
    job_id = submit(c, "flaky", retryStrategy={"attempts": 3})
    lb.run_until_idle()
    job = detail(c, job_id)
    assert job["status"] == "SUCCEEDED"
    assert [a["container"]["exitCode"] for a in job["attempts"]] == [1, 2, 0]
    assert job["startedAt"] == job["attempts"][-1]["startedAt"]


def test_retries_stop_at_the_attempt_limit_and_on_evaluate_on_exit_exit(lb, c):
    lb.set_outcome("broken", exit_code=1)
    limited = submit(c, "broken", retryStrategy={"attempts": 2})
    exits = submit(c, "broken", retryStrategy={"attempts": 5, "evaluateOnExit": [{"onExitCode": "1", "action": "EXIT"}]})
    lb.run_until_idle()
    assert (status(c, limited), len(detail(c, limited)["attempts"])) == ("FAILED", 2)
    assert (status(c, exits), len(detail(c, exits)["attempts"])) == ("FAILED", 1)


def test_evaluate_on_exit_actions_are_not_case_sensitive(lb, c):
    """EvaluateOnExit.action: "The values aren't case sensitive"."""
    c.register_job_definition(jobDefinitionName="careless", type="container",
                              containerProperties={"image": "busybox", "vcpus": 1, "memory": 512},
                              retryStrategy={"attempts": 4, "evaluateOnExit": [{"onExitCode": "2", "action": "Exit"},
                                                                               {"onExitCode": "*", "action": "retry"}]})
    lb.set_outcome("careless-*", exit_code=[1, 2])
    job = submit(c, "careless-1", definition="careless")
    lb.run_until_idle()
    assert [a["container"]["exitCode"] for a in detail(c, job)["attempts"]] == [1, 2]  # retried on 1, not on 2
    rejected(lambda: submit(c, "bad", retryStrategy={"attempts": 2, "evaluateOnExit": [{"action": "again"}]}),
             "action", "RETRY | EXIT")


def test_attempt_duration_timeout_fails_the_attempt_without_retry(lb, c):
    lb.set_outcome("slow", duration=600)
    job_id = submit(c, "slow", timeout={"attemptDurationSeconds": 60}, retryStrategy={"attempts": 3})
    lb.run_until_idle()
    job = detail(c, job_id)
    assert (job["status"], job["statusReason"]) == ("FAILED", "Job attempt duration exceeded timeout")
    assert len(job["attempts"]) == 1
    assert job["attempts"][0]["stoppedAt"] - job["attempts"][0]["startedAt"] == 60_000


def test_cancel_fails_queued_jobs_and_is_a_no_op_once_started(lb, c):
    queued = submit(c, "queued")
    started = submit(c, "started")
    lb.advance(3)
    c.cancel_job(jobId=started, reason="too late")
    lb.advance(0)
    assert status(c, started) in ("STARTING", "RUNNING")
    c.update_job_queue(jobQueue="HighPriority", state="DISABLED")
    waiting = submit(c, "waiting", queue="LowPriority")
    c.cancel_job(jobId=waiting, reason="Cancelling job.")
    job = detail(c, waiting)
    assert (job["status"], job["statusReason"]) == ("FAILED", "Cancelling job.")
    lb.run_until_idle()
    assert status(c, started) == "SUCCEEDED" and status(c, queued) == "SUCCEEDED"


def test_terminate_stops_any_unfinished_job(lb, c):
    running = submit(c, "running")
    lb.advance(5)
    assert status(c, running) == "RUNNING"
    c.terminate_job(jobId=running, reason="Terminating job.")
    job = detail(c, running)
    assert (job["status"], job["statusReason"]) == ("FAILED", "Terminating job.")
    assert job["attempts"][0]["statusReason"] == "Terminating job."
    fresh = submit(c, "fresh")
    c.terminate_job(jobId=fresh, reason="never mind")
    assert status(c, fresh) == "FAILED"


def test_every_attempt_gets_a_log_stream_with_its_events(lb, c):
    lb.set_outcome("talky", exit_code=[1, 0], logs=["loading", "done"])
    job_id = submit(c, "talky", retryStrategy={"attempts": 2})
    lb.run_until_idle()
    attempts = detail(c, job_id)["attempts"]
    streams = [a["container"]["logStreamName"] for a in attempts]
    assert len(set(streams)) == 2 and all(s.startswith("sleep/default/") for s in streams)
    logs = lb.boto3_client("logs")
    for stream in streams:
        events = logs.get_log_events(logGroupName="/aws/batch/job", logStreamName=stream)["events"]
        assert [e["message"] for e in events] == ["loading", "done"]
    assert list(lb.batch.logs(job_id)["message"]) == ["loading", "done"]


def test_set_outcome_matches_name_glob_definition_and_queue(lb, c):
    lb.set_outcome("train-*", exit_code=1)
    lb.set_outcome("*", exit_code=7, queue="LowPriority", definition="etl")
    a, b, d = submit(c, "train-a"), submit(c, "other"), submit(c, "other", queue="LowPriority", definition="etl")
    lb.run_until_idle()
    codes = [detail(c, j)["attempts"][-1]["container"]["exitCode"] for j in (a, b, d)]
    assert codes == [1, 0, 7]


def test_wait_passes_simulated_time_on_the_manual_clock(lb):
    b = lb.batch
    job_id = b.submit_job(jobName="waited", jobQueue="HighPriority", jobDefinition="sleep").loc[0, "jobId"]
    done = b.wait([job_id], progress=False)
    assert list(done["status"]) == ["SUCCEEDED"]


# -- fidelity: listing and paging -----------------------------------------------------


def test_list_jobs_without_status_or_filters_returns_only_running_jobs(lb, c):
    submit(c, "a")
    lb.advance(5)
    submit(c, "b")
    listed = c.list_jobs(jobQueue="HighPriority")["jobSummaryList"]
    assert [(j["jobName"], j["status"]) for j in listed] == [("a", "RUNNING")]


def test_list_jobs_filters_return_every_status(lb, c):
    old = submit(c, "report-old")
    lb.run_until_idle()
    cut = lb.now
    lb.advance(1)
    submit(c, "report-new")
    submit(c, "other", definition="etl")

    def names(filters):
        listed = c.list_jobs(jobQueue="HighPriority", jobStatus="RUNNING", filters=filters)["jobSummaryList"]
        return sorted(j["jobName"] for j in listed)

    assert names([{"name": "JOB_NAME", "values": ["report*"]}]) == ["report-new", "report-old"]
    assert names([{"name": "JOB_NAME", "values": ["REPORT-OLD"]}]) == ["report-old"]
    assert names([{"name": "JOB_DEFINITION", "values": ["etl"]}]) == ["nightly-etl", "other"]
    assert names([{"name": "BEFORE_CREATED_AT", "values": [str(cut)]}]) == ["nightly-etl", "report-old"]
    assert names([{"name": "AFTER_CREATED_AT", "values": [str(cut)]}]) == ["other", "report-new"]
    assert status(c, old) == "SUCCEEDED"


def test_list_jobs_pages_with_max_results_and_opaque_tokens(lb, c):
    ids = [submit(c, f"p{i}") for i in range(7)]
    seen, token, pages = [], None, 0
    while True:
        kwargs = {"nextToken": token} if token else {}
        page = c.list_jobs(jobQueue="HighPriority", jobStatus="SUBMITTED", maxResults=3, **kwargs)
        seen += [j["jobId"] for j in page["jobSummaryList"]]
        pages += 1
        token = page.get("nextToken")
        if not token:
            break
        assert not any(i in token for i in ids)
    assert (seen, pages) == (ids, 3)
    rejected(lambda: c.list_jobs(jobQueue="HighPriority", nextToken="garbage"), "nextToken")
    first = c.list_jobs(jobQueue="HighPriority", jobStatus="SUBMITTED", maxResults=3)
    for other in ({"jobQueue": "LowPriority", "jobStatus": "SUBMITTED"}, {"jobQueue": "HighPriority"},
                  {"jobQueue": "HighPriority", "jobStatus": "RUNNING"}):  # another listing's token
        rejected(lambda: c.list_jobs(nextToken=first["nextToken"], **other), "nextToken")
    scope = json.loads(base64.urlsafe_b64decode(first["nextToken"]))["for"]
    for position in (-1, "3", 2.5):  # an altered token
        altered = base64.urlsafe_b64encode(json.dumps({"position": position, "for": scope}).encode()).decode()
        rejected(lambda: c.list_jobs(jobQueue="HighPriority", jobStatus="SUBMITTED", nextToken=altered), "nextToken")
    rejected(lambda: c.list_jobs(jobQueue="HighPriority", maxResults=101), "maxResults")


def test_describe_definitions_queues_and_environments_page(lb, c):
    for operation, key in (("describe_job_definitions", "jobDefinitions"), ("describe_job_queues", "jobQueues"),
                           ("describe_compute_environments", "computeEnvironments")):
        call = getattr(c, operation)
        everything = call()[key]
        first = call(maxResults=1)
        assert len(first[key]) == 1 and first["nextToken"]
        rest = call(maxResults=100, nextToken=first["nextToken"])
        assert first[key] + rest[key] == everything and "nextToken" not in rest


def test_describe_job_definitions_by_name_and_revision(c):
    c.register_job_definition(jobDefinitionName="sleep", type="container",
                              containerProperties={"image": "busybox", "vcpus": 1, "memory": 128})
    revisions = c.describe_job_definitions(jobDefinitions=["sleep:2"])["jobDefinitions"]
    assert [(d["jobDefinitionName"], d["revision"]) for d in revisions] == [("sleep", 2)]
    assert len(c.describe_job_definitions(jobDefinitionName="sleep")["jobDefinitions"]) == 2


# -- fidelity: validation ----------------------------------------------------------------


@pytest.mark.parametrize("name", ["-leading-hyphen", "has space", "x" * 129, "dots.not.allowed"])
def test_names_follow_the_service_pattern(c, name):
    rejected(lambda: submit(c, name), "first character must be alphanumeric")
    rejected(lambda: c.create_job_queue(jobQueueName=name, priority=1,
                                        computeEnvironmentOrder=[{"order": 1, "computeEnvironment": "spot-ce"}]), "128")
    rejected(lambda: c.create_compute_environment(computeEnvironmentName=name, type="UNMANAGED"), "128")
    rejected(lambda: c.register_job_definition(jobDefinitionName=name, type="container",
                                               containerProperties={"image": "x", "vcpus": 1, "memory": 128}), "128")


def test_a_128_character_name_is_accepted(c):
    assert status(c, submit(c, "a" * 128)) == "SUBMITTED"


@pytest.mark.parametrize("size", [1, 10_001])
def test_array_size_is_between_2_and_10000(c, size):
    rejected(lambda: submit(c, arrayProperties={"size": size}), "between 2 and 10,000")


def test_a_job_depends_on_at_most_20_jobs(c):
    ids = [submit(c, f"d{i}") for i in range(21)]
    rejected(lambda: submit(c, dependsOn=[{"jobId": i} for i in ids]), "maximum of 20")
    assert status(c, submit(c, dependsOn=[{"jobId": i} for i in ids[:20]])) == "SUBMITTED"


@pytest.mark.parametrize("attempts", [0, 11])
def test_retry_attempts_are_between_1_and_10(c, attempts):
    rejected(lambda: submit(c, retryStrategy={"attempts": attempts}), "between 1 and 10")
    rejected(lambda: c.register_job_definition(jobDefinitionName="r", type="container", retryStrategy={"attempts": attempts},
                                               containerProperties={"image": "x", "vcpus": 1, "memory": 128}), "between 1 and 10")


def test_a_timeout_is_at_least_60_seconds(c):
    rejected(lambda: submit(c, timeout={"attemptDurationSeconds": 59}), "60 seconds")


def test_describe_jobs_takes_at_most_100_ids(c):
    rejected(lambda: c.describe_jobs(jobs=[f"id-{i}" for i in range(101)]), "100")
    assert c.describe_jobs(jobs=[f"id-{i}" for i in range(100)])["jobs"] == []


def test_unknown_queues_and_definitions_are_rejected(c):
    rejected(lambda: submit(c, queue="NoSuchQueue"), "NoSuchQueue", "does not exist")
    rejected(lambda: submit(c, definition="no-such-def"), "no-such-def", "does not exist")


def test_submitting_to_a_disabled_queue_is_rejected(c):
    c.update_job_queue(jobQueue="Backfill", state="DISABLED")
    rejected(lambda: submit(c, queue="Backfill"), "Backfill", "DISABLED")


def test_deleting_an_enabled_queue_is_rejected(c):
    rejected(lambda: c.delete_job_queue(jobQueue="Backfill"), "ENABLED")
    c.update_job_queue(jobQueue="Backfill", state="DISABLED")
    c.delete_job_queue(jobQueue="Backfill")
    assert "Backfill" not in {q["jobQueueName"] for q in c.describe_job_queues()["jobQueues"]}


def test_deleting_an_enabled_or_used_compute_environment_is_rejected(c):
    rejected(lambda: c.delete_compute_environment(computeEnvironment="spot-ce"), "ENABLED")
    c.update_compute_environment(computeEnvironment="spot-ce", state="DISABLED")
    rejected(lambda: c.delete_compute_environment(computeEnvironment="spot-ce"), "JobQueue relationship")


def test_update_compute_environment_applies_compute_resources(c):
    c.update_compute_environment(computeEnvironment="spot-ce",
                                 computeResources={"minvCpus": 2, "maxvCpus": 32, "desiredvCpus": 4})
    env = c.describe_compute_environments(computeEnvironments=["spot-ce"])["computeEnvironments"][0]
    assert {k: env["computeResources"][k] for k in ("minvCpus", "maxvCpus", "desiredvCpus")} == \
        {"minvCpus": 2, "maxvCpus": 32, "desiredvCpus": 4}


def test_errors_other_than_the_services_codes_become_client_exceptions(c):
    rejected(lambda: c.create_compute_environment(computeEnvironmentName="spot-ce", type="UNMANAGED"), "already exists")


def test_concurrent_submits_and_reads_never_see_torn_state(lb, c):
    errors = []

    def submitter():
        for i in range(15):
            submit(c, f"t{i}", arrayProperties={"size": 4})
            lb.advance(1)

    def reader():
        for _ in range(30):
            for job in c.list_jobs(jobQueue="HighPriority", filters=[{"name": "JOB_NAME", "values": ["t*"]}])["jobSummaryList"]:
                summary = detail(c, job["jobId"]).get("arrayProperties", {}).get("statusSummary")
                if summary and sum(summary.values()) not in (0, 4):
                    errors.append(summary)

    threads = [threading.Thread(target=submitter), threading.Thread(target=reader), threading.Thread(target=reader)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


# -- faults ------------------------------------------------------------------------------


def test_throttle_answers_429_too_many_requests(lb):
    client = no_retry_client(lb)
    lb.faults.throttle("DescribeJobQueues", times=1)
    with pytest.raises(ClientError) as caught:
        client.describe_job_queues()
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 429
    assert caught.value.response["Error"]["Code"] == "TooManyRequestsException"
    assert client.describe_job_queues()["jobQueues"]  # times=1: the next call passes


def test_sdk_retries_ride_out_throttling(lb, c):
    lb.faults.throttle("ListJobs", times=2)
    assert c.list_jobs(jobQueue="HighPriority")["ResponseMetadata"]["RetryAttempts"] == 2


def test_error_fault_answers_the_status_and_code_for_every_operation(lb):
    client = no_retry_client(lb)
    lb.faults.error("*", status=503, code="ServiceUnavailable")
    for call in (client.describe_job_queues, lambda: client.list_jobs(jobQueue="HighPriority")):
        with pytest.raises(ClientError) as caught:
            call()
        assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 503
    lb.faults.clear()
    assert client.describe_job_queues()["jobQueues"]


def test_fault_rate_is_deterministic(lb):
    client = no_retry_client(lb)

    def outcomes():
        lb.faults.clear()
        lb.faults.error("DescribeJobQueues", status=500, rate=0.5)
        result = []
        for _ in range(12):
            try:
                client.describe_job_queues()
                result.append(True)
            except ClientError:
                result.append(False)
        return result

    first = outcomes()
    assert first == outcomes() and 0 < sum(first) < 12


def test_latency_fault_delays_the_operation(lb, c):
    lb.faults.latency("DescribeJobQueues", 0.2)
    started = time.monotonic()
    c.describe_job_queues()
    assert time.monotonic() - started >= 0.2


def test_unknown_fault_operation_is_rejected_with_a_suggestion(lb):
    with pytest.raises(LookupError, match="DescribeJobs"):
        lb.faults.throttle("DescribeJob")


# -- newer actions -------------------------------------------------------------------------


def test_cancel_jobs_and_terminate_jobs_act_on_many_jobs_and_report_unknown_ones(lb, c):
    needs("CancelJobs")
    needs("TerminateJobs")
    queued, running = submit(c, "queued"), submit(c, "running")
    lb.advance(5)
    queued_later = submit(c, "later")
    result = c.cancel_jobs(jobs=[queued_later, "nope"], reason="bulk cancel")
    assert result["successful"] == [queued_later] and result["errors"][0]["job"] == "nope"
    c.terminate_jobs(jobs=[running], reason="bulk terminate")
    assert (status(c, queued_later), status(c, running)) == ("FAILED", "FAILED")
    rejected(lambda: c.cancel_jobs(jobs=[queued] * 51, reason="x"), "50")


def test_job_queue_snapshot_shows_the_front_of_the_queue(lb, c):
    c.update_compute_environment(computeEnvironment="ondemand-ce", computeResources={"maxvCpus": 1})
    ids = [submit(c, f"s{i}") for i in range(3)]
    lb.advance(5)
    snapshot = c.get_job_queue_snapshot(jobQueue="HighPriority")
    front = [j["jobArn"].rsplit("/", 1)[-1] for j in snapshot["frontOfQueue"]["jobs"]]
    assert front == ids[1:]  # the first one runs, the others wait in order
    assert snapshot["queueUtilization"]["totalCapacityUsage"] == [{"capacityUnit": "VCPU", "quantity": 1.0}]


# -- the kinds the reference predates: service environments, consumable resources,
#    quota shares and service jobs -------------------------------------------------

SAGEMAKER = {"serviceEnvironmentType": "SAGEMAKER_TRAINING",
             "capacityLimits": [{"maxCapacity": 4, "capacityUnit": "NUM_INSTANCES"}]}
SHARE = {"capacityLimits": [{"maxCapacity": 2, "capacityUnit": "NUM_INSTANCES"}],
         "resourceSharingConfiguration": {"strategy": "RESERVE"},
         "preemptionConfiguration": {"inSharePreemption": "DISABLED"}}


def submit_service_job(c, name="train", **kwargs):
    return c.submit_service_job(jobName=name, jobQueue="HighPriority", serviceRequestPayload="{}",
                                serviceJobType="SAGEMAKER_TRAINING", **kwargs)["jobId"]


def test_service_environments_are_created_described_updated_and_deleted_once_disabled(c):
    created = c.create_service_environment(serviceEnvironmentName="sagemaker", tags={"team": "ml"}, **SAGEMAKER)
    assert created["serviceEnvironmentArn"].endswith(":service-environment/sagemaker")
    rejected(lambda: c.create_service_environment(serviceEnvironmentName="sagemaker", **SAGEMAKER), "already exists")
    rejected(lambda: c.create_service_environment(serviceEnvironmentName="-bad", **SAGEMAKER), "not valid")
    (env,) = c.describe_service_environments()["serviceEnvironments"]
    assert (env["state"], env["status"], env["tags"]) == ("ENABLED", "VALID", {"team": "ml"})
    assert c.list_tags_for_resource(resourceArn=created["serviceEnvironmentArn"])["tags"] == {"team": "ml"}
    rejected(lambda: c.delete_service_environment(serviceEnvironment="sagemaker"), "DISABLED")
    c.update_service_environment(serviceEnvironment=created["serviceEnvironmentArn"], state="DISABLED")
    c.delete_service_environment(serviceEnvironment="sagemaker")
    assert c.describe_service_environments()["serviceEnvironments"] == []
    rejected(lambda: c.delete_service_environment(serviceEnvironment="sagemaker"), "does not exist")


def test_consumable_resource_quantities_are_set_added_and_removed(c):
    c.create_consumable_resource(consumableResourceName="licenses", totalQuantity=5)
    c.update_consumable_resource(consumableResource="licenses", operation="ADD", quantity=3)
    assert c.update_consumable_resource(consumableResource="licenses", operation="REMOVE", quantity=2)["totalQuantity"] == 6
    rejected(lambda: c.update_consumable_resource(consumableResource="licenses", operation="REMOVE", quantity=7),
             "total quantity is 6")
    resource = c.describe_consumable_resource(consumableResource="licenses")
    assert (resource["totalQuantity"], resource["availableQuantity"], resource["resourceType"]) == (6, 6, "REPLENISHABLE")
    c.create_consumable_resource(consumableResourceName="gpus", totalQuantity=1)
    named = c.list_consumable_resources(filters=[{"name": "CONSUMABLE_RESOURCE_NAME", "values": ["LIC*"]}])
    assert [r["consumableResourceName"] for r in named["consumableResources"]] == ["licenses"]


def test_jobs_using_a_consumable_resource_count_while_they_run(lb, c):
    c.create_consumable_resource(consumableResourceName="licenses", totalQuantity=4)
    lb.set_outcome("uses-*", duration=60)
    uses = {"consumableResourceList": [{"consumableResource": "licenses", "quantity": 1}]}
    c.register_job_definition(jobDefinitionName="licensed", type="container", consumableResourceProperties=uses,
                              containerProperties={"image": "busybox", "vcpus": 1, "memory": 128})
    assert c.describe_job_definitions(jobDefinitionName="licensed")["jobDefinitions"][0]["consumableResourceProperties"] == uses
    more = {"consumableResourceList": [{"consumableResource": "licenses", "quantity": 2}]}
    job_id = submit(c, "uses-licenses", consumableResourcePropertiesOverride=more)
    submit(c, "uses-definition", definition="licensed")
    submit(c, "other")
    lb.advance(10)
    resource = c.describe_consumable_resource(consumableResource="licenses")
    assert (resource["inUseQuantity"], resource["availableQuantity"]) == (3, 1)
    listed = c.list_jobs_by_consumable_resource(consumableResource="licenses")["jobs"]
    assert sorted((j["jobName"], j["jobStatus"], j["quantity"]) for j in listed) == [
        ("uses-definition", "RUNNING", 1), ("uses-licenses", "RUNNING", 2)]
    lb.run_until_idle()
    assert c.describe_consumable_resource(consumableResource="licenses")["inUseQuantity"] == 0
    running = [{"name": "JOB_STATUS", "values": ["RUNNING"]}]
    assert c.list_jobs_by_consumable_resource(consumableResource="licenses", filters=running)["jobs"] == []
    assert status(c, job_id) == "SUCCEEDED"


def test_quota_shares_belong_to_a_queue(c):
    arn = c.create_quota_share(quotaShareName="team-a", jobQueue="HighPriority", **SHARE)["quotaShareArn"]
    rejected(lambda: c.create_quota_share(quotaShareName="team-b", jobQueue="Nope", **SHARE), "Nope does not exist")
    (share,) = c.list_quota_shares(jobQueue="HighPriority")["quotaShares"]
    assert share["jobQueueArn"].endswith("job-queue/HighPriority") and share["state"] == "ENABLED"
    assert c.list_quota_shares(jobQueue="LowPriority")["quotaShares"] == []
    c.update_quota_share(quotaShareArn=arn, capacityLimits=[{"maxCapacity": 8, "capacityUnit": "NUM_INSTANCES"}])
    assert c.describe_quota_share(quotaShareArn=arn)["capacityLimits"][0]["maxCapacity"] == 8
    rejected(lambda: c.delete_quota_share(quotaShareArn=arn), "DISABLED")
    c.update_quota_share(quotaShareArn=arn, state="DISABLED")
    c.delete_quota_share(quotaShareArn=arn)
    rejected(lambda: c.describe_quota_share(quotaShareArn=arn), "does not exist")


def test_service_jobs_move_along_with_the_clock(lb, c):
    job_id = submit_service_job(c, tags={"run": "1"})
    assert c.describe_service_job(jobId=job_id)["status"] == "SUBMITTED"
    lb.advance(4)
    assert c.describe_service_job(jobId=job_id)["status"] == "RUNNING"
    listed = c.list_service_jobs(jobQueue="HighPriority")["jobSummaryList"]  # no status: RUNNING ones
    assert [j["jobId"] for j in listed] == [job_id]
    lb.advance(60)
    job = c.describe_service_job(jobId=job_id)
    assert (job["status"], job["tags"], len(job["attempts"])) == ("SUCCEEDED", {"run": "1"}, 1)
    assert job["createdAt"] < job["scheduledAt"] < job["startedAt"] < job["stoppedAt"]
    assert c.list_service_jobs(jobQueue="HighPriority")["jobSummaryList"] == []
    by_name = c.list_service_jobs(jobQueue="HighPriority", filters=[{"name": "JOB_NAME", "values": ["TRAIN"]}])
    assert [j["status"] for j in by_name["jobSummaryList"]] == ["SUCCEEDED"]  # a filter sees every status
    rejected(lambda: c.describe_service_job(jobId="nope"), "does not exist")


def test_service_job_outcomes_timeouts_and_priority(lb, c):
    lb.set_outcome("bad-*", exit_code=2, duration=1)
    bad = submit_service_job(c, "bad-run")
    slow = submit_service_job(c, "slow-run", timeoutConfig={"attemptDurationSeconds": 3})
    lb.set_outcome("slow-*", duration=100)
    assert c.update_service_job(jobId=slow, schedulingPriority=9)["jobId"] == slow
    lb.advance(30)
    failed = c.describe_service_job(jobId=bad)
    assert (failed["status"], failed["statusReason"]) == ("FAILED", "Service job exited with code 2")
    timed_out = c.describe_service_job(jobId=slow)
    assert (timed_out["status"], timed_out["schedulingPriority"]) == ("FAILED", 9)
    assert timed_out["statusReason"] == "Job attempt duration exceeded timeout"


def test_terminating_service_jobs(lb, c):
    needs("TerminateServiceJobs")
    first, second = submit_service_job(c, "a"), submit_service_job(c, "b")
    rejected(lambda: c.terminate_service_job(jobId=first, reason=""), "reason")
    c.terminate_service_job(jobId=first, reason="not needed")
    job = c.describe_service_job(jobId=first)
    assert (job["status"], job["statusReason"], job["isTerminated"]) == ("FAILED", "not needed", True)
    result = c.terminate_service_jobs(jobs=[second, "nope"], reason="bulk")
    assert result["successful"] == [second] and result["errors"][0]["job"] == "nope"
    lb.advance(60)
    assert c.describe_service_job(jobId=second)["status"] == "FAILED"  # it stays stopped


def test_reset_forgets_the_newer_kinds_too(lb, c):
    c.create_consumable_resource(consumableResourceName="licenses", totalQuantity=1)
    submit_service_job(c)
    lb.reset()
    assert c.list_consumable_resources()["consumableResources"] == []
    assert c.list_service_jobs(jobQueue="HighPriority", jobStatus="SUBMITTED")["jobSummaryList"] == []


def test_an_action_newer_than_the_backend_answers_not_implemented(lb):
    client = no_retry_client(lb)

    def from_the_future(params, **kwargs):
        params["url"] = params["url"].replace("/v1/listservicejobs", "/v1/describefuturethings")

    client.meta.events.register_first("before-call.batch.ListServiceJobs", from_the_future)
    with pytest.raises(ClientError) as caught:
        client.list_service_jobs(jobQueue="HighPriority")
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 501
    assert "describefuturethings is not implemented by batchkit.local" in caught.value.response["Error"]["Message"]


# -- AWS-exact answers (moto's own tests/test_batch in server mode, #17) ---------------------

EC2_RESOURCES = {"type": "EC2", "minvCpus": 0, "maxvCpus": 4, "subnets": ["subnet-0a1b2c3d"],
                 "securityGroupIds": ["sg-0a1b2c3d"], "instanceRole": "ecsInstanceRole"}
EKS_DEFINITION = {"podProperties": {"containers": [
    {"name": "main", "image": "python:3.11", "command": ["sleep", "10"],
     "env": [{"name": "A", "value": "definition"}, {"name": "B", "value": "definition"}],
     "resources": {"requests": {"cpu": "1"}, "limits": {"cpu": "2"}}},
    {"name": "sidecar", "image": "busybox", "command": ["true"]},
]}}


def raw_body(c, call):
    """The HTTP status and body the service sent for `call`."""
    bodies = []
    c.meta.events.register("before-parse.batch.*", lambda response_dict, **kw: bodies.append(response_dict["body"]),
                           unique_id="raw-body")
    try:
        return call()["ResponseMetadata"]["HTTPStatusCode"], bodies[-1]
    finally:
        c.meta.events.unregister("before-parse.batch.*", unique_id="raw-body")


def test_cancel_and_terminate_of_an_unknown_job_answer_200_and_an_empty_object(c):
    # AWS answers CancelJob/TerminateJob of a job id it does not know like any other: HTTP 200 and
    # an empty body ("{}"; the reference: "an HTTP 200 response with an empty HTTP body")
    assert raw_body(c, lambda: c.cancel_job(jobId="no-such-job", reason="r")) == (200, b"{}")
    assert raw_body(c, lambda: c.terminate_job(jobId="no-such-job", reason="r")) == (200, b"{}")
    assert raw_body(c, lambda: c.terminate_job(jobId=submit(c), reason="r")) == (200, b"{}")
    rejected(lambda: c.terminate_job(jobId="", reason="r"), "jobId", "required")  # jobId is still required


def test_a_resource_has_at_most_50_tags_on_every_action_that_takes_them(c):
    # botocore's model: every action's tags are a TagrisTagsMap of at most 50 entries; a resource
    # has at most 50 tags (TagResource adds to those it has)
    many = {f"k{i}": "v" for i in range(51)}
    calls = {
        "CreateComputeEnvironment": lambda: c.create_compute_environment(computeEnvironmentName="t", type="UNMANAGED", tags=many),
        "CreateJobQueue": lambda: c.create_job_queue(jobQueueName="t", priority=1, tags=many,
                                                     computeEnvironmentOrder=[{"order": 1, "computeEnvironment": "spot-ce"}]),
        "CreateSchedulingPolicy": lambda: c.create_scheduling_policy(name="t", tags=many),
        "RegisterJobDefinition": lambda: c.register_job_definition(jobDefinitionName="t", type="container", tags=many,
                                                                   containerProperties={"image": "x", "vcpus": 1, "memory": 128}),
        "SubmitJob": lambda: submit(c, "t", tags=many),
    }
    for name, call in calls.items():
        rejected(call, "50")
    assert c.describe_compute_environments(computeEnvironments=["t"])["computeEnvironments"] == []
    assert c.describe_job_queues(jobQueues=["t"])["jobQueues"] == []
    assert [p["arn"].rsplit("/", 1)[1] for p in c.list_scheduling_policies()["schedulingPolicies"]] == ["teams"]
    assert c.describe_job_definitions(jobDefinitionName="t")["jobDefinitions"] == []
    assert c.list_jobs(jobQueue="HighPriority", filters=[{"name": "JOB_NAME", "values": ["t"]}])["jobSummaryList"] == []
    queue = c.describe_job_queues(jobQueues=["Backfill"])["jobQueues"][0]["jobQueueArn"]
    rejected(lambda: c.tag_resource(resourceArn=queue, tags=many), "50")
    c.tag_resource(resourceArn=queue, tags=dict(list(many.items())[:50]))
    rejected(lambda: c.tag_resource(resourceArn=queue, tags={"one": "more"}), "50")
    c.tag_resource(resourceArn=queue, tags={"k0": "replaced"})  # a key it has: still 50
    assert len(c.list_tags_for_resource(resourceArn=queue)["tags"]) == 50
    assert detail(c, submit(c, tags=dict(list(many.items())[:50])))["tags"] == dict(list(many.items())[:50])


def test_instance_types_are_ec2_types_families_or_left_to_batch(c):
    # ComputeResource.instanceTypes (botocore's model): instance types (c5.8xlarge), families (c5,
    # p3), or optimal / default_x86_64 / default_arm64; AWS refuses the rest:
    # "Instance type unknown does not exist"
    c.create_compute_environment(computeEnvironmentName="known", type="MANAGED", computeResources={
        **EC2_RESOURCES, "instanceTypes": ["m5.large", "c5", "r6i", "optimal", "default_x86_64", "default_arm64"]})
    rejected(lambda: c.create_compute_environment(computeEnvironmentName="unknown", type="MANAGED", computeResources={
        **EC2_RESOURCES, "instanceTypes": ["m5.large", "m5.enormous"]}), "Instance type m5.enormous does not exist")
    rejected(lambda: c.update_compute_environment(computeEnvironment="known", computeResources={"instanceTypes": ["zz9"]}),
             "Instance type zz9 does not exist")
    assert c.describe_compute_environments(computeEnvironments=["unknown"])["computeEnvironments"] == []


def test_ec2_and_spot_environments_need_an_instance_role_and_fargate_ones_do_not(c):
    # ComputeResource.instanceRole: "This parameter is required for Amazon EC2 instances types";
    # "isn't applicable to jobs that are running on Fargate resources"
    without = {k: v for k, v in EC2_RESOURCES.items() if k != "instanceRole"}
    for kind in ("EC2", "SPOT"):
        rejected(lambda: c.create_compute_environment(computeEnvironmentName="no-role", type="MANAGED",
                                                      computeResources={**without, "type": kind}), "Instance role is required")
    c.create_compute_environment(computeEnvironmentName="fargate", type="MANAGED", computeResources={
        "type": "FARGATE", "maxvCpus": 4, "subnets": ["subnet-0a1b2c3d"], "securityGroupIds": ["sg-0a1b2c3d"]})
    assert [e["computeEnvironmentName"] for e in c.describe_compute_environments()["computeEnvironments"]
            if e["computeEnvironmentName"] in ("no-role", "fargate")] == ["fargate"]


def test_each_compute_environment_runs_on_its_ecs_cluster(lb, c):
    # The reference: an unmanaged environment's ecsClusterArn is the cluster "that you should
    # launch your Amazon ECS container instances into" -- it exists in ECS; deleting the
    # environment deletes it
    ecs = lb.boto3_client("ecs")
    for kind, extra in (("UNMANAGED", {}), ("MANAGED", {"computeResources": {**EC2_RESOURCES, "instanceTypes": ["optimal"]}})):
        c.create_compute_environment(computeEnvironmentName=kind.lower(), type=kind, **extra)
        arn = c.describe_compute_environments(computeEnvironments=[kind.lower()])["computeEnvironments"][0]["ecsClusterArn"]
        assert arn in ecs.list_clusters()["clusterArns"]
        assert ecs.describe_clusters(clusters=[arn])["clusters"][0]["status"] == "ACTIVE"
    c.update_compute_environment(computeEnvironment="unmanaged", state="DISABLED")
    c.delete_compute_environment(computeEnvironment="unmanaged")
    assert ecs.describe_clusters(clusters=[arn.replace("managed", "unmanaged")])["clusters"][0]["status"] == "INACTIVE"


def test_eks_properties_override_is_applied_to_the_job(c):
    # SubmitJob's eksPropertiesOverride: EksContainerOverride.name "must match a unique container
    # name that you wish to override"; its env adds or overrides variables, its command and
    # resources "override the settings in the job definition"
    c.register_job_definition(jobDefinitionName="eks", type="container", eksProperties=EKS_DEFINITION)
    registered = c.describe_job_definitions(jobDefinitionName="eks")["jobDefinitions"][0]["eksProperties"]
    job_id = submit(c, definition="eks", eksPropertiesOverride={"podProperties": {"containers": [{
        "name": "main", "command": ["python", "run.py"],
        "env": [{"name": "A", "value": "override"}, {"name": "C", "value": "override"}],
        "resources": {"requests": {"cpu": "4"}}}]}})
    main, sidecar = detail(c, job_id)["eksProperties"]["podProperties"]["containers"]
    assert (main["image"], main["command"], main["resources"]) == ("python:3.11", ["python", "run.py"], {"requests": {"cpu": "4"}})
    assert {e["name"]: e["value"] for e in main["env"]} == {"A": "override", "B": "definition", "C": "override"}
    assert sidecar == registered["podProperties"]["containers"][1]
    unnamed = submit(c, definition="eks", eksPropertiesOverride={"podProperties": {
        "containers": [{"command": ["x"]}], "metadata": {"labels": {"team": "data"}}}})
    pod = detail(c, unnamed)["eksProperties"]["podProperties"]
    assert (pod["containers"][0]["command"], pod["metadata"]["labels"]) == (["x"], {"team": "data"})
    assert detail(c, submit(c, definition="eks"))["eksProperties"] == registered
    rejected(lambda: submit(c, definition="eks", eksPropertiesOverride={"podProperties": {"containers": [{"name": "nope"}]}}),
             "nope")


def test_cloudformation_creates_batch_resources_through_the_same_rules(lb, c):
    # moto's CloudFormation creates AWS::Batch::* resources in the Batch backend of the stack's
    # account and region: they are this backend's, under the API's rules (here: the lenient IAM
    # roles of a documented example, the environment's ECS cluster), and run jobs
    resources = {"Type": "EC2", "MinvCpus": 0, "MaxvCpus": 4, "InstanceTypes": ["optimal"], "Subnets": ["subnet-1"],
                 "SecurityGroupIds": ["sg-1"], "InstanceRole": "arn:aws:iam::123456789012:instance-profile/cfnInstanceRole"}
    template = {"Resources": {
        "Env": {"Type": "AWS::Batch::ComputeEnvironment", "Properties": {
            "Type": "MANAGED", "ComputeResources": resources, "ServiceRole": "arn:aws:iam::123456789012:role/cfnBatch"}},
        "Queue": {"Type": "AWS::Batch::JobQueue", "Properties": {
            "Priority": 1, "ComputeEnvironmentOrder": [{"Order": 1, "ComputeEnvironment": {"Ref": "Env"}}]}},
        "Def": {"Type": "AWS::Batch::JobDefinition", "Properties": {
            "Type": "container", "RetryStrategy": {"Attempts": 1},
            "ContainerProperties": {"Image": "busybox", "Vcpus": 1, "Memory": 128}}},
    }}
    cloudformation = lb.boto3_client("cloudformation")
    cloudformation.create_stack(StackName="batch", TemplateBody=json.dumps(template))
    created = {r["LogicalResourceId"]: r["PhysicalResourceId"]
               for r in cloudformation.list_stack_resources(StackName="batch")["StackResourceSummaries"]}
    env = c.describe_compute_environments(computeEnvironments=[created["Env"]])["computeEnvironments"][0]
    assert env["ecsClusterArn"] in lb.boto3_client("ecs").list_clusters()["clusterArns"]
    job_id = submit(c, queue=created["Queue"], definition=created["Def"])
    lb.run_until_idle()
    assert status(c, job_id) == "SUCCEEDED"
