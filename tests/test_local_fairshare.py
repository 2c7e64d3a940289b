"""batchkit.local schedules fair-share queues as AWS Batch does: scheduling policies and their rules,
shareIdentifier on SubmitJob, dispatch by share usage and weight, schedulingPriority within a share,
decay, computeReservation, GetJobQueueSnapshot.  Each test cites the user guide ("Fair-share
scheduling policies", "Share identifiers", "Fair-share scheduling") or botocore's model passage it
follows; in-process and over HTTP; ratios come from the simulated run, not wall time."""

import collections

import pytest

from tests.conftest import rejected


POOL = {"computeEnvironmentName": "pool", "type": "UNMANAGED", "unmanagedvCpus": 8}
SINGLE = {"computeEnvironmentName": "single", "type": "UNMANAGED", "unmanagedvCpus": 1}
PARKED = {"computeEnvironmentName": "parked", "type": "UNMANAGED", "state": "DISABLED"}


def policy(name, **fairshare):
    return {"name": name, "fairsharePolicy": fairshare}


def queue(name, env, policy_name=None, priority=1):
    body = {"jobQueueName": name, "priority": priority, "computeEnvironmentOrder": [{"order": 1, "computeEnvironment": env}]}
    if policy_name:
        body["schedulingPolicyArn"] = policy_name  # by name: leniently resolved to its ARN (service.find_policy)
    return body


def definition(name, vcpus=1, **extra):
    return {"jobDefinitionName": name, "type": "container",
            "containerProperties": {"image": "busybox", "command": ["true"], "vcpus": vcpus, "memory": 128}, **extra}


SEED = {
    "computeEnvironments": [POOL, SINGLE, PARKED],
    "schedulingPolicies": [
        policy("weighted", shareDistribution=[{"shareIdentifier": "team*", "weightFactor": 1},
                                              {"shareIdentifier": "B", "weightFactor": 3}]),
        policy("long-memory", shareDecaySeconds=604_800),
        policy("short-memory", shareDecaySeconds=60),
        policy("reserving", computeReservation=50),
        policy("plain"),
        policy("spare"),
    ],
    "jobQueues": [queue("fifo", "pool", priority=10), queue("weighted", "pool", "weighted"),
                  queue("long", "pool", "long-memory"), queue("short", "pool", "short-memory"),
                  queue("reserving", "pool", "reserving"), queue("ranked", "single", "plain"),
                  queue("crowded", "parked", "short-memory")],
    "jobDefinitions": [definition("work"), definition("huge", vcpus=16), definition("ranked-low", schedulingPriority=1),
                       definition("ranked-mid", schedulingPriority=5)],
}


def submit(c, name, queue, share=None, definition="work", **extra):
    if share is not None:
        extra["shareIdentifier"] = share
    return c.submit_job(jobName=name, jobQueue=queue, jobDefinition=definition, **extra)["jobId"]


def detail(c, job_id):
    return c.describe_jobs(jobs=[job_id])["jobs"][0]


def statuses(c, ids):
    found = {}
    for start in range(0, len(ids), 100):
        found.update({j["jobId"]: j["status"] for j in c.describe_jobs(jobs=ids[start:start + 100])["jobs"]})
    return found


def arn_of(c, name):
    return next(p["arn"] for p in c.list_scheduling_policies()["schedulingPolicies"] if p["arn"].endswith(f"/{name}"))


def front(c, queue_name):
    return [j["jobArn"].rsplit("/", 1)[1] for j in c.get_job_queue_snapshot(jobQueue=queue_name)["frontOfQueue"]["jobs"]]


# -- requests ------------------------------------------------------------------------------------


def test_a_fair_share_queue_requires_a_share_identifier_and_a_fifo_queue_rejects_one(lb, c):
    """SubmitJob shareIdentifier (botocore): "Don't specify this parameter if the job queue doesn't have a
    fair-share scheduling policy. If the job queue has a fair-share scheduling policy, then this parameter
    must be specified."; JobDetail and JobSummary show it."""
    rejected(lambda: submit(c, "nameless", "weighted"), "a shareIdentifier must be specified")
    rejected(lambda: submit(c, "shared", "fifo", share="teamA"), "don't specify a shareIdentifier")
    job = submit(c, "fine", "weighted", share="teamA")
    assert detail(c, job)["shareIdentifier"] == "teamA"
    (summary,) = c.list_jobs(jobQueue="weighted", filters=[{"name": "SHARE_IDENTIFIER", "values": ["teamA"]}])[
        "jobSummaryList"]
    assert (summary["jobId"], summary["shareIdentifier"]) == (job, "teamA")
    assert "shareIdentifier" not in detail(c, submit(c, "plain", "fifo"))


@pytest.mark.parametrize("act, words", [
    (lambda c: c.create_scheduling_policy(name="p", fairsharePolicy={
        "shareDistribution": [{"shareIdentifier": "A", "weightFactor": 0}]}), "smallest supported value is 0.0001"),
    (lambda c: c.create_scheduling_policy(name="p", fairsharePolicy={
        "shareDistribution": [{"shareIdentifier": "A", "weightFactor": 1000}]}), "largest supported value is 999.9999"),
    (lambda c: c.create_scheduling_policy(name="p", fairsharePolicy={"computeReservation": 100}), "between 0 and 99"),
    (lambda c: c.create_scheduling_policy(name="p", fairsharePolicy={"shareDecaySeconds": 604_801}),
     "between 0 and 604800"),
    (lambda c: c.create_scheduling_policy(name="p", fairsharePolicy={
        "shareDistribution": [{"shareIdentifier": "team-a"}]}), "255 alphanumeric characters"),
    (lambda c: c.create_scheduling_policy(name="p", fairsharePolicy={
        "shareDistribution": [{"shareIdentifier": "a*b"}]}), "followed by an asterisk"),
    (lambda c: c.create_scheduling_policy(name="p", fairsharePolicy={
        "shareDistribution": [{"shareIdentifier": "UserA*"}, {"shareIdentifier": "UserA1"}]}), "can't overlap"),
    (lambda c: c.create_scheduling_policy(name="p", fairsharePolicy={
        "shareDistribution": [{"shareIdentifier": "A"}, {"shareIdentifier": "A", "weightFactor": 2}]}), "listed twice"),
    (lambda c: c.create_scheduling_policy(name="p", fairsharePolicy={}, quotaSharePolicy={
        "idleResourceAssignmentStrategy": "FIFO"}), "Only one of fairsharePolicy or quotaSharePolicy"),
    (lambda c: c.create_scheduling_policy(name="weighted"), "already exists"),
    (lambda c: c.update_scheduling_policy(arn=arn_of(c, "weighted").replace("weighted", "nope")), "does not exist"),
    (lambda c: submit(c, "x", "weighted", share="team a"), "255 alphanumeric characters"),
    (lambda c: submit(c, "x", "weighted", share="teamA", schedulingPriorityOverride=10_000), "between 0 and 9999"),
])
def test_scheduling_policies_and_share_identifiers_are_validated(c, act, words):
    """botocore's model: ShareAttributes "The smallest supported value is 0.0001, and the largest supported
    value is 999.9999", shareIdentifier "limited to 255 alphanumeric characters, and can be followed by an
    asterisk (*)", "The list of share identifiers in a fair-share policy can't overlap";
    computeReservation "The minimum value is 0 and the maximum value is 99"; shareDecaySeconds "The
    maximum supported value is 604800"; "Only one of fairsharePolicy or quotaSharePolicy can be set";
    schedulingPriorityOverride "the maximum supported value is 9999"."""
    rejected(lambda: act(c), words)
    assert [p["arn"].rsplit("/", 1)[1] for p in c.list_scheduling_policies()["schedulingPolicies"]] == [
        "weighted", "long-memory", "short-memory", "reserving", "plain", "spare"]  # nothing stored


def test_a_queue_s_policy_can_be_replaced_not_added_or_removed_and_a_policy_in_use_not_deleted(c):
    """CreateJobQueue schedulingPolicyArn: "After a job queue has a fair-share scheduling policy, it can be
    replaced but can't be removed" and "A job queue without a fair-share scheduling policy is scheduled as a
    FIFO job queue and can't have a fair-share scheduling policy added"; DeleteSchedulingPolicy: "You can't
    delete a scheduling policy that's used in any job queues"."""
    weighted, spare = arn_of(c, "weighted"), arn_of(c, "spare")
    described = c.describe_job_queues(jobQueues=["weighted"])["jobQueues"][0]
    assert described["schedulingPolicyArn"] == weighted
    rejected(lambda: c.update_job_queue(jobQueue="fifo", schedulingPolicyArn=spare), "can't have a fair-share")
    rejected(lambda: c.update_job_queue(jobQueue="weighted", schedulingPolicyArn=""), "can't be removed")
    rejected(lambda: c.create_job_queue(jobQueueName="q2", priority=1, schedulingPolicyArn=weighted + "x",
                                        computeEnvironmentOrder=[{"order": 1, "computeEnvironment": "pool"}]),
             "does not exist")
    rejected(lambda: c.delete_scheduling_policy(arn=weighted), "used by job queue(s) weighted")
    c.update_job_queue(jobQueue="weighted", schedulingPolicyArn=spare)
    assert c.describe_job_queues(jobQueues=["weighted"])["jobQueues"][0]["schedulingPolicyArn"] == spare
    c.delete_scheduling_policy(arn=weighted)  # no longer used
    assert c.describe_scheduling_policies(arns=[weighted])["schedulingPolicies"] == []
    c.update_scheduling_policy(arn=spare, fairsharePolicy={"shareDecaySeconds": 300,
                                                           "shareDistribution": [{"shareIdentifier": "X*"}]})
    (updated,) = c.describe_scheduling_policies(arns=[spare])["schedulingPolicies"]
    assert updated["fairsharePolicy"] == {"computeReservation": 0, "shareDecaySeconds": 300,
                                          "shareDistribution": [{"shareIdentifier": "X*"}]}


# -- dispatch ------------------------------------------------------------------------------------


def test_weights_1_and_3_share_a_full_environment_3_to_1(lb, c):
    """User guide, "Share identifiers": usage is tracked "by using the (T * weightFactor) formula, where T is
    the vCPU usage over time. The scheduler picks jobs with the lowest usage"; ShareAttributes: "jobs that use
    a share identifier with a weight factor of 0.125 (1/8) get 8 times the compute resources of jobs that use
    a share identifier with a weight factor of 1"; a prefix entry ("team*") weighs every share it matches."""
    lb.set_outcome("*", duration=60)
    ids = {submit(c, f"{share}{i}", "weighted", share): share for i in range(200) for share in ("teamA", "B")}
    lb.advance(5)
    utilization = c.get_job_queue_snapshot(jobQueue="weighted")["queueUtilization"]
    assert utilization["fairshareUtilization"] == {"activeShareCount": 2, "topCapacityUtilization": [
        {"shareIdentifier": "teamA", "capacityUsage": [{"capacityUnit": "VCPU", "quantity": 6.0}]},
        {"shareIdentifier": "B", "capacityUsage": [{"capacityUnit": "VCPU", "quantity": 2.0}]}]}
    lb.advance(900)
    done = collections.Counter(ids[j] for j, status in statuses(c, list(ids)).items() if status == "SUCCEEDED")
    assert done["teamA"] + done["B"] > 100  # the environment stayed full
    assert done["teamA"] / done["B"] == pytest.approx(3, rel=0.1)
    listed = [s["jobId"] for page in c.get_paginator("list_jobs").paginate(
        jobQueue="weighted", jobStatus="SUCCEEDED", filters=[{"name": "SHARE_IDENTIFIER", "values": ["B"]}])
        for s in page["jobSummaryList"]]  # "SHARE_IDENTIFIER and jobStatus can be used together"
    assert len(listed) == done["B"] and {ids[j] for j in listed} == {"B"}


def test_scheduling_priority_orders_jobs_within_a_share_only(lb, c):
    """SubmitJob schedulingPriorityOverride: "Jobs with a higher scheduling priority are scheduled before jobs
    with a lower scheduling priority. This overrides any scheduling priority in the job definition and works
    only within a single share identifier."; JobDetail schedulingPriority."""
    lb.set_outcome("*", duration=30)
    first = submit(c, "first", "ranked", "A")  # takes the one vCPU
    lb.advance(2)
    jobs = {"low": submit(c, "low", "ranked", "A", definition="ranked-low"),
            "mid": submit(c, "mid", "ranked", "A", definition="ranked-mid"),
            "high": submit(c, "high", "ranked", "A", definition="ranked-low", schedulingPriorityOverride=9),
            "none": submit(c, "none", "ranked", "A"),
            "other": submit(c, "other", "ranked", "B", schedulingPriorityOverride=9999)}
    assert [detail(c, jobs[k]).get("schedulingPriority") for k in ("low", "mid", "high", "none")] == [1, 5, 9, None]
    assert c.describe_job_definitions(jobDefinitions=["ranked-mid:1"])["jobDefinitions"][0]["schedulingPriority"] == 5
    lb.run_until_idle()
    started = sorted(jobs, key=lambda k: detail(c, jobs[k])["startedAt"])
    # B has used nothing when "first" ends: its job goes next; then A's by priority
    assert detail(c, first)["startedAt"] < detail(c, jobs["other"])["startedAt"]
    assert started == ["other", "high", "mid", "low", "none"]


@pytest.mark.parametrize("queue_name, running", [("long", {"B": 8}), ("short", {"A": 4, "B": 4})])
def test_usage_decays_with_share_decay_seconds(lb, c, queue_name, running):
    """FairsharePolicy shareDecaySeconds: "The decay allows for more recently run jobs to have more weight
    than jobs that ran earlier"; the user guide's tutorial: a longer decay "can allow jobs using a share
    identifier to temporarily use more compute resources than the weight for that share identifier would
    allow if that share identifier had not recently been using compute resources"."""
    lb.set_outcome("burst*", duration=600)
    for i in range(8):
        submit(c, f"burst{i}", queue_name, "A")
    lb.advance(3600 + 610)  # A ran 8 vCPUs for 10 minutes, an hour ago
    lb.set_outcome("later*", duration=600)
    ids = {submit(c, f"later{share}{i}", queue_name, share): share for share in ("A", "B") for i in range(8)}
    lb.advance(5)
    assert collections.Counter(ids[j] for j, s in statuses(c, list(ids)).items() if s == "RUNNING") == running


def test_the_snapshot_lists_runnable_jobs_in_fair_share_order(lb, c):
    """GetJobQueueSnapshot frontOfQueue: "For fair-share scheduling (FSS) job queues, jobs are ordered based on
    their job priority and share usage"; the first ones listed are the first dispatched."""
    lb.set_outcome("fill*", duration=100)
    for i in range(8):
        submit(c, f"fill{i}", "fifo")
    lb.advance(5)
    ids = {}
    for share in ("teamA", "B"):  # B after teamA: a FIFO queue would list all of teamA first
        ids.update({submit(c, f"{share}{i}", "weighted", share): share for i in range(12)})
    lb.advance(5)
    snapshot = c.get_job_queue_snapshot(jobQueue="weighted")
    assert snapshot["frontOfQueue"]["lastUpdatedAt"] == lb.now
    listed = [j["jobArn"].rsplit("/", 1)[1] for j in snapshot["frontOfQueue"]["jobs"]]
    assert sorted(listed) == sorted(ids) and listed != list(ids)
    assert collections.Counter(ids[j] for j in listed[:8]) == {"teamA": 6, "B": 2}  # weights 1 and 3
    runnable_at = {j["jobArn"].rsplit("/", 1)[1]: j["earliestTimeAtPosition"] for j in snapshot["frontOfQueue"]["jobs"]}
    assert set(runnable_at.values()) == {lb.now - 4000}  # submitted, a second SUBMITTED, then RUNNABLE
    lb.advance(100)  # the fillers end together: eight places at once
    assert {j for j, s in statuses(c, list(ids)).items() if s in ("STARTING", "RUNNING")} == set(listed[:8])
    assert front(c, "weighted") == [j for j in listed[8:] if j in front(c, "weighted")]


def test_compute_reservation_keeps_room_for_shares_not_yet_active(lb, c):
    """FairsharePolicy computeReservation: "The reserved ratio is (computeReservation/100)^ActiveFairShares
    ... a computeReservation value of 50 indicates that Batch reserves 50% of the maximum available vCPU if
    there's only one share identifier. It reserves 25% if there are two share identifiers"."""
    lb.set_outcome("*", duration=600)
    first = [submit(c, f"A{i}", "reserving", "A") for i in range(8)]
    lb.advance(10)
    assert collections.Counter(statuses(c, first).values()) == {"RUNNING": 4, "RUNNABLE": 4}  # 50% of 8 kept
    second = [submit(c, f"B{i}", "reserving", "B") for i in range(4)]
    lb.advance(10)
    assert collections.Counter(statuses(c, second).values()) == {"RUNNING": 2, "RUNNABLE": 2}  # now 25% kept
    assert collections.Counter(statuses(c, first).values()) == {"RUNNING": 4, "RUNNABLE": 4}


def test_a_job_that_can_never_run_holds_up_its_own_share_only(lb, c):
    """User guide, "Jobs stuck in a RUNNABLE status": the job at the head says why in statusReason
    (MISCONFIGURATION:COMPUTE_ENVIRONMENT_MAX_RESOURCE); on a fair-share queue "the scheduling policy
    determines the order that jobs are run in" and "the scheduler picks jobs with the lowest usage from the
    share identifier": another share's jobs go on."""
    huge = submit(c, "huge", "weighted", "teamA", definition="huge")
    behind = submit(c, "behind", "weighted", "teamA")
    others = [submit(c, f"other{i}", "weighted", "B") for i in range(3)]
    lb.advance(60)
    blocked = detail(c, huge)
    assert blocked["status"] == "RUNNABLE"
    assert blocked["statusReason"].startswith("MISCONFIGURATION:COMPUTE_ENVIRONMENT_MAX_RESOURCE - ")
    assert detail(c, behind)["status"] == "RUNNABLE"
    assert set(statuses(c, others).values()) == {"SUCCEEDED"}
    c.cancel_job(jobId=huge, reason="too big")
    lb.run_until_idle()
    assert detail(c, behind)["status"] == "SUCCEEDED"


def test_a_queue_takes_at_most_500_active_share_identifiers(lb, c):
    """CreateJobQueue schedulingPolicyArn: "Jobs queues with a fair-share scheduling policy can have a maximum
    of 500 active share identifiers. When the limit has been reached, submissions of any jobs that add a new
    share identifier fail."; the user guide: "After the period of time for decay expires, a share identifier
    is considered inactive"."""
    ids = [submit(c, f"s{i}", "crowded", f"s{i}") for i in range(500)]  # parked: they stay RUNNABLE
    rejected(lambda: submit(c, "late", "crowded", "s500"), "500 active share identifiers")
    submit(c, "again", "crowded", "s7")  # an active share takes more jobs
    c.cancel_job(jobId=ids[0], reason="done with s0")
    lb.advance(30)
    rejected(lambda: submit(c, "late", "crowded", "s500"), "500 active share identifiers")  # s0 within its decay
    lb.advance(40)  # shareDecaySeconds 60 have passed since s0's last job finished
    submit(c, "late", "crowded", "s500")


def test_reset_forgets_share_usage_and_restores_the_policies(lb, c):
    """batchkit's reset (DESIGN.md: "back to the seeded state"): what shares consumed, policy updates and
    replaced policies are the seed's again, so a test's fair-share order never depends on the one before."""
    lb.set_outcome("*", duration=600)
    for i in range(8):
        submit(c, f"burst{i}", "long", "A")
    lb.advance(700)
    c.update_scheduling_policy(arn=arn_of(c, "long-memory"), fairsharePolicy={"computeReservation": 90})
    c.update_job_queue(jobQueue="weighted", schedulingPolicyArn=arn_of(c, "spare"))
    lb.reset()
    (described,) = c.describe_scheduling_policies(arns=[arn_of(c, "long-memory")])["schedulingPolicies"]
    assert described["fairsharePolicy"]["shareDecaySeconds"] == 604_800
    assert c.describe_job_queues(jobQueues=["weighted"])["jobQueues"][0]["schedulingPolicyArn"] == arn_of(c, "weighted")
    lb.set_outcome("*", duration=600)
    ids = {submit(c, f"after{share}{i}", "long", share): share for share in ("A", "B") for i in range(8)}
    lb.advance(5)  # without the reset, A's hour-long memory would give B all eight places
    assert collections.Counter(ids[j] for j, s in statuses(c, list(ids)).items() if s == "RUNNING") == {"A": 4, "B": 4}
    assert c.get_job_queue_snapshot(jobQueue="long")["queueUtilization"]["fairshareUtilization"][
        "activeShareCount"] == 2
