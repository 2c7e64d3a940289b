"""Seed export (#27): an account (a running `batchkit serve`, a LocalBatch) as a seed that loads with no edits,
its jobs as history that `why`, `timeline` and `report` read as they read the source."""

import json
import os
import subprocess
import sys

import pytest
import yaml

import batchkit
import batchkit.local  # noqa: F401  (pytester restores sys.modules: load the heavy modules once)
import pandas  # noqa: F401
from batchkit import seedexport
from tests.shells import batch_shell

SECRET = "hunter2-correct-horse"  # never in an exported file
URL_SECRET = "s3cr3t-pw"
SOURCE_ACCOUNT = "210987654321"
CLI_ENV = {**os.environ, "AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local", "AWS_DEFAULT_REGION": "us-east-1"}
SMALL = [{"type": "VCPU", "value": "1"}, {"type": "MEMORY", "value": "512"}]
DB_DEFINITION = {"jobDefinitionName": "db-load", "type": "container",
                 "parameters": {"dsn": f"postgres://app:{URL_SECRET}@db:5432/app"},
                 "containerProperties": {"image": f"{SOURCE_ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/loader:1",
                                         "resourceRequirements": SMALL,
                                         "jobRoleArn": f"arn:aws:iam::{SOURCE_ACCOUNT}:role/prod-loader",
                                         "environment": [{"name": "DB_PASSWORD", "value": SECRET},
                                                         {"name": "MODE", "value": "full"}]}}


def scenario(**options) -> tuple[batchkit.local, dict]:
    """A person's scripted scenario on the demo seed: a retried failure, an array with failing children,
    a job whose dependency failed, a stuck GPU queue (its environment disabled), secrets, an old revision."""
    lb = batchkit.local(seed="demo", account=SOURCE_ACCOUNT, **options)
    b = lb.batch
    b.register_job_definition(**{**DB_DEFINITION, "containerProperties": {**DB_DEFINITION["containerProperties"],
                                                                          "command": ["old"]}})
    b.register_job_definition(**DB_DEFINITION)  # revision 2, the latest
    b.deregister_job_definition(jobDefinition="sleep:1")
    b.register_job_definition(jobDefinitionName="sleep", type="container",
                              containerProperties={"image": "busybox", "resourceRequirements": SMALL})
    lb.set_outcome("flaky", exit_code=[1, 3], reason="disk full", logs=["loading", f"password={SECRET} rejected",
                                                                         "OSError: disk full"])
    lb.set_outcome("shards", exit_code=2, index=[1, 3], reason="bad shard", logs=["reading shard", "KeyError: 'label'"])
    ids = {}
    ids["flaky"] = b.submit_job(jobName="flaky", jobQueue="HighPriority", jobDefinition="db-load",
                                retryStrategy={"attempts": 2}).jobId[0]
    ids["shards"] = b.submit_job(jobName="shards", jobQueue="HighPriority", jobDefinition="db-load",
                                 arrayProperties={"size": 5}).jobId[0]
    ids["after"] = b.submit_job(jobName="after", jobQueue="HighPriority", jobDefinition="sleep",
                                dependsOn=[{"jobId": ids["shards"]}],
                                containerOverrides={"command": ["echo", "merge"],
                                                    "environment": [{"name": "API_TOKEN", "value": SECRET}]}).jobId[0]
    ids["ok"] = b.submit_job(jobName="ok", jobQueue="LowPriority", jobDefinition="sleep").jobId[0]
    lb.run_until_idle()
    lb.advance(3600)
    b.update_compute_environment(computeEnvironment="gpu-ce", state="DISABLED")
    ids["stuck"] = b.submit_job(jobName="train-resnet", jobQueue="GPU", jobDefinition="train-gpu").jobId[0]
    ids["waiting"] = b.submit_job(jobName="evaluate", jobQueue="GPU", jobDefinition="train-gpu",
                                  dependsOn=[{"jobId": ids["stuck"]}]).jobId[0]
    lb.advance(600)
    return lb, ids


@pytest.fixture(scope="module")
def source():
    lb, ids = scenario()
    yield lb, ids
    lb.stop()


@pytest.fixture(scope="module")
def exported(source, tmp_path_factory):
    lb, _ = source
    path = tmp_path_factory.mktemp("export") / "scenario.yaml"
    seed = lb.batch.export_seed(path, jobs=True, logs=20, progress=False)
    copy = batchkit.local(seed=str(path))
    yield seed, path, copy
    copy.stop()


JOB_COLUMNS = ["jobId", "jobName", "status", "statusReason", "createdAt", "startedAt", "stoppedAt", "dependsOn"]


def finished_jobs(b):
    df = b.jobs(detail=True, children=True, status=["SUCCEEDED", "FAILED"])
    df = df.assign(dependsOn=df["dependsOn"].map(json.dumps),
                   exits=df["attemptDetails"].map(lambda a: json.dumps([(x.get("container") or {}).get("exitCode")
                                                                         for x in a] if isinstance(a, list) else None)))
    return df[JOB_COLUMNS + ["exits"]].sort_values("jobId").reset_index(drop=True)


# -- the checks ------------------------------------------------------------------------------------


@pytest.fixture
def served(tmp_path):
    """`batchkit serve` in a subprocess (manual clock) on the demo seed; its endpoint URL."""
    process = subprocess.Popen([sys.executable, "-m", "batchkit", "serve", "--port", "0", "--clock", "manual"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=CLI_ENV)
    try:
        yield process.stdout.readline().strip()
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_cli_export_from_batchkit_serve_loads_as_the_same_account_without_the_secret(served, tmp_path):
    remote = batchkit.connect(endpoint_url=served)
    remote.register_job_definition(**DB_DEFINITION)
    for name in ("a", "b", "c"):
        remote.submit_job(jobName=name, jobQueue="HighPriority", jobDefinition="db-load")
    out = tmp_path / "seed.yaml"
    done = subprocess.run([sys.executable, "-m", "batchkit", "seed", "export", "--endpoint-url", served, "--jobs",
                           "-o", str(out)], capture_output=True, text=True, env=CLI_ENV, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"{out}: 3 compute environments, 5 job queues, 5 job definitions")
    assert "secret value" in done.stdout  # the summary says what was masked
    text = out.read_text()
    assert SECRET not in text and URL_SECRET not in text
    assert text.startswith(f"# batchkit seed export of endpoint {served} (us-east-1) at ")

    copy = batchkit.local(seed=str(out))
    try:
        for listing, key in (("queues", "jobQueueName"), ("envs", "computeEnvironmentName")):
            assert sorted(getattr(copy.batch, listing)()[key]) == sorted(getattr(remote, listing)()[key])
        queue = copy.batch.queues().set_index("jobQueueName").loc["LowPriority"]
        assert [o["computeEnvironment"].rsplit("/", 1)[-1] for o in queue["computeEnvironmentOrder"]] == \
            ["spot-ce", "ondemand-ce"]
        latest = remote.definitions().groupby("jobDefinitionName")["revision"].max()
        assert sorted(copy.batch.definitions()["jobDefinitionName"]) == sorted(latest.index)
        assert len(copy.batch.jobs()) == len(remote.jobs())
        assert set(copy.batch.jobs()["jobId"]) == set(remote.jobs()["jobId"])  # unfinished ones kept their ids
    finally:
        copy.stop()


def test_a_local_scenario_round_trips_into_a_new_one_with_the_same_jobs(source, exported):
    lb, ids = source
    seed, _, copy = exported
    assert isinstance(seed, dict) and seed.summary
    mine, theirs = finished_jobs(lb.batch), finished_jobs(copy.batch)
    assert len(mine) == 3 + 4 + 5  # the demo's three, flaky/shards/after/ok, five shards
    pandas.testing.assert_frame_equal(mine, theirs)
    flaky = theirs.set_index("jobId").loc[ids["flaky"]]
    assert (flaky.status, json.loads(flaky.exits)) == ("FAILED", [1, 3])  # each attempt's exit code
    after, shards = copy.client.describe_jobs(jobs=[ids["after"], ids["shards"]])["jobs"]
    assert after["dependsOn"] == [{"jobId": ids["shards"]}]
    assert after["container"]["command"] == ["echo", "merge"]  # the job's override, not the definition's command
    assert shards["arrayProperties"]["statusSummary"] == {**dict.fromkeys(shards["arrayProperties"]["statusSummary"], 0),
                                                          "FAILED": 2, "SUCCEEDED": 3}
    # the unfinished ones keep their ids and are simulated again: still stuck behind the disabled environment
    stuck = copy.batch.describe_jobs(jobs=[ids["stuck"], ids["waiting"]]).set_index("jobId")
    assert stuck.loc[ids["stuck"], "status"] == "RUNNABLE" and stuck.loc[ids["waiting"], "status"] == "PENDING"


def test_why_timeline_and_report_agree_on_the_imported_history(source, exported, tmp_path):
    lb, ids = source
    _, _, copy = exported
    for name in ("flaky", "shards", "after"):
        assert copy.batch.why(ids[name]).attrs["summary"] == lb.batch.why(ids[name]).attrs["summary"], name
    assert "2 of 5 children failed: exit 2" in copy.batch.why(ids["shards"]).attrs["summary"]
    assert "its last log lines: reading shard | KeyError: 'label'" in copy.batch.why(ids["shards"]).attrs["summary"]
    assert copy.batch.why(ids["stuck"]).attrs["summary"].split(":")[0] == "RUNNABLE"
    assert "gpu-ce" in copy.batch.why(ids["stuck"]).attrs["summary"]
    finished = [ids["flaky"], ids["shards"], ids["after"], ids["ok"]]
    theirs, mine = copy.batch.timeline(finished, expand=True), lb.batch.timeline(finished, expand=True)
    assert theirs.to_json() == mine.to_json()
    there = copy.batch.report(tmp_path / "copy.html", since="7d").summary()
    here = lb.batch.report(tmp_path / "source.html", since="7d").summary()
    assert there == here


def test_secrets_are_masked_and_never_written(exported):
    seed, path, _ = exported
    text = path.read_text()
    assert SECRET not in text and URL_SECRET not in text
    db = next(d for d in seed["jobDefinitions"] if d["jobDefinitionName"] == "db-load")
    assert {"name": "DB_PASSWORD", "value": "****"} in db["containerProperties"]["environment"]
    assert {"name": "MODE", "value": "full"} in db["containerProperties"]["environment"]
    assert db["parameters"]["dsn"] == "postgres://app:****@db:5432/app"
    after = next(j for j in seed["jobs"] if j["jobName"] == "after")
    assert after["containerOverrides"]["environment"] == [{"name": "API_TOKEN", "value": "****"}]
    assert "4 secret values masked" in seed.summary


def test_account_bound_ids_are_placeholders_consistent_across_references(exported):
    seed, path, _ = exported
    text = path.read_text()
    assert SOURCE_ACCOUNT not in text
    envs = {e["computeEnvironmentName"]: e for e in seed["computeEnvironments"]}
    roles = {e["serviceRole"] for e in envs.values()}
    assert roles == {f"arn:aws:iam::{seedexport.ACCOUNT}:role/service-role-1"}  # one source role, one placeholder
    subnets = {name: e["computeResources"]["subnets"] for name, e in envs.items()}
    assert subnets["ondemand-ce"][0] == subnets["spot-ce"][0] == subnets["gpu-ce"][0]  # the same subnet
    assert subnets["spot-ce"][0] != subnets["spot-ce"][1]
    assert all(s.startswith("subnet-") and s[7:].strip("0") in "123456789" for s in sum(subnets.values(), []))
    db = next(d for d in seed["jobDefinitions"] if d["jobDefinitionName"] == "db-load")
    assert db["containerProperties"]["jobRoleArn"] == f"arn:aws:iam::{seedexport.ACCOUNT}:role/job-role-1"
    assert db["containerProperties"]["image"] == f"{seedexport.ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/loader:1"
    fair = next(q for q in seed["jobQueues"] if q["jobQueueName"] == "FairShare")
    assert fair["schedulingPolicyArn"].endswith(f":{seedexport.ACCOUNT}:scheduling-policy/teams")
    assert text.splitlines()[0].startswith("# batchkit seed export of local (in-memory, not AWS) (us-east-1) at ")


def test_placeholders_map_each_value_to_one_placeholder():
    places = seedexport.Placeholders("eu-west-1")
    assert places("subnet", "subnet-abc") == places("subnet", "subnet-abc") != places("subnet", "subnet-def")
    assert places.replace({"serviceRole": "arn:aws:iam::1:role/x"}) == places.replace({"serviceRole": "arn:aws:iam::1:role/x"})
    assert places.count == 3


def test_definitions_latest_revision_by_default_and_every_active_one_on_request(source, exported):
    lb, _ = source
    seed, _, _ = exported
    names = [d["jobDefinitionName"] for d in seed["jobDefinitions"]]
    assert sorted(names) == sorted(set(names)) and "db-load" in names
    assert "1 INACTIVE definition," in seed.summary and "1 older revision," in seed.summary
    every = lb.batch.export_seed(all_revisions=True, progress=False)
    assert [d["jobDefinitionName"] for d in every["jobDefinitions"]].count("db-load") == 2
    assert "older revisions" not in every.summary


def test_queues_limit_the_export_to_those_queues_and_what_they_use(source):
    lb, ids = source
    seed = lb.batch.export_seed(queues=["GPU"], jobs=True, progress=False)
    assert [q["jobQueueName"] for q in seed["jobQueues"]] == ["GPU"]
    assert [e["computeEnvironmentName"] for e in seed["computeEnvironments"]] == ["gpu-ce"]
    assert "schedulingPolicies" not in seed
    assert {j["jobId"] for j in seed["jobs"]} == {ids["stuck"], ids["waiting"]}
    with batchkit.local(seed=seed) as copy:
        assert copy.batch.describe_jobs(jobs=[ids["stuck"]]).iloc[0].status == "RUNNABLE"
    with pytest.raises(ValueError, match="no job queue named Nope"):
        lb.batch.export_seed(queues=["Nope"], progress=False)


def test_since_leaves_out_older_jobs_and_a_dependency_on_them(source):
    lb, ids = source
    seed = lb.batch.export_seed(jobs=True, since="30m", progress=False)
    kept = {j["jobId"] for j in seed["jobs"]}
    assert ids["stuck"] in kept and ids["flaky"] not in kept
    with batchkit.local(seed=seed) as copy:
        assert copy.batch.describe_jobs(jobs=[ids["waiting"]]).iloc[0].status == "PENDING"


def test_log_tails_travel_masked(source, exported):
    lb, ids = source
    seed, path, copy = exported
    flaky = next(j for j in seed["jobs"] if j["jobId"] == ids["flaky"])
    assert [e["message"] for e in flaky["logs"]] == ["loading", "password=**** rejected", "OSError: disk full"]
    assert list(copy.batch.logs(ids["flaky"])["message"]) == [e["message"] for e in flaky["logs"]]
    assert lb.batch.export_seed(jobs=True, progress=False)["jobs"][0].get("logs") is None  # only when asked


def test_a_seed_without_roles_or_policies_loads_in_strict_mode(tmp_path):
    plain = {"computeEnvironments": [{"computeEnvironmentName": "own", "type": "UNMANAGED", "unmanagedvCpus": 4}],
             "jobQueues": [{"jobQueueName": "q", "priority": 1,
                            "computeEnvironmentOrder": [{"order": 1, "computeEnvironment": "own"}]}],
             "jobDefinitions": [{"jobDefinitionName": "d", "type": "container",
                                 "containerProperties": {"image": "busybox", "resourceRequirements": SMALL}}],
             "jobs": [{"jobName": "j", "jobQueue": "q", "jobDefinition": "d"}]}
    with batchkit.local(seed=plain) as lb:
        lb.run_until_idle()
        seed = lb.batch.export_seed(tmp_path / "plain.yaml", jobs=True, progress=False)
    with batchkit.local(seed=str(seed.path), strict=True) as copy:
        assert copy.batch.jobs()["status"].tolist() == ["SUCCEEDED"]


def test_json_and_too_large_yaml(source, tmp_path, monkeypatch):
    lb, _ = source
    seed = lb.batch.export_seed(tmp_path / "seed.json", progress=False)
    assert json.loads((tmp_path / "seed.json").read_text()) == dict(seed)
    monkeypatch.setattr(seedexport, "MAX_YAML", len((tmp_path / "seed.json").read_text()) + 1000)
    lb.batch.export_seed(tmp_path / "jobs.yaml", jobs=True, logs=20, progress=False)  # the jobs make it too large
    assert yaml.safe_load((tmp_path / "jobs.yaml").read_text())["jobs"] == "jobs.jobs.jsonl"
    monkeypatch.setattr(seedexport, "MAX_YAML", 100)
    with pytest.raises(ValueError, match=r"more than a YAML seed may be .*export to a \.json file"):
        lb.batch.export_seed(tmp_path / "big.yaml", progress=False)
    assert not (tmp_path / "big.yaml").exists()
    monkeypatch.setattr(seedexport, "MAX_JSON", 100)
    with pytest.raises(ValueError, match=r"more than a JSON seed may be \(0 MiB\): export to a \.yaml file"):
        lb.batch.export_seed(tmp_path / "big.json", progress=False)
    assert not (tmp_path / "big.json").exists()


# -- history entries: what they may now hold ---------------------------------------------------------------


@pytest.mark.parametrize("children, message", [
    ([{"index": 5, "status": "FAILED"}], "index 5 is not a child's index"),
    ([{"index": 0, "status": "FAILED"}, {"index": 0, "status": "FAILED"}], "index 0 is not a child's index"),
    ([{"index": 0}], "is not a child with a status"),
    ([{"index": 0, "status": "RUNNING"}], "a seeded job's status is SUCCEEDED or FAILED"),
    ("all", "a list of the array's children"),
])
def test_bad_array_children_in_a_seed_are_one_line_errors(children, message):
    seed = {"jobs": [{"jobName": "a", "jobQueue": "HighPriority", "jobDefinition": "sleep", "status": "FAILED",
                      "arrayProperties": {"size": 2}, "children": children}]}
    with pytest.raises(ValueError) as caught:
        batchkit.local(seed={**yaml.safe_load(open(batchkit.local.__file__.replace("__init__.py", "seeds/demo.yaml"))),
                             **seed})
    assert message in str(caught.value) and "\n" not in str(caught.value)


def test_a_simulated_seed_job_may_keep_its_id_and_nothing_else_of_its_state():
    with pytest.raises(ValueError, match="stoppedAt need a status"):
        batchkit.local(seed={"jobs": [{"jobName": "a", "jobQueue": "q", "jobDefinition": "d", "jobId": "x",
                                       "stoppedAt": 5}]})
    with pytest.raises(ValueError, match=r"jobs\[0\] \(a\): jobId 5: a job id is a string"):
        batchkit.local(seed={"jobs": [{"jobName": "a", "jobQueue": "q", "jobDefinition": "d", "jobId": 5}]})


# -- the magic, the plugin ---------------------------------------------------------------------------------


def test_seed_export_magic_writes_the_file_and_refuses_bad_lines(tmp_path, capsys):
    from IPython.core.completer import provisionalcompleter
    from IPython.core.error import UsageError

    with batch_shell("local --speed 200") as ip:
        ip.run_line_magic("batch", "submit hello HighPriority sleep")
        out = tmp_path / "notebook.yaml"
        capsys.readouterr()
        assert ip.run_line_magic("batch", f"seed export -o {out} --jobs") is None
        printed = capsys.readouterr().out
        assert printed.startswith(f"{out}: 3 compute environments") and " jobs" in printed
        assert "hello" in {j["jobName"] for j in yaml.safe_load(out.read_text())["jobs"]}
        for line, words in (("seed export", "required: -o"), (f"seed export -o {out} --since 2h --jobs", "--yes"),
                            (f"seed export -o {out} --since 2h", "need --jobs"),
                            (f"seed import -o {out}", "no command 'import'")):
            with pytest.raises(UsageError) as caught:
                ip.run_line_magic("batch", line)
            assert words in str(caught.value) and "\n" not in str(caught.value), str(caught.value)
        assert ip.run_line_magic("batch", f"seed export -o {out} --yes") is None  # overwritten when asked
        assert "jobs" not in yaml.safe_load(out.read_text())
        with provisionalcompleter():  # --queues completes the live queue names, as --queue does elsewhere
            line = "%batch seed export --queues Hi"
            offered = [c.text for c in ip.Completer.completions(line, len(line))]
        assert offered == ["HighPriority"]
        capsys.readouterr()
        ip.run_line_magic("batch", "--help")
        assert "  seed       seed export -o FILE [--jobs]" in capsys.readouterr().out


def test_an_exported_scenario_is_a_pytest_seed(pytester, exported, source):
    _, path, _ = exported
    _, ids = source
    (pytester.path / "scenario.yaml").write_text(path.read_text())
    pytester.makepyfile(f"""
        import boto3
        import pytest

        @pytest.mark.batch_seed("scenario.yaml")
        def test_the_failed_run_is_there(batch):
            jobs = boto3.client("batch").describe_jobs(jobs=["{ids['flaky']}", "{ids['stuck']}"])["jobs"]
            assert {{j["jobName"]: j["status"] for j in jobs}} == {{"flaky": "FAILED", "train-resnet": "RUNNABLE"}}
            assert "disk full" in batch.batch.why("{ids['flaky']}").attrs["summary"]
    """)
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_the_yaml_file_reads_back_as_the_seed_whatever_the_text(tmp_path):
    tricky = ["tab\there", 'quotes "double" and \'single\'', "back\\slash", "emoji \U0001F680 and é", "nel\x85line",
              "del\x7f c1\x9b", "ls\u2028ps\u2029", "# not a comment", "- not a list", "1e5", "null", "yes", "{a: 1}"]
    with batchkit.local(seed="demo") as lb:
        lb.set_outcome("odd", logs=tricky)
        lb.batch.submit_job(jobName="odd", jobQueue="HighPriority", jobDefinition="sleep",
                            tags={"plain": "1e5", "when": "2026-01-01"}, parameters={"ratio": "0.5", "n": "007"})
        lb.run_until_idle()
        seed = lb.batch.export_seed(tmp_path / "odd.yaml", jobs=True, logs=20, progress=False)
    read = yaml.safe_load((tmp_path / "odd.yaml").read_text())
    assert read == dict(seed)
    odd = next(j for j in read["jobs"] if j["jobName"] == "odd")
    assert [e["message"] for e in odd["logs"]] == tricky
    assert seedexport._jobs_yaml([{"jobName": "x", "n": 1e20}]).startswith("jobs:\n- jobName: x\n")  # YAML, not JSON


def test_many_jobs_go_to_a_json_lines_table_beside_the_yaml(source, tmp_path, monkeypatch):
    lb, ids = source
    monkeypatch.setattr(seedexport, "INLINE_JOBS", 2)
    seed = lb.batch.export_seed(tmp_path / "many.yaml", jobs=True, progress=False)
    assert yaml.safe_load((tmp_path / "many.yaml").read_text())["jobs"] == "many.jobs.jsonl"
    lines = (tmp_path / "many.jobs.jsonl").read_text().splitlines()
    assert [json.loads(line) for line in lines] == seed["jobs"]
    with batchkit.local(seed=str(tmp_path / "many.yaml")) as copy:
        pandas.testing.assert_frame_equal(finished_jobs(copy.batch), finished_jobs(lb.batch))
        assert copy.batch.describe_jobs(jobs=[ids["stuck"]]).iloc[0].status == "RUNNABLE"


def test_a_long_export_shows_progress_and_describes_in_hundreds(capsys):
    jobs = [{"jobName": f"old-{i}", "jobQueue": "HighPriority", "jobDefinition": "sleep", "status": "SUCCEEDED",
             "createdAt": 1_760_000_000_000 + i, "stoppedAt": 1_760_000_100_000 + i} for i in range(350)]
    with batchkit.local(seed={**batchkit.local.seed.load("demo"), "jobs": jobs}) as lb:
        lb.calls.clear()
        seed = lb.batch.export_seed(jobs=True)
        described = [len(call.params["jobs"]) for call in lb.calls if call.operation == "DescribeJobs"]
    assert len(seed["jobs"]) == 350 and sorted(described) == [50, 100, 100, 100]
    assert "exporting jobs" in capsys.readouterr().err
    with pytest.raises(ValueError, match="since and logs need jobs=True"):
        lb.batch.export_seed(since="1h")


def test_cli_mistakes_are_one_line_errors(tmp_path, capsys):
    from batchkit.cli import main

    with batchkit.local(seed="demo", server=True) as lb:
        for argv, words in (([ "--queues", "Nope"], "batchkit: no job queue named Nope"),
                            (["-o", str(tmp_path / "missing" / "seed.yaml")], "batchkit: [Errno 2]")):
            default = ["-o", str(tmp_path / "seed.yaml")] if "-o" not in argv else []
            assert main(["seed", "export", "--endpoint-url", lb.endpoint_url, *argv, *default]) == 1
            err = capsys.readouterr().err
            assert err.startswith(words) and err.count("\n") == 1, err
        (tmp_path / "kept.yaml").write_text("jobQueues: []  # written by hand\n")
        assert main(["seed", "export", "--endpoint-url", lb.endpoint_url, "-o", str(tmp_path / "kept.yaml")]) == 1
        assert capsys.readouterr().err == f"batchkit: {tmp_path / 'kept.yaml'} exists: --force overwrites it\n"
        assert (tmp_path / "kept.yaml").read_text() == "jobQueues: []  # written by hand\n"
        assert main(["seed", "export", "--endpoint-url", lb.endpoint_url, "-o", str(tmp_path / "kept.yaml"),
                     "--force"]) == 0
        assert "HighPriority" in (tmp_path / "kept.yaml").read_text()
        with pytest.raises(SystemExit):
            main(["seed", "export", "--endpoint-url", lb.endpoint_url, "--since", "2h", "-o", str(tmp_path / "s.yaml")])
        assert "--since and --logs need --jobs" in capsys.readouterr().err
    assert not (tmp_path / "seed.yaml").exists() and not (tmp_path / "s.yaml").exists()
