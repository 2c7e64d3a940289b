"""batchkit.local's costs, each as a ratio against a baseline measured in the same run.

(a) per-test cost: `lb.reset()` + a submit + a list, against a hand-written moto
    fixture that sets up the same seed (2 MANAGED environments, 3 queues, 3 job
    definitions) per test with session-scoped clients.  Goal: at least 20x faster.
(b) DescribeJobs of 100 ids with 100,000 jobs stored against 1,000 stored.
    Goal: at most 1.5x.
(c) 10,000 jobs from SubmitJob to SUCCEEDED on the manual clock, per job,
    against moto's own SubmitJob call.  Goal: at most 1.5x.
(d) reset after a test that submitted 5 jobs, with a seed of 10,000 finished
    jobs against the demo seed.  Goal: at most 3x.
(e) building the 10,000-job seed's snapshot (seeded history, in bulk) against
    what seeding did before: submitting those jobs one by one and simulating
    them to completion (logs included).  Goal: at most 0.1x.  The same seed as a
    JSON and as a YAML file: built by `reset(path)`, and a LocalBatch started on it.  CPU time.
(f) 100,000 jobs of mixed sizes on a 1,000-instance environment simulated to
    completion, per job, against 1,000 jobs on it.  Goal: at most 1.5x (flat).
(g) ListJobs of one status after (f): 5 SUBMITTED jobs, and RUNNING (none), with
    100,000 jobs stored against 1,000.  Goal: at most 1.5x.

Run: python bench/backend.py [--tests 30] [--big 100000] [--jobs 10000] [--history 10000] [--only f,g]
"""

import argparse
import os
import time

from timing import timed  # bench/ is the script directory

REGION = "us-east-1"


def demo_seed():
    from batchkit.local import seed

    return seed.load("demo")


# -- (a) per-test cost ---------------------------------------------------------------


def moto_fixture_test(clients, seed) -> None:
    """What a hand-written moto fixture does per test: fresh mock, IAM, network, the seed."""
    from moto import mock_aws

    batch, iam, ec2 = clients
    with mock_aws(config={"batch": {"use_docker": False}}):
        iam.create_role(RoleName="AWSBatchServiceRole", AssumeRolePolicyDocument="{}")
        iam.create_role(RoleName="ecsInstanceRole", AssumeRolePolicyDocument="{}")
        iam.create_instance_profile(InstanceProfileName="ecsInstanceRole")
        subnet = ec2.describe_subnets()["Subnets"][0]["SubnetId"]
        group = ec2.describe_security_groups()["SecurityGroups"][0]["GroupId"]
        for env in seed["computeEnvironments"]:
            resources = {**env["computeResources"], "subnets": [subnet], "securityGroupIds": [group],
                         "instanceTypes": ["m5.large"], "instanceRole": "ecsInstanceRole"}
            batch.create_compute_environment(**{**env, "computeResources": resources})
        for queue in seed["jobQueues"]:
            batch.create_job_queue(**queue)
        for definition in seed["jobDefinitions"]:
            batch.register_job_definition(**definition)
        batch.submit_job(jobName="t", jobQueue="HighPriority", jobDefinition="sleep")
        batch.list_jobs(jobQueue="HighPriority", jobStatus="SUCCEEDED")


def per_test_cost(tests: int) -> tuple[float, float]:
    import boto3

    import batchkit

    seed = demo_seed()
    clients = [boto3.client(name, region_name=REGION) for name in ("batch", "iam", "ec2")]
    moto_fixture_test(clients, seed)  # warm imports and moto's lazy loading alike
    moto = timed(lambda: moto_fixture_test(clients, seed), tests)
    with batchkit.local(seed="demo") as lb:
        client = lb.client

        def local_test():
            lb.reset()
            client.submit_job(jobName="t", jobQueue="HighPriority", jobDefinition="sleep")
            client.list_jobs(jobQueue="HighPriority", jobStatus="SUCCEEDED")

        local_test()
        local = timed(local_test, tests)
    return moto, local


# -- (b) DescribeJobs against the number of jobs stored ---------------------------------------


def describe_cost(stored: int, rounds: int) -> float:
    import batchkit

    with batchkit.local(seed="demo") as lb:
        backend = lb._backend
        queue = backend.get_job_queue("HighPriority")
        definition = backend.get_job_definition("sleep")
        with lb._runtime.lock:  # straight into the store: seeding is not what is measured
            ids = [backend.lifecycle.submit({"jobName": f"j{i}"}, queue, definition).id for i in range(stored)]
        sample = ids[:: max(1, stored // 100)][:100]
        lb.client.describe_jobs(jobs=sample)
        return timed(lambda: lb.client.describe_jobs(jobs=sample), rounds)


# -- (c) submit to SUCCEEDED, per job -----------------------------------------------------


def moto_submit_cost(jobs: int) -> float:
    import boto3
    from moto import mock_aws

    with mock_aws(config={"batch": {"use_docker": False}}):
        iam = boto3.client("iam", region_name=REGION)
        role = iam.create_role(RoleName="r", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        batch = boto3.client("batch", region_name=REGION)
        batch.create_compute_environment(computeEnvironmentName="bench-env", type="UNMANAGED", serviceRole=role)
        batch.create_job_queue(jobQueueName="bench-q", state="ENABLED", priority=1,
                               computeEnvironmentOrder=[{"order": 1, "computeEnvironment": "bench-env"}])
        batch.register_job_definition(jobDefinitionName="bench-def", type="container",
                                      containerProperties={"image": "x", "vcpus": 1, "memory": 64})
        start = time.perf_counter()
        for i in range(jobs):
            batch.submit_job(jobName=f"j{i}", jobQueue="bench-q", jobDefinition="bench-def")
        return (time.perf_counter() - start) / jobs


def local_lifecycle_cost(jobs: int) -> float:
    import batchkit

    with batchkit.local(seed=None) as lb:
        batch = lb.client
        batch.create_compute_environment(computeEnvironmentName="bench-env", type="UNMANAGED")
        batch.create_job_queue(jobQueueName="bench-q", priority=1, computeEnvironmentOrder=[{"order": 1, "computeEnvironment": "bench-env"}])
        batch.register_job_definition(jobDefinitionName="bench-def", type="container",
                                      containerProperties={"image": "x", "vcpus": 1, "memory": 64})
        start = time.perf_counter()
        ids = [batch.submit_job(jobName=f"j{i}", jobQueue="bench-q", jobDefinition="bench-def")["jobId"] for i in range(jobs)]
        lb.run_until_idle()
        elapsed = time.perf_counter() - start
        statuses = {j["status"] for j in batch.describe_jobs(jobs=ids[-100:])["jobs"]}
        assert statuses == {"SUCCEEDED"}, statuses
        return elapsed / jobs


# -- (d) and (e) big seeds ------------------------------------------------------------------


def history_seed(jobs: int) -> dict:
    """The demo seed with `jobs` finished jobs, as a team's recorded history."""
    seed = demo_seed()
    start = 1_760_000_000_000
    return {**seed, "jobs": [
        {"jobName": f"old-{i}", "jobQueue": "LowPriority", "jobDefinition": "etl", "status": "SUCCEEDED",
         "createdAt": start + i * 1000, "startedAt": start + i * 1000 + 200, "stoppedAt": start + i * 1000 + 900,
         "exitCode": 0, "logs": [f"row {i}"]} for i in range(jobs)]}


def reset_cost(seed, rounds: int) -> float:
    """Median reset after a test that submitted 5 jobs and let them run."""
    import batchkit

    with batchkit.local(seed=seed) as lb:
        def test_then_reset():
            for i in range(5):
                lb.client.submit_job(jobName=f"t{i}", jobQueue="HighPriority", jobDefinition="sleep")
            lb.advance(60)
            start = time.perf_counter()
            lb.reset()
            return time.perf_counter() - start

        test_then_reset()
        return sorted(test_then_reset() for _ in range(rounds))[rounds // 2]


def seeding_cost(jobs: int) -> tuple[float, float, dict]:
    """(seconds to build the history seed's snapshot, seconds to submit and run as many one by one,
    {"JSON"/"YAML": (seconds to build it from a seed file, to start a LocalBatch on that file)})."""
    import json
    import tempfile
    from pathlib import Path

    import yaml

    import batchkit

    clock = time.process_time  # CPU time: what other processes on the machine do meanwhile does not count
    seed = history_seed(jobs)
    with batchkit.local(seed="demo") as lb:
        start = clock()
        lb.reset(seed)
        bulk = clock() - start
        start = clock()
        for entry in seed["jobs"]:
            lb.client.submit_job(jobName=entry["jobName"], jobQueue=entry["jobQueue"], jobDefinition="etl")
        lb.run_until_idle()
        one_by_one = clock() - start
    files = {}
    with batchkit.local(seed="demo") as lb, tempfile.TemporaryDirectory() as tmp:
        for kind, write in (("JSON", json.dumps), ("YAML", yaml.safe_dump)):
            path = Path(tmp) / f"seed.{kind.lower()}"
            path.write_text(write(seed))
            start = clock()
            lb.reset(str(path))  # parsed, checked, seeded and snapshotted
            built = clock() - start
            start = clock()
            batchkit.local(seed=str(path)).stop()  # the same from a new LocalBatch (its start-up included)
            files[kind] = (built, clock() - start)
    return bulk, one_by_one, files


# -- (f) and (g) a big environment ------------------------------------------------------------

SIZES = [(1, 2048), (2, 4096), (4, 8192), (1, 512), (8, 16384)]  # vCPUs, MiB of the job definitions


def big_environment_cost(jobs: int, instances: int = 1_000) -> tuple[float, float, float]:
    """(seconds per job to simulate `jobs` to completion, then a ListJobs of 5 SUBMITTED jobs and
    one of the RUNNING ones, of which there are none)."""
    import batchkit

    with batchkit.local(seed="empty", launch_seconds=0, pull_seconds=0) as lb:
        c = lb.client
        c.create_compute_environment(computeEnvironmentName="big", type="MANAGED", computeResources={
            "type": "EC2", "minvCpus": 16 * instances, "maxvCpus": 16 * instances, "instanceTypes": ["m5.4xlarge"],
            "subnets": ["subnet-1"], "instanceRole": "ecsInstanceRole"})
        c.create_job_queue(jobQueueName="q", priority=1, computeEnvironmentOrder=[{"order": 1, "computeEnvironment": "big"}])
        for i, (vcpus, memory) in enumerate(SIZES):
            c.register_job_definition(jobDefinitionName=f"d{i}", type="container",
                                      containerProperties={"image": "x", "vcpus": vcpus, "memory": memory})
            lb.set_outcome(f"d{i}-*", duration=30 + 45 * i)
        backend = lb._backend
        queue, lifecycle = backend.get_job_queue("q"), backend.lifecycle
        definitions = [backend.get_job_definition(f"d{i}") for i in range(len(SIZES))]
        with lb._runtime.lock:  # straight into the store: the simulation is what is measured
            for i in range(jobs):
                lifecycle.submit({"jobName": f"d{i % len(SIZES)}-{i}"}, queue, definitions[i % len(SIZES)])
            start = time.perf_counter()
            lifecycle.run_until_idle()
            per_job = (time.perf_counter() - start) / jobs
        for i in range(5):
            c.submit_job(jobName=f"d0-late-{i}", jobQueue="q", jobDefinition="d0")
        submitted = timed(lambda: c.list_jobs(jobQueue="q", jobStatus="SUBMITTED"), 50)
        running = timed(lambda: c.list_jobs(jobQueue="q", jobStatus="RUNNING"), 50)
        return per_job, submitted, running


def main() -> None:
    os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_DEFAULT_REGION=REGION)
    os.environ.pop("AWS_PROFILE", None)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tests", type=int, default=30, help="simulated tests for (a)")
    parser.add_argument("--big", type=int, default=100_000, help="jobs stored for the large case of (b)")
    parser.add_argument("--jobs", type=int, default=10_000, help="jobs run for (c)")
    parser.add_argument("--history", type=int, default=10_000, help="seeded finished jobs for (d) and (e)")
    parser.add_argument("--only", default="a,b,c,d,e,f,g", help="which measurements, e.g. f,g")
    args = parser.parse_args()
    only = set(args.only.split(","))

    if "a" in only:
        moto, local = per_test_cost(args.tests)
        print(f"(a) per test: moto fixture {moto * 1000:.1f} ms, reset+submit+list {local * 1000:.2f} ms: "
              f"{moto / local:.0f}x faster (goal >= 20x)")

    if "b" in only:
        small, big = describe_cost(1_000, 50), describe_cost(args.big, 50)
        print(f"(b) DescribeJobs of 100 ids: {small * 1000:.2f} ms with 1,000 stored, {big * 1000:.2f} ms with "
              f"{args.big:,}: ratio {big / small:.2f} (goal <= 1.5)")

    if "c" in only:
        plain, ours = moto_submit_cost(args.jobs), local_lifecycle_cost(args.jobs)
        print(f"(c) per job: moto SubmitJob {plain * 1e6:.0f} us, submit to SUCCEEDED {ours * 1e6:.0f} us: "
              f"ratio {ours / plain:.2f} (goal <= 1.5)")

    if "d" in only:
        demo, big = reset_cost("demo", 50), reset_cost(history_seed(args.history), 50)
        print(f"(d) reset after 5 jobs: {demo * 1000:.2f} ms with the demo seed, {big * 1000:.2f} ms with "
              f"{args.history:,} seeded jobs: ratio {big / demo:.2f} (goal <= 3)")

    if "e" in only:
        bulk, one_by_one, files = seeding_cost(args.history)
        print(f"(e) {args.history:,} seeded jobs: snapshot built in {bulk:.2f} s, submitted and run one by one in "
              f"{one_by_one:.2f} s: ratio {bulk / one_by_one:.3f} (goal <= 0.1)")
        for kind, (built, started) in files.items():
            print(f"    from a {kind} seed file: built in {built:.2f} s: ratio {built / one_by_one:.3f} (goal <= 0.1); "
                  f"a LocalBatch started on it in {started:.2f} s: ratio {started / one_by_one:.3f}")

    if only & {"f", "g"}:
        small = min((big_environment_cost(1_000) for _ in range(3)), key=lambda r: r[0])
        large = min((big_environment_cost(args.big) for _ in range(2)), key=lambda r: r[0])
        print(f"(f) per job on 1,000 instances: {small[0] * 1e6:.1f} us with 1,000 jobs, {large[0] * 1e6:.1f} us with "
              f"{args.big:,}: ratio {large[0] / small[0]:.2f} (goal <= 1.5)")
        print(f"(g) ListJobs of 5 SUBMITTED jobs: {small[1] * 1000:.2f} ms with 1,000 stored, {large[1] * 1000:.2f} ms "
              f"with {args.big:,}: ratio {large[1] / small[1]:.2f}; of RUNNING (none): ratio {large[2] / small[2]:.2f} "
              f"(goal <= 1.5)")


if __name__ == "__main__":
    main()
