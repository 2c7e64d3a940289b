"""`Batch.search_logs` and `%batch logs ... --grep` on the local backend's manual clock, with real jobs
writing logs (`set_outcome(logs=...)`): the FilterLogEvents calls actually made are counted with a
botocore event hook on the Batch's own Logs client (at most 100 streams a call); every case runs in
process and through the LocalBatch's served endpoint (`batchkit.connect(endpoint_url=...)`); the local
Logs' filter patterns are checked with a plain boto3 client against the endpoint."""

import datetime
import json
import math
import time

import boto3
import pytest
from IPython.core.error import UsageError

import batchkit
from batchkit.local import logfilter
from tests.shells import batch_shell
from tests.test_local_scheduling import definition, managed, queue

SEED = {"computeEnvironments": [managed("ce", ["m5.24xlarge"], max_vcpus=4096)],
        "jobQueues": [queue("q", "ce")],
        "jobDefinitions": [definition("d"), definition("retried", retryStrategy={"attempts": 2}),
                           definition("own-group", containerProperties={
                               "image": "busybox", "command": ["true"],
                               "resourceRequirements": [{"type": "VCPU", "value": "1"}, {"type": "MEMORY", "value": "512"}],
                               "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "/team/jobs"}}}),
                           {"jobDefinitionName": "mpi", "type": "multinode", "nodeProperties": {
                               "numNodes": 3, "mainNode": 0, "nodeRangeProperties": [{"targetNodes": "0:", "container": {
                                   "image": "mpi", "resourceRequirements": [{"type": "VCPU", "value": "2"},
                                                                            {"type": "MEMORY", "value": "4000"}]}}]}}]}
LOCAL_OPTIONS = {"clock": "manual"}  # conftest's `local`, in process and served


@pytest.fixture
def b(lb, local_batch):
    return local_batch


@pytest.fixture
def filter_calls(b):
    """The FilterLogEvents requests `b` sends, as botocore is about to send them."""
    seen = []

    def record(params, **kwargs):
        seen.append(dict(params))

    b.logs_client.meta.events.register("before-parameter-build.cloudwatch-logs.FilterLogEvents", record)
    yield seen
    b.logs_client.meta.events.unregister("before-parameter-build.cloudwatch-logs.FilterLogEvents", record)


def submit(b, name, definition="d", **extra):
    return b.submit_job(jobName=name, jobQueue="q", jobDefinition=definition, **extra).loc[0, "jobId"]


def test_which_of_my_jobs_printed_memoryerror_is_one_line_and_a_handful_of_calls(lb, b, filter_calls):
    lb.set_outcome("crash-*", exit_code=1, duration=60, logs=["loading shard", "MemoryError: cannot allocate", "bye"])
    lb.set_outcome("crash-3", duration=60, logs=["loading shard", "done"])
    crashed = [submit(b, f"crash-{i}") for i in (0, 1, 2)]
    fine = submit(b, "crash-3")
    submit(b, "other")  # not asked about
    lb.run_until_idle()

    found = b.search_logs(b.jobs(name="crash*"), "MemoryError")

    assert sorted(found["jobId"]) == sorted(crashed)  # one row per job whose log has it
    assert set(found["message"]) == {"MemoryError: cannot allocate"}
    assert set(found["jobName"]) == {"crash-0", "crash-1", "crash-2"} and set(found["attempt"]) == {0}
    assert found.attrs["summary"] == "MemoryError: 3 of 4 jobs, 3 lines"
    assert found.attrs["searched"] == {"matched": found["jobId"].tolist(), "without": [fine], "no stream": []}
    assert len(filter_calls) == 1 and sorted(filter_calls[0]["logStreamNames"]) == sorted(
        b.describe_jobs(jobs=crashed + [fine])["container.logStreamName"])
    assert found.attrs["calls"] == 1 and found.attrs["operation"] == "FilterLogEvents"
    assert str(found["timestamp"].dt.tz) == "UTC"
    shown = found.batch.text()
    assert shown.startswith("MemoryError: 3 of 4 jobs, 3 lines\njob") and "crash-1" in shown
    assert f"backend: {b.label}" in shown  # the backend is labelled


def test_250_array_children_cost_three_calls_of_at_most_100_streams(lb, b, filter_calls):
    lb.set_outcome("shards", duration=30, logs=["working", "all good"])
    lb.set_outcome("shards", duration=30, logs=["working", "MemoryError", "MemoryError again"], index=[7, 120, 249])
    parent = submit(b, "shards", arrayProperties={"size": 250})
    lb.run_until_idle()

    found = b.search_logs(parent, "MemoryError", progress=False)

    assert found["jobId"].tolist() == [f"{parent}:{i}" for i in (7, 7, 120, 120, 249, 249)]
    assert found["arrayIndex"].tolist() == [7, 7, 120, 120, 249, 249]
    assert found["message"].tolist() == ["MemoryError", "MemoryError again"] * 3
    assert found.attrs["summary"] == "MemoryError: 3 of 250 jobs, 6 lines"
    assert len(filter_calls) == math.ceil(250 / 100) == found.attrs["calls"]
    assert all(len(call["logStreamNames"]) <= 100 for call in filter_calls)
    assert sum(len(call["logStreamNames"]) for call in filter_calls) == 250
    assert {call["logGroupName"] for call in filter_calls} == {"/aws/batch/job"}
    with_children = b.search_logs(b.jobs(name="shards", children=True), "MemoryError", progress=False)
    assert with_children.attrs["summary"] == found.attrs["summary"]  # children beside their parent count once


def test_a_multi_node_job_stands_for_its_nodes(lb, b):
    lb.set_outcome("ranks", duration=60, logs=["rank up", "NCCL error: unhandled system error"])
    lb.set_outcome("ranks#1", duration=60, logs=["rank up", "all fine"])
    job = submit(b, "ranks", "mpi")
    lb.run_until_idle()

    found = b.search_logs(job, '"NCCL error"')

    assert found["jobId"].tolist() == [f"{job}#0", f"{job}#2"]
    assert found.attrs["summary"] == '"NCCL error": 2 of 3 jobs, 2 lines'


def test_streams_are_grouped_by_log_group_and_pages_are_followed(lb, b, filter_calls, monkeypatch):
    lb.set_outcome("chatty*", duration=10, logs=[f"line {i} ERROR" for i in range(30)])
    ids = [submit(b, "chatty-a"), submit(b, "chatty-b", "own-group")]
    lb.run_until_idle()
    monkeypatch.setattr(logfilter, "MAX_LIMIT", 25)  # pages of 25 events: the 60 lines take three

    found = b.search_logs(ids, "ERROR")

    assert len(found) == 60 and found["jobId"].tolist() == [ids[0]] * 30 + [ids[1]] * 30
    assert found["message"].tolist()[:3] == ["line 0 ERROR", "line 1 ERROR", "line 2 ERROR"]
    assert sorted(found["logGroupName"].unique()) == ["/aws/batch/job", "/team/jobs"]
    groups = [call["logGroupName"] for call in filter_calls]
    assert sorted(set(groups)) == ["/aws/batch/job", "/team/jobs"]
    assert len(filter_calls) == 4 and sum(1 for call in filter_calls if "nextToken" in call) == 2


def test_attempts_last_first_or_every_one(lb, b):
    lb.set_outcome("flaky", exit_code=[1, 0], duration=60, logs=["MemoryError in attempt"])
    job = submit(b, "flaky", "retried")
    lb.run_until_idle()
    assert b.describe_jobs(jobs=[job]).loc[0, "attempts"] == 2

    assert b.search_logs(job, "MemoryError")["attempt"].tolist() == [1]  # the last, as b.logs reads it
    assert b.search_logs(job, "MemoryError", attempt=0)["attempt"].tolist() == [0]
    every = b.search_logs(job, "MemoryError", attempt=None)
    assert every["attempt"].tolist() == [0, 1] and every["logStreamName"].nunique() == 2
    assert "attempt" in every.batch.text().splitlines()[1]  # the view shows attempts once one is not the first
    none = b.search_logs(job, "MemoryError", attempt=5)
    assert none.empty and none.attrs["summary"] == "MemoryError: 0 of 1 job, 0 lines; 1 without a log stream yet"


def test_since_bounds_the_time_searched(lb, b):
    lb.set_outcome("early", duration=10, logs=["ERROR early"])
    lb.set_outcome("late", duration=10, logs=["ERROR late"])
    early = submit(b, "early")
    lb.run_until_idle()
    lb.advance(3 * 3600)
    middle = datetime.datetime.fromtimestamp(lb.batch.clock(), datetime.timezone.utc)  # the simulated now
    late = submit(b, "late")
    lb.run_until_idle()

    assert b.search_logs([early, late], "ERROR")["message"].tolist() == ["ERROR early", "ERROR late"]
    assert b.search_logs([early, late], "ERROR", since=middle)["message"].tolist() == ["ERROR late"]


def test_jobs_without_a_stream_are_counted_as_such(lb, b, filter_calls):
    lb.set_outcome("ran", duration=10, logs=["Traceback (most recent call last)"])
    ran = submit(b, "ran")
    lost = submit(b, "lost", "own-group")
    lb.run_until_idle()
    waiting = submit(b, "waiting")  # SUBMITTED: no attempt, no stream
    b.logs_client.delete_log_group(logGroupName="/team/jobs")  # its stream's group is gone

    found = b.search_logs([ran, lost, waiting], "Traceback")

    assert found["jobId"].tolist() == [ran]
    assert found.attrs["searched"] == {"matched": [ran], "without": [], "no stream": [lost, waiting]}
    assert found.attrs["summary"] == "Traceback: 1 of 3 jobs, 1 line; 2 without a log stream yet"
    assert len(filter_calls) == 2  # one per group: the missing group answers at once


def test_a_call_naming_a_missing_stream_is_split_until_it_is_found(lb, b, filter_calls):
    """Where a service refuses a whole call for one stream that does not exist (AWS does not document what
    it does), the other streams' lines are still found: the call is halved until the missing one is alone.
    The local Logs ignore missing streams, so the refusal is the service's answer given at botocore's
    before-call (the answer a server would send), for requests naming the deleted stream."""
    from botocore.awsrequest import AWSResponse

    lb.set_outcome("part-*", duration=10, logs=["ERROR in part"])
    ids = [submit(b, f"part-{i}") for i in range(3)]
    lb.run_until_idle()
    streams = b.describe_jobs(jobs=ids)["container.logStreamName"].tolist()
    b.logs_client.delete_log_stream(logGroupName="/aws/batch/job", logStreamName=streams[2])

    def refuse(params, **kwargs):
        if streams[2] in json.loads(params["body"]).get("logStreamNames", ()):
            error = {"Code": "ResourceNotFoundException", "Message": "The specified log stream does not exist."}
            return AWSResponse(params["url"], 400, {}, None), {"Error": error, "ResponseMetadata": {"HTTPStatusCode": 400}}
        return None

    b.logs_client.meta.events.register_first("before-call.cloudwatch-logs.FilterLogEvents", refuse)
    try:
        found = b.search_logs(ids, "ERROR")
    finally:
        b.logs_client.meta.events.unregister("before-call.cloudwatch-logs.FilterLogEvents", refuse)

    assert sorted(found["jobId"]) == sorted(ids[:2])
    assert found.attrs["searched"]["no stream"] == [ids[2]]
    assert [len(call["logStreamNames"]) for call in filter_calls] == [3, 1, 2, 1, 1]  # halved twice


def test_secrets_are_masked_and_control_characters_shown(lb, b):
    lb.set_outcome("leaky", duration=10, logs=["token=s3cr3t-value-42 ERROR", "ERROR \x1b[2Jcleared"])
    job = submit(b, "leaky", containerOverrides={"environment": [{"name": "API_TOKEN", "value": "s3cr3t-value-42"}]})
    lb.run_until_idle()

    found = b.search_logs(job, "ERROR")

    assert "s3cr3t-value-42" not in found["message"][0] and "ERROR" in found["message"][0]
    assert "s3cr3t-value-42" not in repr(found.attrs["responses"])
    assert "\x1b" not in found.batch.text() and "\x1b" not in found.batch.shown()._repr_html_()


def test_bad_input_is_one_line(lb, b):
    with pytest.raises(TypeError, match="jobs holds 5"):
        b.search_logs(5, "x")
    with pytest.raises(TypeError, match="pattern must be"):
        b.search_logs("some-id", None)
    with pytest.raises(ValueError, match="cannot read since"):
        b.search_logs("some-id", "x", since="soon")
    empty = b.search_logs([], "x")
    assert empty.empty and empty.attrs["summary"] == "x: 0 of 0 jobs, 0 lines"


PATTERNS = [  # AWS's filter pattern syntax for unstructured events -> the lines it matches
    ("MemoryError", ["MemoryError: boom", "builtins.MemoryError raised"]),
    ("Memory", []),  # a term is a whole word
    ("%Memory%", ["MemoryError: boom", "builtins.MemoryError raised", "NoMemoryErrors here"]),
    ('"out of memory"', ["Killed: out of memory"]),
    ("ERROR 500", ["ERROR 500 upstream"]),
    ("?WARN ?500", ["ERROR 500 upstream", "WARN slow"]),
    ("ERROR -500", ["ERROR 404 missing"]),
    ("error", []),  # case-sensitive
    ("", None),  # every line
]


@pytest.mark.parametrize("pattern, expected", PATTERNS)
def test_the_local_logs_read_awss_filter_patterns(lb, pattern, expected):
    lines = ["MemoryError: boom", "builtins.MemoryError raised", "NoMemoryErrors here", "Killed: out of memory",
             "ERROR 500 upstream", "ERROR 404 missing", "WARN slow"]
    logs = lb.boto3_client("logs") if lb.endpoint_url is None else boto3.client(
        "logs", region_name="us-east-1", endpoint_url=lb.endpoint_url, aws_access_key_id="k", aws_secret_access_key="s")
    logs.create_log_group(logGroupName="patterns")
    logs.create_log_stream(logGroupName="patterns", logStreamName="s")
    logs.put_log_events(logGroupName="patterns", logStreamName="s",
                        logEvents=[{"timestamp": int(time.time() * 1000) + i, "message": m} for i, m in enumerate(lines)])
    found = logs.filter_log_events(logGroupName="patterns", filterPattern=pattern)["events"]
    assert [e["message"] for e in found] == (lines if expected is None else expected)


def test_the_local_logs_refuse_what_aws_refuses_or_they_cannot_read(lb):
    logs = lb.boto3_client("logs")
    logs.create_log_group(logGroupName="g")
    for request, words in (({"logStreamNames": [f"s{i}" for i in range(101)]}, "length between 1 and 100"),
                           ({"filterPattern": "{ $.level = \"ERROR\" }"}, "not JSON or space-delimited"),
                           ({"filterPattern": "%[%"}, "invalid regex"),
                           ({"nextToken": "bogus"}, "nextToken is not valid")):
        with pytest.raises(logs.exceptions.InvalidParameterException, match=words):
            logs.filter_log_events(logGroupName="g", **request)
    with pytest.raises(logs.exceptions.ResourceNotFoundException):
        logs.filter_log_events(logGroupName="nothing-here")


# -- %batch logs ... --grep -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def ip():
    with batch_shell("local --speed 200") as shell:
        yield shell


def test_batch_logs_grep_searches_a_variable_or_ids(ip):
    magics = ip.magics_manager.registry["BatchMagics"]
    magics.b
    magics._local.reset()
    magics._local.set_outcome("grep-*", duration=0, logs=["MemoryError here", "fine"])
    ip.run_line_magic("batch", "submit grep-a HighPriority sleep")
    ip.run_line_magic("batch", "submit grep-b HighPriority sleep")
    ip.run_line_magic("batch", "-o shards jobs --name grep-*")
    ids = list(ip.user_ns["shards"]["jobId"])
    magics.b.wait(ids, progress=False)

    found = ip.run_line_magic("batch", "logs shards --grep MemoryError")
    assert sorted(found["jobId"]) == sorted(ids) and found.attrs["summary"].startswith("MemoryError: 2 of 2 jobs")
    by_ids = ip.run_line_magic("batch", f"logs {ids[0]} {ids[1]} --grep fine --since 1h --attempt all")
    assert len(by_ids) == 2 and set(by_ids["message"]) == {"fine"}
    ip.run_line_magic("batch", f"-o kept logs {ids[0]} --grep MemoryError")
    assert ip.user_ns["kept"]["jobId"].tolist() == [ids[0]]
    assert list(ip.run_line_magic("batch", f"logs {ids[0]}")["message"]) == ["MemoryError here", "fine"]  # unchanged

    for line, words in ((f"logs {ids[0]} {ids[1]}", "--grep PATTERN searches many"),
                        (f"logs {ids[0]} --grep x --tail 2", "leave out --tail"),
                        (f"logs {ids[0]} --grep x --since soon", "cannot read since"),
                        ("logs nothing_here_var --grep x --attempt two", "--attempt")):
        with pytest.raises(UsageError) as caught:
            ip.run_line_magic("batch", line)
        assert "\n" not in str(caught.value) and words in str(caught.value), str(caught.value)


# -- the console's All actions: SearchLogs ------------------------------------------------------------


def test_the_console_searches_logs_by_name_or_ids(lb, b):
    from batchkit import widgets

    lb.set_outcome("etl-*", duration=10, logs=["reading", "MemoryError while joining"])
    lb.set_outcome("etl-ok", duration=10, logs=["reading", "done"])
    ids = [submit(b, name) for name in ("etl-1", "etl-2", "etl-ok")]
    lb.run_until_idle()
    console = widgets.console(b, interval=None)
    try:
        assert "mpi:1" in console.definitions.table.value  # a multi-node definition (no container) shows too
        console.actions.choice.value = "SearchLogs"
        form = console.actions.form
        assert form.run() is None and "pattern" in form.status.value  # nothing filled in: one line
        form.pattern.value = "MemoryError"
        assert form.run() is None and "job ids or a job name" in form.status.value
        form.job_name.value = "etl-*"
        found = form.run()
        assert sorted(found["jobId"]) == sorted(ids[:2]) and found.attrs["summary"] == "MemoryError: 2 of 3 jobs, 2 lines"
        assert form.status.value == ""  # the frame below the form says it (its summary heads it)
        form.job_name.value, form.ids.value, form.attempt.value = "", " ".join(ids), None
        assert len(form.run()) == 2
        form.since.value = "whenever"
        assert form.run() is None and "cannot read since" in form.status.value
    finally:
        console.close()


# -- batchkit serve -------------------------------------------------------------------------------------


def test_batchkit_serve_answers_a_search_from_boto3(tmp_path):
    """`batchkit serve` in a subprocess, seeded with jobs that already ran (their logs in the seed): a Batch
    connected to its endpoint searches them; a plain boto3 Logs client filters the same streams."""
    import subprocess
    import sys

    seed = {**SEED, "jobs": [
        {"jobName": f"night-{i}", "jobQueue": "q", "jobDefinition": "d", "status": "FAILED" if i % 2 else "SUCCEEDED",
         "exitCode": i % 2, "logs": ["start", "MemoryError: cannot allocate" if i % 2 else "done"]} for i in range(6)]}
    (tmp_path / "seed.json").write_text(json.dumps(seed))
    process = subprocess.Popen([sys.executable, "-m", "batchkit", "serve", "--port", "0", "--clock", "manual",
                                "--seed", str(tmp_path / "seed.json")], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    try:
        endpoint = process.stdout.readline().strip()
        assert endpoint.startswith("http://127.0.0.1:"), process.stderr.read()
        b = batchkit.connect(region="us-east-1", endpoint_url=endpoint)
        found = b.search_logs(b.jobs(name="night-*"), "MemoryError")
        assert sorted(found["jobName"]) == ["night-1", "night-3", "night-5"]
        assert found.attrs["summary"] == "MemoryError: 3 of 6 jobs, 3 lines"
        logs = boto3.client("logs", region_name="us-east-1", endpoint_url=endpoint)
        streams = b.describe_jobs(jobs=list(found["jobId"]))["container.logStreamName"].tolist()
        events = logs.filter_log_events(logGroupName="/aws/batch/job", logStreamNames=streams,
                                        filterPattern="?MemoryError ?done")["events"]
        assert sorted(e["logStreamName"] for e in events) == sorted(streams)
    finally:
        process.terminate()
        process.wait(timeout=10)
