"""pytest_batchkit, exercised the way downstream suites use it: through pytester."""

import shutil
from pathlib import Path

import pytest

# In-process pytester runs restore sys.modules afterwards, and numpy's C extension
# cannot be imported twice: load the heavy modules once, before any run.
import batchkit.local  # noqa: F401,E402
import pandas  # noqa: F401,E402

SAMPLE = Path(__file__).parent / "sample_project"

ONE_QUEUE = """
computeEnvironments: [{computeEnvironmentName: %(name)s-ce, type: UNMANAGED}]
jobQueues: [{jobQueueName: %(name)s, priority: 1, computeEnvironmentOrder: [{order: 1, computeEnvironment: %(name)s-ce}]}]
"""

QUEUE_NAMES = """
import boto3

def queue_names():
    return [q["jobQueueName"] for q in boto3.client("batch").describe_job_queues()["jobQueues"]]
"""


def seed_file(directory: Path, name: str) -> Path:
    path = directory / f"{name}.yaml"
    path.write_text(ONE_QUEUE % {"name": name})
    return path


def test_batch_reaches_boto3_clients_made_by_code_under_test_and_resets_between_tests(pytester):
    pytester.makepyfile("""
        import boto3

        def submit_report(name):  # code under test: plain boto3, no batchkit
            return boto3.client("batch").submit_job(jobName=name, jobQueue="HighPriority", jobDefinition="sleep")["jobId"]

        def test_first(batch):
            job_id = submit_report("report")
            batch.run_until_idle()
            assert batch.jobs(name="report")["status"].tolist() == ["SUCCEEDED"]
            assert batch.submitted(queue="HighPriority").names == ["report"]

        def test_second_starts_from_the_seed(batch, batch_client):
            assert batch.jobs(name="report").empty
            assert batch.calls == []
            assert batch_client.describe_job_queues()["jobQueues"]
    """)
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=2)


def test_fake_credentials_and_region_are_set_for_the_test_and_restored_after(pytester, monkeypatch):
    monkeypatch.setenv("AWS_PROFILE", "production")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    pytester.makepyfile("""
        import os

        def test_inside(batch):
            assert "AWS_PROFILE" not in os.environ
            assert os.environ["AWS_DEFAULT_REGION"] == "us-east-1"
            assert os.environ["AWS_ACCESS_KEY_ID"]

        def test_after():
            assert os.environ["AWS_PROFILE"] == "production"
            assert os.environ["AWS_DEFAULT_REGION"] == "eu-west-1"
    """)
    pytester.runpytest("-p", "no:cacheprovider", "-p", "no:randomly").assert_outcomes(passed=2)


def test_each_test_gets_a_fresh_default_session_with_the_fake_credentials(pytester):
    pytester.makepyfile("""
        import boto3
        import pytest

        seen = []

        @pytest.fixture(scope="module", autouse=True)
        def developer_session():  # made before the tests, with other credentials and region
            boto3.setup_default_session(aws_access_key_id="REAL", aws_secret_access_key="REAL", region_name="eu-west-1")

        @pytest.mark.parametrize("n", [1, 2])
        def test_inside(batch, n):
            client = boto3.client("batch")
            assert client.meta.region_name == "us-east-1"
            assert boto3.DEFAULT_SESSION.get_credentials().access_key == "testing"
            assert client.describe_job_queues()["jobQueues"]  # answered by the local backend
            from batchkit.local import sessions  # botocore's data parsed once per process, shared
            core = boto3.DEFAULT_SESSION._session
            assert core.get_component("data_loader") is sessions.local_data_loader(core.get_config_variable("data_path"))
            seen.append(boto3.DEFAULT_SESSION)

        def test_sessions_were_not_shared():
            assert len(seen) == 2 and seen[0] is not seen[1]
            assert boto3.DEFAULT_SESSION.get_credentials().access_key == "REAL"  # restored after each test
    """)
    pytester.runpytest("-p", "no:cacheprovider", "-p", "no:randomly").assert_outcomes(passed=3)


def test_batch_endpoint_serves_the_same_state_over_http(pytester):
    pytester.makepyfile("""
        import boto3

        def test_endpoint(batch, batch_endpoint):
            assert batch_endpoint.startswith("http://127.0.0.1:")
            job_id = batch.submit("from-test")
            remote = boto3.client("batch", endpoint_url=batch_endpoint)
            assert remote.describe_jobs(jobs=[job_id])["jobs"][0]["jobName"] == "from-test"
            remote.submit_job(jobName="over-http", jobQueue="LowPriority", jobDefinition="sleep")
            assert batch.submitted().names == ["over-http"]  # the test's own submit is not a call under test

        def test_endpoint_state_is_reset_too(batch_endpoint):
            remote = boto3.client("batch", endpoint_url=batch_endpoint)
            assert remote.list_jobs(jobQueue="LowPriority", filters=[{"name": "JOB_NAME", "values": ["over-http"]}])["jobSummaryList"] == []
    """)
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=2)


def test_seed_precedence_marker_then_command_line_then_ini_then_demo(pytester, monkeypatch):
    seeds = pytester.mkdir("seeds")
    for name in ("from-ini", "from-cli", "from-marker"):
        seed_file(seeds, name)
    pytester.makeini("[pytest]\nbatchkit_seed = seeds/from-ini.yaml\n")
    pytester.makepyfile(queues=QUEUE_NAMES)
    pytester.makepyfile(test_seeds="""
        import os, pytest
        from queues import queue_names

        EXPECTED = os.environ["EXPECTED_SUITE_QUEUE"]

        def test_suite_seed(batch):
            assert queue_names() == [EXPECTED]

        @pytest.mark.batch_seed("seeds/from-marker.yaml")
        def test_marker_wins(batch):
            assert queue_names() == ["from-marker"]

        @pytest.mark.batch_seed({"jobQueues": [], "computeEnvironments": []})
        def test_dict_seed(batch):
            assert queue_names() == []

        @pytest.mark.batch_seed("demo")
        class TestClassMarker:
            def test_demo(self, batch):
                assert "HighPriority" in queue_names()
    """)
    for expected, args in (("from-ini", ()), ("from-cli", ("--batchkit-seed", "seeds/from-cli.yaml"))):
        monkeypatch.setenv("EXPECTED_SUITE_QUEUE", expected)
        pytester.runpytest("-p", "no:cacheprovider", *args).assert_outcomes(passed=4)


def test_without_options_the_demo_seed_is_used(pytester):
    pytester.makepyfile(queues=QUEUE_NAMES)
    pytester.makepyfile(test_demo="""
        from queues import queue_names

        def test_demo(batch):
            assert sorted(queue_names()) == ["Backfill", "FairShare", "GPU", "HighPriority", "LowPriority"]
            assert len(batch.jobs()) == 3
    """)
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_module_marker_and_a_bad_seed_fail_with_one_line(pytester):
    pytester.makepyfile("""
        import pytest

        pytestmark = pytest.mark.batch_seed("missing.yaml")

        def test_uses_missing_seed(batch):
            pass
    """)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*batchkit: cannot seed with*missing.yaml*neither a built-in seed*"])
    assert "Traceback" not in result.stdout.str()


def test_the_guard_fails_a_test_that_reaches_for_real_aws(pytester):
    pytester.makepyfile("""
        import boto3

        def test_escapes(batch):
            boto3.client("batch", endpoint_url="https://batch.internal.example.com").list_jobs(jobQueue="q")
    """)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*request to batch.internal.example.com, outside this machine*"])


def test_a_failing_assertion_on_submitted_shows_what_was_submitted(pytester):
    pytester.makepyfile("""
        import boto3

        def test_wrong_queue(batch):
            client = boto3.client("batch")
            client.submit_job(jobName="nightly-etl", jobQueue="LowPriority", jobDefinition="etl",
                              containerOverrides={"command": ["run", "--fast"]})
            assert len(batch.submitted(queue="HighPriority")) == 1
    """)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*0 submitted with queue='HighPriority'*all 1 submitted*nightly-etl -> LowPriority (etl*--fast*"])


def test_factories_faults_and_lifecycle_controls(pytester):
    pytester.makepyfile("""
        import boto3, pytest
        from botocore.config import Config
        from botocore.exceptions import ClientError

        def test_factories(batch):
            queue = batch.make_queue(priority=5)
            definition = batch.make_job_definition(command=["echo", "hi"], vcpus=2, memory=1024)
            job_id = batch.submit("made", queue=queue, definition=definition, parameters={"x": "1"})
            batch.set_outcome("made", exit_code=2, duration=30)
            batch.advance(4)
            assert batch.jobs(name="made")["status"].tolist() == ["RUNNING"]
            batch.run_until_idle()
            job = batch.jobs(name="made", detail=True).iloc[0]
            assert (job["status"], job["exitCode"], job["vcpus"]) == ("FAILED", 2, 2.0)
            assert batch.calls == []  # factories are set-up, not calls under test

        def test_faults(batch):
            client = boto3.client("batch", config=Config(retries={"total_max_attempts": 1}))
            batch.faults.error("SubmitJob", status=500, times=1)
            with pytest.raises(ClientError, match="ServerException"):
                client.submit_job(jobName="x", jobQueue="HighPriority", jobDefinition="sleep")
            client.submit_job(jobName="x", jobQueue="HighPriority", jobDefinition="sleep")
            assert [c.status for c in batch.calls.of("submit-job")] == [500, 200]
            assert batch.submitted().names == ["x"]
    """)
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=2)


def test_tests_without_the_fixtures_are_not_intercepted(pytester):
    pytester.makepyfile("""
        import boto3
        from botocore.exceptions import EndpointConnectionError
        import pytest

        def test_uses_batch(batch):
            assert batch.jobs() is not None

        def test_does_not(monkeypatch):
            monkeypatch.setenv("AWS_ACCESS_KEY_ID", "x")
            monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "y")
            client = boto3.client("batch", region_name="us-east-1", endpoint_url="http://127.0.0.1:9")
            with pytest.raises(EndpointConnectionError):  # a real request: nobody answered for batchkit
                client.describe_job_queues()
    """)
    pytester.runpytest("-p", "no:cacheprovider", "-p", "no:randomly").assert_outcomes(passed=2)


def test_the_sample_project_passes_with_two_xdist_workers(pytester):
    shutil.copytree(SAMPLE, pytester.path, dirs_exist_ok=True)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-n", "2")
    result.assert_outcomes(passed=len([t for t in (SAMPLE / "test_pipeline.py").read_text().splitlines()
                                       if t.startswith("def test_")]))


POLLING = """
import asyncio
import time

import boto3

def wait_for_job(job_id, delay=30):  # code under test: the polling loop workflow tools use
    client = boto3.client("batch")
    while True:
        status = client.describe_jobs(jobs=[job_id])["jobs"][0]["status"]
        if status in ("SUCCEEDED", "FAILED"):
            return status
        time.sleep(delay)

async def wait_async(job_id, delay=30):
    client = boto3.client("batch")
    while client.describe_jobs(jobs=[job_id])["jobs"][0]["status"] != "SUCCEEDED":
        await asyncio.sleep(delay)
    return "SUCCEEDED"
"""


def test_polling_code_under_test_finishes_under_the_default_sleep_clock(pytester):
    pytester.makepyfile(polling=POLLING)
    pytester.makepyfile("""
        import asyncio
        import time

        import pytest

        from polling import wait_async, wait_for_job

        def test_time_sleep_passes_simulated_time(batch):
            started = time.monotonic()
            assert wait_for_job(batch.submit("etl")) == "SUCCEEDED"
            assert time.monotonic() - started < 10  # 30-second polls, no real waiting

        def test_asyncio_sleep_too(batch):
            assert asyncio.run(wait_async(batch.submit("etl"))) == "SUCCEEDED"

        def test_batch_wait_still_works(batch):
            assert batch.batch.wait([batch.submit("etl")], progress=False)["status"].tolist() == ["SUCCEEDED"]

        @pytest.mark.batch_clock("manual")
        def test_manual_clock_moves_only_when_told(batch):
            job_id = batch.submit("etl")
            before = batch.now
            time.sleep(0.01)
            assert batch.now == before
            batch.run_until_idle()
            assert batch.jobs(name="etl")["status"].tolist() == ["SUCCEEDED"]
    """)
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=4)


def test_realtime_clock_by_option_and_a_bad_clock_fails_with_one_line(pytester):
    pytester.makepyfile(polling=POLLING)
    pytester.makepyfile("""
        import pytest

        from polling import wait_for_job

        def test_realtime(batch):
            assert batch.clock.kind == "realtime" and batch.clock.speed == 500
            assert wait_for_job(batch.submit("etl"), delay=0.02) == "SUCCEEDED"

        @pytest.mark.batch_clock("sundial")
        def test_bad(batch):
            pass
    """)
    result = pytester.runpytest("-p", "no:cacheprovider", "--batchkit-clock", "realtime:500")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*clock must be one of sleep, manual, realtime*not sundial*"])
    assert "Traceback" not in result.stdout.str()


def test_a_client_made_when_the_code_under_test_is_imported_is_intercepted(pytester):
    pytester.makepyfile(pipeline="""
        import boto3

        CLIENT = boto3.client("batch", region_name="us-east-1")  # made at import, during collection
    """)
    pytester.makepyfile("""
        from pipeline import CLIENT

        def test_module_level_client(batch):
            assert {q["jobQueueName"] for q in CLIENT.describe_job_queues()["jobQueues"]} >= {"HighPriority"}
    """)
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_other_local_batches_run_beside_the_fixture(pytester):
    pytester.makepyfile("""
        import batchkit

        def test_beside(batch):
            with batchkit.local(seed="empty", clock="realtime", server=True) as other:
                assert other.client.describe_job_queues()["jobQueues"] == []
                assert batch.client.describe_job_queues()["jobQueues"]
                assert other.account != batch.account
    """)
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


@pytest.mark.aiobotocore
def test_aiobotocore_clients_reach_the_fixture(pytester):
    pytest.importorskip("aiobotocore")
    pytester.makepyfile("""
        import asyncio

        from aiobotocore.session import get_session

        async def deferred(job_id):  # what Airflow's deferrable operators do (through aiobotocore)
            async with get_session().create_client("batch") as client:
                while (await client.describe_jobs(jobs=[job_id]))["jobs"][0]["status"] != "SUCCEEDED":
                    await asyncio.sleep(30)
                return "SUCCEEDED"

        def test_deferrable(batch):
            assert asyncio.run(deferred(batch.submit("etl"))) == "SUCCEEDED"
    """)
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


@pytest.mark.parametrize("option", ["--batchkit-seed", "--batchkit-clock"])
def test_the_option_is_documented_in_help(pytester, option):
    pytester.runpytest("--help").stdout.fnmatch_lines([f"*{option}*"])


MOTO_TESTS = """
import boto3
from moto import mock_aws


def make_queue(batch, name):
    iam = boto3.client("iam", region_name="us-east-1")
    role = iam.create_role(RoleName=name, AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    env = batch.create_compute_environment(computeEnvironmentName=name, type="UNMANAGED", serviceRole=role)
    batch.create_job_queue(jobQueueName=name, priority=1, state="ENABLED",
                           computeEnvironmentOrder=[{"order": 1, "computeEnvironment": env["computeEnvironmentArn"]}])


@mock_aws
def test_moto_batch_starts_empty_and_keeps_its_own():
    batch = boto3.client("batch", region_name="us-east-1")
    assert batch.describe_job_queues()["jobQueues"] == []
    make_queue(batch, "moto-queue")
    assert [q["jobQueueName"] for q in batch.describe_job_queues()["jobQueues"]] == ["moto-queue"]


def test_moto_s3_and_sts_in_a_context_manager():
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="coexist")
        assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["coexist"]
        assert boto3.client("sts", region_name="us-east-1").get_caller_identity()["Account"] == "123456789012"
"""

FIXTURE_TESTS = """
import boto3


def test_the_fixture_sees_its_seed_only(batch):
    names = {q["jobQueueName"] for q in boto3.client("batch").describe_job_queues()["jobQueues"]}
    assert "HighPriority" in names and "moto-queue" not in names
    job = boto3.client("batch").submit_job(jobName="j", jobQueue="HighPriority", jobDefinition="sleep")["jobId"]
    batch.run_until_idle()
    assert batch.jobs(name="j")["status"].tolist() == ["SUCCEEDED"]


def test_the_fixture_after_a_reset(batch):
    assert batch.jobs(name="j").empty
"""


@pytest.mark.parametrize("order", [("test_moto.py", "test_fixture.py"), ("test_fixture.py", "test_moto.py")])
def test_moto_mock_aws_tests_and_the_batch_fixture_share_a_run_in_any_order(pytester, order):
    pytester.makepyfile(test_moto=MOTO_TESTS, test_fixture=FIXTURE_TESTS)
    pytester.runpytest("-p", "no:cacheprovider", *order).assert_outcomes(passed=4)
