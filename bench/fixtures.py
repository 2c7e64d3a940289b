"""pytest_batchkit's `batch` fixture against a hand-written moto fixture, on 200 generated tests.

Each test submits a job, advances the clock and asserts the job's status.  The
moto suite does what teams write by hand: session-scoped boto3 clients and,
per test, `mock_aws`, an IAM role and instance profile, a MANAGED compute
environment on the default subnet and security group, a queue and a job
definition.  Both suites run as `python -m pytest` subprocesses in the same run;
wall and CPU times include pytest's start-up for both.

Goal: the batchkit suite at least 30x faster (#26; 10x before).  Both suites also run as one test,
which is the start-up they share (Python, pytest, moto's import): beyond it, each test's cost is
compared too.
Run: python bench/fixtures.py [--tests 200] [--rounds 3]
"""

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BATCHKIT_TEST = '''
def test_job_{i}(batch):
    client = batch.client
    job_id = client.submit_job(jobName="job-{i}", jobQueue="HighPriority", jobDefinition="sleep")["jobId"]
    batch.run_until_idle()  # its instance launches, the image is pulled, it runs
    assert client.describe_jobs(jobs=[job_id])["jobs"][0]["status"] == "SUCCEEDED"
'''

MOTO_CONFTEST = '''
import boto3
import pytest
from moto import mock_aws


@pytest.fixture(scope="session")
def clients():
    return {name: boto3.client(name, region_name="us-east-1") for name in ("batch", "iam", "ec2")}


@pytest.fixture
def moto_batch(clients):
    with mock_aws(config={"batch": {"use_docker": False}}):
        iam, ec2, batch = clients["iam"], clients["ec2"], clients["batch"]
        role = iam.create_role(RoleName="AWSBatchServiceRole", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        iam.create_role(RoleName="ecsInstanceRole", AssumeRolePolicyDocument="{}")
        profile = iam.create_instance_profile(InstanceProfileName="ecsInstanceRole")["InstanceProfile"]["Arn"]
        subnet = ec2.describe_subnets()["Subnets"][0]["SubnetId"]
        group = ec2.describe_security_groups()["SecurityGroups"][0]["GroupId"]
        batch.create_compute_environment(
            computeEnvironmentName="ondemand-ce", type="MANAGED", state="ENABLED", serviceRole=role,
            computeResources={"type": "EC2", "minvCpus": 0, "maxvCpus": 64, "instanceTypes": ["m5.large"],
                              "subnets": [subnet], "securityGroupIds": [group], "instanceRole": profile})
        batch.create_job_queue(jobQueueName="HighPriority", state="ENABLED", priority=100,
                               computeEnvironmentOrder=[{"order": 1, "computeEnvironment": "ondemand-ce"}])
        batch.register_job_definition(jobDefinitionName="sleep", type="container",
                                      containerProperties={"image": "busybox", "vcpus": 1, "memory": 512})
        yield batch
'''

MOTO_TEST = '''
def test_job_{i}(moto_batch):
    job_id = moto_batch.submit_job(jobName="job-{i}", jobQueue="HighPriority", jobDefinition="sleep")["jobId"]
    # moto has no clock: its jobs are finished when SubmitJob returns
    assert moto_batch.describe_jobs(jobs=[job_id])["jobs"][0]["status"] == "SUCCEEDED"
'''


def write_suite(directory: Path, test: str, tests: int, conftest: str = "") -> Path:
    directory.mkdir()
    (directory / "conftest.py").write_text(conftest)
    (directory / "test_generated.py").write_text("".join(test.format(i=i) for i in range(tests)))
    return directory


def run(directory: Path, tests: int) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one pytest run of the suite in `directory`."""
    cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    # bytecode cached as in any installed environment: this machine's PYTHONDONTWRITEBYTECODE would
    # recompile (and for batchkit, whose plugin pytest marks for assertion rewriting, re-rewrite) every run
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(directory)],
                          capture_output=True, text=True, cwd=directory, env=env)
    elapsed = time.perf_counter() - start
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0 or f"{tests} passed" not in done.stdout:
        sys.exit(f"{directory.name} suite failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return elapsed, (used.ru_utime + used.ru_stime) - (cpu.ru_utime + cpu.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tests", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_DEFAULT_REGION="us-east-1")
    os.environ.pop("AWS_PROFILE", None)
    with tempfile.TemporaryDirectory() as tmp:
        ours = write_suite(Path(tmp) / "batchkit_suite", BATCHKIT_TEST, args.tests)
        moto = write_suite(Path(tmp) / "moto_suite", MOTO_TEST, args.tests, MOTO_CONFTEST)
        # a suite of one test: the start-up both pay (Python, pytest, moto's import, the first backend)
        ours_one = write_suite(Path(tmp) / "batchkit_one", BATCHKIT_TEST, 1)
        moto_one = write_suite(Path(tmp) / "moto_one", MOTO_TEST, 1, MOTO_CONFTEST)
        run(moto, args.tests), run(ours, args.tests)  # warm-up: bytecode caches written
        run(moto_one, 1), run(ours_one, 1)
        print(f"load average at start: {os.getloadavg()[0]:.2f}")
        rounds, starts = [], []
        for _ in range(args.rounds):  # interleaved, so machine noise hits both alike
            rounds.append((run(moto, args.tests), run(ours, args.tests)))
            starts.append((run(moto_one, 1), run(ours_one, 1)))
    # CPU time too: on a shared machine the wall time also counts waiting for a core
    for i, kind in ((0, "wall"), (1, "CPU")):
        ratios = [slow[i] / fast[i] for slow, fast in rounds]
        slow, fast = (statistics.median(r[j][i] for r in rounds) for j in (0, 1))
        print(f"{args.tests} tests, {kind} time, median of {args.rounds} runs: hand-written moto fixture {slow:.2f} s, "
              f"batchkit's batch fixture {fast:.2f} s: {statistics.median(ratios):.1f}x faster "
              f"(min {min(ratios):.1f}x; goal >= 30x)")
    # what a test costs beyond the start-up, in CPU: the suite's time less the one-test suite's, per test
    per_test = [[(r[j][1] - start[j][1]) / (args.tests - 1) for r, start in zip(rounds, starts)] for j in (0, 1)]
    slow, fast = (statistics.median(p) for p in per_test)
    moto_start, ours_start = (statistics.median(start[j][1] for start in starts) for j in (0, 1))
    print(f"start-up (a one-test suite, CPU): moto {moto_start:.2f} s, batchkit {ours_start:.2f} s; each further test: "
          f"moto {slow * 1e3:.1f} ms, batchkit {fast * 1e3:.2f} ms: "
          f"{statistics.median(m / b for m, b in zip(*per_test)):.0f}x faster")
    print(f"load average at end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
