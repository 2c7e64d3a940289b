"""batchkit.local runs multi-node parallel (MNP) jobs as AWS Batch does: `multinode` definitions and
their node ranges, nodes `<id>#<n>` placed all or nothing, the main node's exit deciding the job,
retries of every node, per-node containers, logs and environment.  Each test cites the user guide
("Multi-node parallel jobs" and its subpages) or botocore's Batch model; in-process and over HTTP."""

import re

import pytest

import batchkit
from tests.conftest import rejected

NETWORK = {"subnets": ["subnet-1"], "securityGroupIds": ["sg-1"], "instanceRole": "ecsInstanceRole"}


def managed(name, kind="EC2", max_vcpus=8, state="ENABLED"):
    resources = {"type": kind, "minvCpus": 0, "maxvCpus": max_vcpus, **NETWORK}
    if not kind.startswith("FARGATE"):
        resources["instanceTypes"] = ["m5.large"]  # 2 vCPUs, 8 GiB
    return {"computeEnvironmentName": name, "type": "MANAGED", "state": state, "computeResources": resources}


def queue(name, env):
    return {"jobQueueName": name, "priority": 1, "computeEnvironmentOrder": [{"order": 1, "computeEnvironment": env}]}


def container(*command, vcpus=1, memory=512, **extra):
    return {"image": "busybox", "command": list(command), **extra,
            "resourceRequirements": [{"type": "VCPU", "value": str(vcpus)}, {"type": "MEMORY", "value": str(memory)}]}


def multinode(name, num_nodes=4, main=0, ranges=None, **extra):
    ranges = ranges or [{"targetNodes": "0:0", "container": container("mpirun", "train")},
                        {"targetNodes": "1:", "container": container("worker", environment=[
                            {"name": "ROLE", "value": "worker"}])}]
    return {"jobDefinitionName": name, "type": "multinode",
            "nodeProperties": {"numNodes": num_nodes, "mainNode": main, "nodeRangeProperties": ranges}, **extra}


SEED = {
    "computeEnvironments": [managed("ec2"), managed("spot", kind="SPOT", max_vcpus=16),
                            managed("fargate", kind="FARGATE", max_vcpus=4), managed("off", state="DISABLED")],
    "schedulingPolicies": [{"name": "shares", "fairsharePolicy": {}}],
    "jobQueues": [queue("mnp", "ec2"), queue("spot", "spot"), queue("fargate", "fargate"), queue("waiting", "off"),
                  queue("seeded", "ec2"), {**queue("shared", "ec2"), "schedulingPolicyArn": "shares"}],
    "jobDefinitions": [multinode("mpi"), multinode("closed", num_nodes=2, ranges=[
                           {"targetNodes": "0:1", "container": container("run")}]),
                       {"jobDefinitionName": "small", "type": "container", "containerProperties": container("true")}],
    # one that ran to the end while seeding, one that waits for its (disabled) environment
    "jobs": [{"jobName": "seeded", "jobQueue": "seeded", "jobDefinition": "mpi"},
             {"jobName": "parked", "jobQueue": "waiting", "jobDefinition": "mpi"}],
}


def submit(c, name="train", definition="mpi", queue="mnp", **kwargs):
    return c.submit_job(jobName=name, jobQueue=queue, jobDefinition=definition, **kwargs)["jobId"]


def described(c, *ids):
    found = {job["jobId"]: job for job in c.describe_jobs(jobs=list(ids))["jobs"]}
    return [found[i] for i in ids]


def detail(c, job_id):
    return described(c, job_id)[0]


def nodes(c, job_id, count=4):
    return described(c, *(f"{job_id}#{n}" for n in range(count)))


def statuses(c, job_id, count=4):
    """The job's status, then its nodes'."""
    return [job["status"] for job in described(c, job_id, *(f"{job_id}#{n}" for n in range(count)))]


def test_a_multinode_definition_is_checked_as_register_job_definition_does(lb, c):
    """RegisterJobDefinition type: "If the value is multinode, then nodeProperties is required ... If the
    job is run on Fargate resources, then multinode isn't supported"; NodeProperties.mainNode: "must be
    fewer than the number of nodes"; NodeRangeProperty.targetNodes: "Your accumulative node ranges must
    account for all nodes (0:n). You can nest node ranges"; user guide, "Node groups": "up to five
    distinct node groups", "all node groups ... must use the same instance type"."""
    def register(**overrides):
        body = {**multinode("bad"), **overrides}
        return lambda: c.register_job_definition(**body)

    def properties(**overrides):
        return {**multinode("bad")["nodeProperties"], **overrides}

    rejected(lambda: c.register_job_definition(jobDefinitionName="bad", type="multinode"), "nodeProperties is required")
    rejected(register(nodeProperties=properties(mainNode=4)), "fewer than the number of nodes")
    rejected(register(nodeProperties=properties(nodeRangeProperties=[
        {"targetNodes": "0:1", "container": container("a")}])), "account for all nodes")
    rejected(register(nodeProperties=properties(nodeRangeProperties=[
        {"targetNodes": "0:2", "container": container("a")}, {"targetNodes": "1:3", "container": container("b")}])),
        "overlap")
    rejected(register(nodeProperties=properties(numNodes=6, nodeRangeProperties=[
        {"targetNodes": f"{n}:{n}", "container": container("a")} for n in range(6)])), "up to 5 distinct node groups")
    rejected(register(nodeProperties=properties(nodeRangeProperties=[
        {"targetNodes": "0:9", "container": container("a")}])), "0:9")
    rejected(register(nodeProperties=properties(nodeRangeProperties=[{"targetNodes": "0:"}])), "container")
    rejected(register(nodeProperties=properties(nodeRangeProperties=[
        {"targetNodes": "0:0", "container": container("a", instanceType="m5.large")},
        {"targetNodes": "1:", "container": container("b", instanceType="c5.large")}])), "same instance type")
    rejected(register(platformCapabilities=["FARGATE"]), "multinode isn't supported")
    rejected(register(containerProperties=container("a")), "can't be used in addition to containerProperties")
    assert c.describe_job_definitions(jobDefinitionName="bad")["jobDefinitions"] == []  # nothing half-stored

    c.register_job_definition(**multinode("nested", ranges=[  # 2:2 nested in 0:3 overrides it for node 2
        {"targetNodes": "0:3", "container": container("all")}, {"targetNodes": "2:2", "container": container("two")}]))
    stored = c.describe_job_definitions(jobDefinitionName="nested")["jobDefinitions"][0]
    assert stored["type"] == "multinode" and stored["nodeProperties"]["numNodes"] == 4
    job = submit(c, definition="nested")
    lb.advance(2)  # RUNNABLE: its nodes exist
    assert [node["container"]["command"] for node in nodes(c, job)] == [["all"], ["all"], ["two"], ["all"]]


def test_submit_job_node_overrides_follow_their_three_conditions(lb, c):
    """NodeOverrides.numNodes: "There must be at least one node range in your job definition that has an
    open upper boundary ... The lower boundary of the node range ... must be fewer than the number of
    nodes specified in the override ... The main node index ... must be fewer than the number of nodes
    specified in the override"; SubmitJob nodeOverrides: "A list of node overrides ... that specify the
    node range to target and the container overrides for that node range"."""
    rejected(lambda: submit(c, definition="closed", nodeOverrides={"numNodes": 3}), "open upper boundary")
    rejected(lambda: submit(c, nodeOverrides={"numNodes": 1}), "lower boundary")
    rejected(lambda: submit(c, nodeOverrides={"nodePropertyOverrides": [{"targetNodes": "7:"}]}), "7:")
    rejected(lambda: submit(c, definition="small", nodeOverrides={"numNodes": 2}), "multi-node parallel")
    rejected(lambda: submit(c, arrayProperties={"size": 2}), "arrayProperties")

    job = submit(c, nodeOverrides={"numNodes": 6, "nodePropertyOverrides": [{"targetNodes": "5:5", "containerOverrides": {
        "command": ["worker", "--last"], "environment": [{"name": "ROLE", "value": "last"}]}}]})
    parent = detail(c, job)
    assert parent["nodeProperties"]["numNodes"] == 6 and parent["nodeProperties"]["mainNode"] == 0
    assert "container" not in parent  # the job's containers are its nodes'
    lb.advance(2)
    six = nodes(c, job, 6)
    assert [node["nodeDetails"] for node in six] == [{"nodeIndex": n, "isMainNode": n == 0} for n in range(6)]
    assert [node["container"]["command"] for node in six] == [["mpirun", "train"]] + [["worker"]] * 4 + [
        ["worker", "--last"]]
    assert six[5]["container"]["environment"] == [{"name": "ROLE", "value": "last"}]
    assert six[3]["container"]["environment"] == [{"name": "ROLE", "value": "worker"}]


def test_nodes_are_placed_all_or_nothing(lb, c):
    """User guide, "Multi-node parallel jobs": "Multi-node parallel job nodes are single-tenant"; "Job
    lifecycle for MNP jobs": "AWS Batch provisions the instance capacity that's required to run your job
    ... The main node is launched first ... When the main node reaches the RUNNING status ... the child
    nodes are launched".  Four m5.large fill maxvCpus 8: the job waits while another job holds one."""
    lb.set_outcome("holder", duration=400)
    lb.set_outcome("train", duration=600)
    holder, job = submit(c, "holder", "small"), submit(c)
    lb.advance(300)
    assert detail(c, holder)["status"] == "RUNNING"
    assert statuses(c, job) == ["RUNNABLE"] * 5
    assert "statusReason" not in detail(c, job)  # waiting for room, not blocked
    assert all(not node["attempts"] and "instanceType" not in node["container"] for node in nodes(c, job))
    ec2 = c.describe_compute_environments(computeEnvironments=["ec2"])["computeEnvironments"][0]
    assert ec2["computeResources"]["desiredvCpus"] == 2  # nothing launched for part of the job
    lb.advance(300)  # the holder has ended: its instance and three new ones, launching
    assert statuses(c, job) == ["RUNNABLE"] * 5
    lb.advance(70)
    assert statuses(c, job) == ["STARTING", "STARTING", "RUNNABLE", "RUNNABLE", "RUNNABLE"]
    lb.advance(50)
    assert statuses(c, job) == ["RUNNING"] * 5
    assert {node["container"]["instanceType"] for node in nodes(c, job)} == {"m5.large"}
    assert len({node["container"]["containerInstanceArn"] for node in nodes(c, job)}) == 4
    ec2 = c.describe_compute_environments(computeEnvironments=["ec2"])["computeEnvironments"][0]
    assert ec2["computeResources"]["desiredvCpus"] == 8


def test_a_job_whose_nodes_can_never_fit_blocks_with_the_services_reason(lb, c):
    """User guide, "Compute environment considerations for MNP": "Multi-node parallel jobs aren't supported
    on compute environments that use Spot Instances"; Fargate doesn't support them; JobDetail.statusReason:
    "MISCONFIGURATION:COMPUTE_ENVIRONMENT_MAX_RESOURCE - All compute environments have a maxVcpu setting that
    is smaller than the job requirements"."""
    too_many = submit(c, nodeOverrides={"numNodes": 5})  # five m5.large are 10 vCPUs, maxvCpus is 8
    on_spot, on_fargate = submit(c, queue="spot"), submit(c, queue="fargate")
    lb.advance(60)
    assert detail(c, too_many)["statusReason"].startswith("MISCONFIGURATION:COMPUTE_ENVIRONMENT_MAX_RESOURCE - ")
    for job in (on_spot, on_fargate):
        assert detail(c, job)["status"] == "RUNNABLE"
        assert detail(c, job)["statusReason"].startswith("MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT - ")
    c.cancel_job(jobId=too_many, reason="too big")
    big_node = submit(c, nodeOverrides={"nodePropertyOverrides": [{"targetNodes": "1:", "containerOverrides": {
        "resourceRequirements": [{"type": "VCPU", "value": "4"}]}}]})
    lb.advance(60)
    assert detail(c, big_node)["statusReason"].startswith("MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT - ")
    assert statuses(c, too_many) == ["FAILED"] * 5


def test_list_jobs_lists_a_jobs_nodes_by_status_page_by_page(lb, c):
    """ListJobs multiNodeJobId: "lists all nodes that are associated with the specified job"; jobStatus:
    "If you don't specify a status, only RUNNING jobs are returned"; JobSummary.nodeProperties: "The node
    properties for a single node in a job summary list"."""
    lb.set_outcome("train", duration=900)
    job = submit(c, nodeOverrides={"numNodes": 3})
    assert c.list_jobs(multiNodeJobId=job, jobStatus="RUNNABLE")["jobSummaryList"] == []  # no nodes before
    lb.advance(200)
    first = c.list_jobs(multiNodeJobId=job, maxResults=2)
    assert [s["jobId"] for s in first["jobSummaryList"]] == [f"{job}#0", f"{job}#1"]
    rest = c.list_jobs(multiNodeJobId=job, maxResults=2, nextToken=first["nextToken"])
    assert [s["jobId"] for s in rest["jobSummaryList"]] == [f"{job}#2"] and "nextToken" not in rest
    assert [s["nodeProperties"] for s in first["jobSummaryList"] + rest["jobSummaryList"]] == [
        {"isMainNode": n == 0, "numNodes": 3, "nodeIndex": n} for n in range(3)]
    paged = [s["jobId"] for page in c.get_paginator("list_jobs").paginate(
        multiNodeJobId=job, jobStatus="RUNNING", PaginationConfig={"PageSize": 1}) for s in page["jobSummaryList"]]
    assert paged == [f"{job}#{n}" for n in range(3)]
    assert c.list_jobs(multiNodeJobId=job, jobStatus="SUCCEEDED")["jobSummaryList"] == []
    assert c.list_jobs(multiNodeJobId="no-such-job")["jobSummaryList"] == []
    in_queue = c.list_jobs(jobQueue="mnp", jobStatus="RUNNING")["jobSummaryList"]
    assert [(s["jobId"], s["nodeProperties"]) for s in in_queue] == [(job, {"numNodes": 3})]  # not its nodes


def test_the_main_nodes_exit_decides_the_job_and_stops_the_other_nodes(lb, c):
    """User guide, "Job lifecycle for MNP jobs": "As individual nodes exit, they move to SUCCEEDED or FAILED
    ... If the main node exits, the job is considered finished, and all of the child nodes are stopped. If
    a child node dies, AWS Batch doesn't take any action on the other nodes"; "Multi-node parallel jobs":
    "The final job status ... is determined by the final job status of the main node"."""
    lb.set_outcome("train#0", exit_code=3, duration=120)
    lb.set_outcome("train#2", exit_code=1, duration=5)
    job = submit(c)
    lb.advance(230)
    assert statuses(c, job) == ["RUNNING", "RUNNING", "RUNNING", "FAILED", "RUNNING"]  # node 2 died alone
    lb.run_until_idle()
    parent, main, one, two, three = described(c, job, *(f"{job}#{n}" for n in range(4)))
    assert [j["status"] for j in (parent, main, one, two, three)] == ["FAILED"] * 5
    assert main["container"]["exitCode"] == 3 and two["container"]["exitCode"] == 1
    assert "exitCode" not in one["attempts"][0]["container"]  # stopped, not exited
    assert one["attempts"][0]["stoppedAt"] == main["stoppedAt"] == parent["stoppedAt"]
    # the job's started/stopped times, reason and exit come from its main node
    assert parent["startedAt"] == main["startedAt"] and parent["statusReason"] == main["statusReason"]
    assert parent["attempts"] == main["attempts"] and parent["attempts"][0]["container"]["exitCode"] == 3

    lb.set_outcome("fine", duration=60)  # every node's rule: the main node's exit stops the others first
    job = submit(c, "fine")
    lb.run_until_idle()
    assert statuses(c, job) == ["SUCCEEDED"] * 5


def test_the_timeout_applies_to_the_whole_job(lb, c):
    """User guide, "Job lifecycle for MNP jobs": "The timeout value specified in the attemptDurationSeconds
    parameter applies to the whole job and not to the nodes"; SubmitJob timeout: "If a job is terminated
    due to a timeout, it isn't retried"."""
    lb.set_outcome("train", duration=600)
    job = submit(c, timeout={"attemptDurationSeconds": 60}, retryStrategy={"attempts": 3})
    lb.run_until_idle()
    parent = detail(c, job)
    assert parent["status"] == "FAILED" and parent["statusReason"] == "Job attempt duration exceeded timeout"
    assert len(parent["attempts"]) == 1
    assert statuses(c, job)[1:] == ["FAILED"] * 4


def test_a_main_node_failure_retries_every_node(lb, c):
    """User guide, "Multi-node parallel jobs": "If you specify job retries, then a main node failure
    triggers another attempt; child node failures do not. Each new attempt of a multi-node parallel job
    updates the corresponding child nodes' attempts"; a reclaimed host ends an attempt with
    "Host EC2 (instance i-...) terminated." and evaluateOnExit decides."""
    lb.set_outcome("again#0", exit_code=[1, 0], duration=60)
    job = submit(c, "again", retryStrategy={"attempts": 2})
    lb.run_until_idle()
    parent, *four = described(c, job, *(f"{job}#{n}" for n in range(4)))
    assert parent["status"] == "SUCCEEDED"
    assert [a["container"]["exitCode"] for a in parent["attempts"]] == [1, 0]
    assert [(n["status"], len(n["attempts"])) for n in four] == [("SUCCEEDED", 2)] * 4

    lb.set_outcome("reclaimed", duration=300)
    retry = {"attempts": 2, "evaluateOnExit": [{"onStatusReason": "Host EC2*", "action": "RETRY"}]}
    job = submit(c, "reclaimed", retryStrategy=retry)
    lb.advance(250)
    assert statuses(c, job) == ["RUNNING"] * 5
    instance = lb.interrupt(f"{job}#3")  # a child node's host: that node fails, the job runs on
    assert detail(c, f"{job}#3")["statusReason"] == f"Host EC2 (instance {instance}) terminated."
    assert statuses(c, job) == ["RUNNING", "RUNNING", "RUNNING", "RUNNING", "FAILED"]
    lb.interrupt(f"{job}#0")  # the main node's host: every node tries again
    assert statuses(c, job) == ["RUNNABLE"] * 5
    lb.run_until_idle()
    assert statuses(c, job) == ["SUCCEEDED"] * 5 and len(detail(c, job)["attempts"]) == 2


def test_cancel_and_terminate_reach_every_node(lb, c):
    """CancelJob: jobs "in the SUBMITTED or PENDING or RUNNABLE state are cancelled"; TerminateJob: "Jobs
    that are in the STARTING or RUNNING state are terminated, which causes them to transition to FAILED";
    user guide: "If a child node dies, AWS Batch doesn't take any action on the other nodes"."""
    waiting = submit(c)
    lb.advance(5)
    c.cancel_job(jobId=waiting, reason="not today")
    assert statuses(c, waiting) == ["FAILED"] * 5
    assert {node["statusReason"] for node in nodes(c, waiting)} == {"not today"}

    lb.set_outcome("train", duration=900)
    running = submit(c)
    lb.advance(250)
    c.terminate_job(jobId=f"{running}#2", reason="one node")  # one node of a running job: that node only
    assert statuses(c, running) == ["RUNNING", "RUNNING", "RUNNING", "FAILED", "RUNNING"]
    c.terminate_job(jobId=running, reason="enough")
    assert statuses(c, running) == ["FAILED"] * 5
    assert [node["attempts"][-1]["statusReason"] for node in nodes(c, running)] == [
        "enough", "enough", "one node", "enough"]
    lb.set_outcome("next", duration=100)
    after = submit(c, "next")  # the four instances are free again: no launch, the image is there
    lb.advance(30)
    assert statuses(c, after) == ["RUNNING"] * 5


def test_each_node_writes_its_own_log_stream(lb, c):
    """ContainerDetail.logStreamName: "Each container attempt receives a log stream name when they reach
    the RUNNING status"; user guide, "Multi-node parallel jobs": "If you need the details for child nodes,
    describe each child node individually"."""
    lb.set_outcome("logs#0", logs=["main: all reduce"], duration=60)
    lb.set_outcome("logs#1", logs=["worker 1: ready"], duration=10)
    job = submit(c, "logs", nodeOverrides={"numNodes": 3})
    lb.run_until_idle()
    logs = lb.boto3_client("logs")
    parent, *three = described(c, job, *(f"{job}#{n}" for n in range(3)))
    streams = [node["container"]["logStreamName"] for node in three]
    assert len(set(streams)) == 3 and all(s.startswith("mpi/default/") for s in streams)
    assert parent["attempts"][0]["container"]["logStreamName"] == streams[0]  # the job's attempt is the main node's
    lines = [[e["message"] for e in logs.get_log_events(logGroupName="/aws/batch/job", logStreamName=s)["events"]]
             for s in streams]
    assert lines == [["main: all reduce"], ["worker 1: ready"], ["(simulated by batchkit.local) worker"]]


def test_reset_restores_seeded_multinode_jobs(lb, c):
    """A seed's multi-node parallel jobs keep their nodes across resets: a finished one as it was, one
    still waiting with its nodes RUNNABLE (ListJobs multiNodeJobId, DescribeJobs of <id>#<n>)."""
    done = c.list_jobs(jobQueue="seeded", jobStatus="SUCCEEDED")["jobSummaryList"][0]["jobId"]
    parked = c.list_jobs(jobQueue="waiting", jobStatus="RUNNABLE")["jobSummaryList"][0]["jobId"]
    assert statuses(c, done) == ["SUCCEEDED"] * 5
    assert len(c.list_jobs(multiNodeJobId=done, jobStatus="SUCCEEDED")["jobSummaryList"]) == 4
    for _ in range(2):
        assert statuses(c, parked) == ["RUNNABLE"] * 5
        extra = submit(c)
        c.update_compute_environment(computeEnvironment="off", state="ENABLED")
        lb.run_until_idle()
        assert statuses(c, parked) == ["SUCCEEDED"] * 5 and statuses(c, extra) == ["SUCCEEDED"] * 5
        lb.reset()
        assert c.describe_jobs(jobs=[extra, f"{extra}#0"])["jobs"] == []
        assert statuses(c, done) == ["SUCCEEDED"] * 5


def test_on_a_fair_share_queue_a_job_uses_its_nodes_vcpus_of_its_share(lb, c):
    """User guide, "Use share identifiers to identify workloads": the scheduler "tracks usage for each share
    identifier by using the (T * weightFactor) formula, where T is the vCPU usage over time"; GetJobQueueSnapshot
    fairshareUtilization: the shares using capacity now.  A multi-node job uses what its nodes ask for, once,
    until it ends, retries included."""
    def shares():
        found = c.get_job_queue_snapshot(jobQueue="shared")["queueUtilization"]["fairshareUtilization"]
        return {s["shareIdentifier"]: s["capacityUsage"][0]["quantity"] for s in found["topCapacityUtilization"]}

    lb.set_outcome("shared#0", exit_code=[1, 0], duration=60)
    job = submit(c, "shared", queue="shared", shareIdentifier="A", retryStrategy={"attempts": 2})
    lb.advance(180)
    assert statuses(c, job) == ["RUNNING"] * 5 and shares() == {"A": 4.0}
    lb.advance(70)  # the main node failed: every node runs again, and counts once
    assert statuses(c, job) == ["RUNNING"] * 5 and len(detail(c, job)["attempts"]) == 1
    assert shares() == {"A": 4.0}
    lb.run_until_idle()
    assert statuses(c, job) == ["SUCCEEDED"] * 5 and shares() == {}
    small = submit(c, "after", "small", queue="shared", shareIdentifier="A")  # the share is not held up
    lb.run_until_idle()
    assert detail(c, small)["status"] == "SUCCEEDED"


@pytest.fixture(scope="module", params=["in-process", "server"])
def executing(request):
    seed = {"computeEnvironments": [managed("ec2")], "jobQueues": [queue("mnp", "ec2")], "jobDefinitions": [
        multinode("env", num_nodes=3, ranges=[
            # the main node lives long enough (in real seconds: this executor times the command) for
            # the others to start: 2 s STARTING with no image pull
            {"targetNodes": "0:0", "container": container("sh", "-c", "env | grep ^AWS_BATCH_ | sort; sleep 2.2")},
            {"targetNodes": "1:", "container": container("sh", "-c", "env | grep ^AWS_BATCH_ | sort")}])]}
    with batchkit.local(seed=seed, server=request.param == "server", executor="subprocess", pull_seconds=0) as lb:
        yield lb


def test_each_node_sees_the_multinode_environment_variables(executing):
    """User guide, multi-node parallel jobs, "Environment variables": AWS_BATCH_JOB_MAIN_NODE_INDEX,
    AWS_BATCH_JOB_NODE_INDEX, AWS_BATCH_JOB_NUM_NODES; AWS_BATCH_JOB_MAIN_NODE_PRIVATE_IPV4_ADDRESS "is only
    set in multi-node parallel job child nodes ... isn't present on the main node"."""
    lb = executing
    lb.reset()
    c, logs = lb.client, lb.boto3_client("logs")
    job = submit(c, "env", "env")
    lb.run_until_idle()
    three = nodes(c, job, 3)
    assert [n["status"] for n in three] == ["SUCCEEDED"] * 3
    main_ip = three[0]["container"]["networkInterfaces"][0]["privateIpv4Address"]
    for index, node in enumerate(three):
        events = logs.get_log_events(logGroupName="/aws/batch/job", logStreamName=node["container"]["logStreamName"])
        env = dict(e["message"].split("=", 1) for e in events["events"])
        assert env["AWS_BATCH_JOB_NODE_INDEX"] == str(index)
        assert (env["AWS_BATCH_JOB_MAIN_NODE_INDEX"], env["AWS_BATCH_JOB_NUM_NODES"]) == ("0", "3")
        assert env["AWS_BATCH_JOB_ID"] == f"{job}#{index}" and env["AWS_BATCH_CE_NAME"] == "ec2"
        assert env.get("AWS_BATCH_JOB_MAIN_NODE_PRIVATE_IPV4_ADDRESS") == (None if index == 0 else main_ip)


def test_the_client_shows_a_multinode_job_and_its_nodes(lb):
    """What a user sees through `Batch`: ListJobs(multiNodeJobId=...) as a frame, `jobs(children=True)` with
    the nodes, and a job card with its nodes' progress and table (the user guide: "If you need the details
    for child nodes, describe each child node individually")."""
    b = lb.batch
    lb.set_outcome("train", duration=900)
    job = b.submit_job(jobName="train", jobQueue="mnp", jobDefinition="mpi")["jobId"].iloc[0]
    lb.advance(250)
    listed = b.list_jobs(multiNodeJobId=job, jobStatus="RUNNING")
    assert list(listed["jobId"]) == [f"{job}#{n}" for n in range(4)]
    shown = b.jobs(queue="mnp", children=True).batch.text()
    assert "train#3" in shown and "4 nodes" in shown
    card = b.job(job).batch.text()
    assert re.search(r"^  nodes +0/4 done · 4 running$", card, re.M) and re.search(r"^#0 \(main\) +RUNNING +m5.large", card, re.M)
    assert re.search(r"^  node +#2$", b.job(f"{job}#2").batch.text(), re.M)
