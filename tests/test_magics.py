"""%batch through a real IPython InteractiveShell, against the local backend."""

import json
import re
import shlex

import pandas as pd
import time

import pytest
from IPython.core.error import UsageError

from batchkit import catalog
from batchkit.magics import arguments
from tests.test_every_operation import request_for
from tests.shells import batch_shell

ROLE = "arn:aws:iam::123456789012:role/AWSBatchServiceRole"


@pytest.fixture(scope="module")
def ip():
    with batch_shell("local --speed 200") as shell:
        yield shell


@pytest.fixture
def magics(ip):
    magics = ip.magics_manager.registry["BatchMagics"]
    for name in ("display_rows", "show_tracebacks"):
        setattr(magics, name, magics.trait_defaults(name))
    magics.b  # connects: the local backend starts on first use
    magics._local.reset()
    return magics


def batch(ip, line, cell=None):
    if cell is None:
        return ip.run_line_magic("batch", line)
    return ip.run_cell_magic("batch", line, cell)


def usage_error(ip, line, *words):
    with pytest.raises(UsageError) as caught:
        batch(ip, line)
    message = str(caught.value)
    assert "\n" not in message
    for word in words:
        assert word in message, message
    return message


def cli_words(op, request) -> str:
    """A request as AWS CLI options: scalars plain, lists as repeated values, structures as JSON."""
    words = []
    for name, value in request.items():
        member = op.member(name)
        if member.type == "boolean":
            words.append(member.cli_name if value else "--no-" + member.cli_name[2:])
        elif member.type == "list" and not any(isinstance(v, (dict, list)) for v in value):
            words += [member.cli_name, *map(str, value)]
        elif isinstance(value, (dict, list)):
            words += [member.cli_name, json.dumps(value)]
        else:
            words += [member.cli_name, str(value)]
    return " ".join(shlex.quote(w) for w in words)


def known_names(ip):
    job_id = batch(ip, "submit existing HighPriority etl").loc[0, "jobId"]
    batch(ip, "create-compute-environment --compute-environment-name spare-env --type UNMANAGED --state DISABLED")
    batch(ip, "create-job-queue --job-queue-name SpareQueue --state DISABLED --priority 1 "
              "--compute-environment-order order=1,computeEnvironment=spot-ce")
    queue_arn = batch(ip, "queues").loc[0, "jobQueueArn"]
    policy = batch(ip, "create-scheduling-policy --name fair").loc[0, "arn"]
    batch(ip, "create-service-environment --service-environment-name spare-se --state DISABLED "
              "--service-environment-type SAGEMAKER_TRAINING --capacity-limits maxCapacity=1,capacityUnit=NUM_INSTANCES")
    batch(ip, "create-consumable-resource --consumable-resource-name licenses --total-quantity 2")
    share = batch(ip, "create-quota-share --quota-share-name spare-share --job-queue HighPriority --state DISABLED "
                      "--capacity-limits maxCapacity=1,capacityUnit=NUM_INSTANCES --resource-sharing-configuration "
                      "strategy=RESERVE --preemption-configuration inSharePreemption=DISABLED").loc[0, "quotaShareArn"]
    service_job = batch(ip, "submit-service-job --job-name trainer --job-queue HighPriority "
                            "--service-request-payload {} --service-job-type SAGEMAKER_TRAINING").loc[0, "jobId"]
    return {
        "serviceEnvironment": "spare-se", "consumableResource": "licenses", "quotaShareArn": share,
        "serviceJobId": service_job,
        "jobId": job_id, "jobs": [job_id], "reason": "generated test", "jobName": "generated",
        "jobQueue": "HighPriority", "jobDefinition": "etl:1", "jobDefinitionName": "generated",
        "jobQueueName": "GeneratedQueue", "computeEnvironmentName": "generated-env",
        "computeEnvironment": "ondemand-ce", "resourceArn": queue_arn, "tags": {"team": "ml"},
        "tagKeys": ["team"], "priority": 5, "arn": policy, "arns": [policy],
    }


# Where the generated request names the moto fixture's resources or needs more than its required members.
LOCAL_OVERRIDES = {
    "CreateComputeEnvironment": {"serviceRole": ROLE},
    "CreateJobQueue": {"computeEnvironmentOrder": [{"order": 1, "computeEnvironment": "ondemand-ce"}]},
    "DeleteComputeEnvironment": {"computeEnvironment": "spare-env"},
    "DeleteJobQueue": {"jobQueue": "SpareQueue"},
    "ListJobs": {"jobQueue": "HighPriority", "jobStatus": "SUCCEEDED"},
}


@pytest.mark.parametrize("name", list(catalog.operations()))
def test_every_operation_runs_through_batch(ip, magics, name):
    op = catalog.operation(name)
    known = known_names(ip)
    request = request_for(op, known)
    request.update(LOCAL_OVERRIDES.get(name, {}))
    if "ServiceJob" in name and "jobId" in request:
        request["jobId"] = known["serviceJobId"]
    line = f"{op.cli_name} {cli_words(op, request)} --yes"
    result = batch(ip, line)  # the local backend serves every operation
    assert result is None or isinstance(result, pd.DataFrame)
    if result is not None:
        assert result.attrs["operation"] == name and "not AWS" in result.attrs["backend"]


def test_a_documented_cli_line_works_verbatim(ip, magics):
    df = batch(ip, 'submit-job --job-name example --job-queue HighPriority --job-definition sleep '
                   '--array-properties size=3 --container-overrides \'{"command": ["echo", "hi"]}\' '
                   '--retry-strategy attempts=2 --parameters date=2026-01-01 --tags team=ml')
    job = batch(ip, f"job {df.loc[0, 'jobId']}").iloc[0]
    assert job["arrayProperties.size"] == 3 and job["retryStrategy.attempts"] == 2
    assert job["parameters"] == {"date": "2026-01-01"} and job["container.command"] == ["echo", "hi"]
    dependent = batch(ip, f"submit-job --job-name after --job-queue HighPriority --job-definition sleep "
                          f"--depends-on jobId={df.loc[0, 'jobId']},type=SEQUENTIAL")
    assert len(dependent) == 1


def test_cell_body_is_the_request_in_json_or_yaml(ip, magics):
    yaml_df = batch(ip, "submit-job", "jobName: from-yaml\njobQueue: HighPriority\njobDefinition: sleep\n")
    json_df = batch(ip, "submit-job --job-name overridden",
                    '{"jobName": "from-json", "jobQueue": "LowPriority", "jobDefinition": "etl"}')
    assert (yaml_df.loc[0, "jobName"], json_df.loc[0, "jobName"]) == ("from-yaml", "overridden")
    with pytest.raises(UsageError, match="not valid JSON or YAML"):
        batch(ip, "submit-job", "jobName: [unclosed")


def test_cli_input_json_and_yaml_take_literals_files_and_variables(ip, magics, tmp_path):
    request = {"jobName": "from-input", "jobQueue": "HighPriority", "jobDefinition": "sleep"}
    path = tmp_path / "request.json"
    path.write_text(json.dumps(request))
    ip.user_ns["req"] = request
    for line in (f"submit-job --cli-input-json {shlex.quote(json.dumps(request))}",
                 f"submit-job --cli-input-json file://{path}", "submit-job --cli-input-yaml req"):
        assert batch(ip, line).loc[0, "jobName"] == "from-input"


def test_out_stores_the_frame_and_shows_nothing(ip, magics):
    assert batch(ip, "queues -o queues_df") is None
    assert list(ip.user_ns["queues_df"]["jobQueueName"]) == ["HighPriority", "LowPriority", "Backfill", "GPU", "FairShare"]


def test_python_values_expand_as_in_ipython(ip, magics):
    ip.user_ns["queue_name"] = "LowPriority"
    cell = ip.run_cell("%batch submit expanded $queue_name {'sl' + 'eep'} -o expanded")
    assert cell.success, cell.error_in_exec
    job = batch(ip, f"job {ip.user_ns['expanded'].loc[0, 'jobId']}").iloc[0]
    assert (job["queue"], job["definition"]) == ("LowPriority", "sleep:1")


def test_submit_alias_builds_the_request(ip, magics):
    parent = batch(ip, "submit first HighPriority sleep").loc[0, "jobId"]
    df = batch(ip, f"submit shards HighPriority sleep --array 4 --env STAGE=dev --vcpus 2 --memory 2048 "
                   f"--retries 3 --timeout 600 --depends-on {parent} --parameter day=mon -- python run.py --fast")
    job = batch(ip, f"job {df.loc[0, 'jobId']}").iloc[0]
    assert job["container.command"] == ["python", "run.py", "--fast"]
    assert {"name": "STAGE", "value": "dev"} in job["container.environment"]
    assert (job["vcpus"], job["memory"], job["arrayProperties.size"]) == (2.0, 2048, 4)
    assert job["retryStrategy.attempts"] == 3 and job["timeout.attemptDurationSeconds"] == 600
    assert job["dependsOn"] == [{"jobId": parent}] and job["parameters"]["day"] == "mon"


def test_jobs_job_logs_wait_and_listing_aliases(ip, magics):
    magics._local.set_outcome("talky", logs=["one", "two", "three"], duration=0)
    ids = [batch(ip, "submit talky HighPriority sleep").loc[0, "jobId"] for _ in range(2)]
    ip.user_ns["ids"] = ids
    done = batch(ip, "wait ids --timeout 60")
    assert list(done["status"]) == ["SUCCEEDED", "SUCCEEDED"]
    assert list(batch(ip, f"logs {ids[0]} --tail 2")["message"]) == ["two", "three"]
    assert set(batch(ip, "jobs --name talky --status SUCCEEDED")["jobId"]) == set(ids)
    assert len(batch(ip, "jobs --queue HighPriority --detail")) >= 3
    assert len(batch(ip, "envs")) == 3 and len(batch(ip, "defs")) == 4
    assert batch(ip, f"job {ids[1]}").loc[0, "jobName"] == "talky"


def test_bulk_cancel_and_terminate_need_yes(ip, magics):
    ids = [batch(ip, f"submit c{i} Backfill sleep").loc[0, "jobId"] for i in range(2)]
    ip.user_ns["to_stop"] = pd.DataFrame({"jobId": ids})
    usage_error(ip, "cancel to_stop --reason tidy", "needs --yes")
    assert batch(ip, f"cancel {ids[0]} --reason one-is-fine").shape[0] == 1
    result = batch(ip, "terminate to_stop --reason tidy --yes")
    assert len(result) == 2
    usage_error(ip, "delete-job-queue --job-queue Backfill", "needs --yes")


def test_help_lists_subcommands_and_documents_operations(ip, magics, capsys):
    batch(ip, "--help")
    overview = capsys.readouterr().out
    assert "submit-job" in overview and "get-job-queue-snapshot" in overview and "  jobs " in overview
    batch(ip, "submit-job --help")
    assert "--job-queue <string> [required]" in capsys.readouterr().out
    batch(ip, "submit --help")
    assert "submit NAME QUEUE DEFINITION" in capsys.readouterr().out


def test_settings_are_traitlets_that_config_changes(ip, magics, capsys):
    ip.run_line_magic("config", "BatchMagics.display_rows = 1")
    result = batch(ip, "queues")
    shown, _ = ip.display_formatter.format(result)
    assert "5 queues · showing the first 1" in shown["text/plain"] and "HighPriority" in shown["text/plain"]
    assert "LowPriority" not in shown["text/plain"] and "LowPriority" not in shown["text/html"]
    assert "backend: local (in-memory, not AWS)" in shown["text/html"]
    assert len(result) == 5 and type(result) is pd.DataFrame  # the whole frame is kept
    batch(ip, "config")
    assert "BatchMagics.display_rows = 1" in capsys.readouterr().out


@pytest.mark.parametrize("line, words", [
    ("list-jobz", ["unknown command 'list-jobz'", "list-jobs"]),
    ("submit-job --job-nmae x", ["no option --job-nmae", "--job-name"]),
    ("submit-job --job-name x", ["missing required", "--job-queue"]),
    ("list-jobs --job-queue HighPriority --job-status DONE", ["'DONE' is not one of", "SUBMITTED"]),
    ("submit-job --job-name x --job-queue q --job-definition d --array-properties '{bad json'", ["invalid JSON"]),
    ("submit-job --job-name x --job-queue NoSuchQueue --job-definition sleep",
     ["SubmitJob: ClientException", "NoSuchQueue does not exist"]),
    ("submit x HighPriority sleep --env NOEQUALS", ["--env takes KEY=VALUE"]),
    ("jobs --since yesterday-ish", ["cannot read since"]),
    ("queues -o", ["-o needs a variable name"]),
    ("job 'unclosed", ["cannot read the command line"]),
])
def test_mistakes_are_one_line_usage_errors(ip, magics, line, words):
    usage_error(ip, line, *words)


def test_show_tracebacks_brings_the_exception_back(ip, magics):
    from batchkit import BatchError

    magics.show_tracebacks = True
    with pytest.raises(BatchError):
        batch(ip, "submit-job --job-name x --job-queue NoSuchQueue --job-definition sleep")


from IPython.core.completer import provisionalcompleter  # noqa: E402


def completions(ip, text):
    with provisionalcompleter():
        return [c.text for c in ip.Completer.completions(text, len(text))]


def test_completion_offers_subcommands_options_enums_and_live_names(ip, magics):
    assert {"submit-job", "submit"} <= set(completions(ip, "%batch sub"))
    assert "--job-queue" in completions(ip, "%batch submit-job --job-q")
    assert completions(ip, "%batch list-jobs --job-queue HighPriority --job-status RUN") == ["RUNNABLE", "RUNNING"]
    assert set(completions(ip, "%batch list-jobs --job-queue ")) == {"HighPriority", "LowPriority", "Backfill", "GPU", "FairShare"}
    assert "sleep:1" in completions(ip, "%batch submit-job --job-definition sl")
    assert completions(ip, "%batch submit nightly Hi") == ["HighPriority"]
    job_id = batch(ip, "submit recent HighPriority sleep").loc[0, "jobId"]
    assert completions(ip, f"%batch job {job_id[:6]}") == [job_id]
    parent = batch(ip, "submit fanned HighPriority sleep --array 3").loc[0, "jobId"]
    batch(ip, f"wait {parent}")  # its children exist once it leaves SUBMITTED
    batch(ip, "jobs --children --name fanned*")
    with provisionalcompleter():
        offered = [(c.text, c.type) for c in ip.Completer.completions("%batch job ", len("%batch job "))]
    at = offered.index((parent, "fanned"))  # a job id with its name beside it, the parent ...
    assert offered[at + 1:at + 4] == [(f"{parent}:{i}", f"fanned[{i}]") for i in range(3)]  # ... then its children
    assert completions(ip, "%batch use l") == ["local"]
    assert completions(ip, "%batch submt") == ["submt"]  # no fallback to Python names
    from batchkit.magics.completion import Completer

    assert Completer(magics).candidates("print(ba", "ba") is None  # other code is left to IPython


def _words():
    from hypothesis import strategies as st

    ops = [op.cli_name for op in catalog.operations().values()]
    options = sorted({o for op in catalog.operations().values() for o in arguments.options(op)})
    vocabulary = options + ["HighPriority", "sleep", "etl", "size=3", "jobId=x,type=N_TO_N", "{", "[1,2]",
                            '{"a": 1}', "-o", "out", "--yes", "--", "10", "-1", "RUNNING", "file://nope", "$x", "'"]
    aliases = ["submit", "jobs", "job", "logs", "wait", "cancel", "terminate", "queues", "envs", "defs", "config"]
    subcommand = st.sampled_from(aliases + ops) | st.text(max_size=12)  # not `use`: it could leave local
    word = st.sampled_from(vocabulary) | st.text(max_size=10)
    return st.tuples(subcommand, st.lists(word, max_size=6))


def test_random_command_lines_give_a_result_or_a_one_line_error(ip, magics):
    import plotly.graph_objects as go
    from hypothesis import HealthCheck, given, settings
    from ipywidgets import Widget

    from batchkit.widgets.consoles import Console
    from batchkit.widgets.monitoring import Monitor

    # st.text also draws string constants found in our code (hypothesis >= 6.131), so any short command
    # may come up: a panel (console, monitor) or a chart (timeline, capacity, graph) is a result too
    shown = (pd.DataFrame, Widget, Console, Monitor, go.Figure)

    @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck), database=None,
              derandomize=True)  # the same lines every run: CI must be repeatable
    @given(_words())
    def check(words):
        subcommand, rest = words
        line = " ".join(shlex.quote(w) for w in [subcommand, *rest])
        try:
            result = batch(ip, line)
        except UsageError as error:
            assert "\n" not in str(error)
            return
        assert result is None or isinstance(result, shown)

    check()


def test_max_items_and_starting_token_page_as_in_the_cli(ip, magics, capsys):
    for i in range(5):
        batch(ip, f"submit page{i} Backfill sleep")
    listing = "list-jobs --job-queue Backfill --filters name=JOB_NAME,values=page*"  # every status: the clock runs
    first = batch(ip, f"{listing} --max-items 3")
    token = first.attrs["NextToken"]
    assert len(first) == 3 and f"--starting-token {token}" in capsys.readouterr().out
    rest = batch(ip, f"{listing} --starting-token {token}")
    assert list(first["jobName"]) + list(rest["jobName"]) == [f"page{i}" for i in range(5)]


@pytest.fixture
def interrupt(magics, monkeypatch):
    """interrupt(): Ctrl-C (SIGINT to the main thread) once the command first passes time (`Batch.sleep`), that is
    from inside its Ctrl-C handling however busy the machine is; never after the test."""
    import signal
    import threading

    sleeping, done = threading.Event(), threading.Event()
    sleep = magics.b.sleep

    def passing_time(seconds):
        sleeping.set()
        sleep(seconds)

    def send():
        sleeping.wait()
        if not done.is_set():
            signal.pthread_kill(threading.main_thread().ident, signal.SIGINT)

    sender = threading.Thread(target=send, daemon=True)

    def arm():
        monkeypatch.setattr(magics.b, "sleep", passing_time)
        sender.start()

    yield arm
    done.set()
    sleeping.set()
    if sender.is_alive():
        sender.join()


def answering(monkeypatch, answer: str) -> list[str]:
    """input() answers `answer`; the prompts asked."""
    asked = []
    monkeypatch.setattr("builtins.input", lambda prompt: asked.append(prompt) or answer)
    return asked


def running(ip, job_id):
    deadline = time.monotonic() + 10
    while batch(ip, f"job {job_id}").loc[0, "status"] != "RUNNING":  # its instance launches first
        assert time.monotonic() < deadline
        time.sleep(0.05)


def test_ctrl_c_during_wait_offers_to_cancel_the_jobs(ip, magics, monkeypatch, interrupt):
    batch(ip, "update-compute-environment --compute-environment spot-ce --state DISABLED")  # jobs stay RUNNABLE
    ids = [batch(ip, f"submit held{i} Backfill sleep").loc[0, "jobId"] for i in range(2)]
    asked = answering(monkeypatch, "c")
    interrupt()
    with pytest.raises(UsageError, match="asked Batch to cancel 2 job"):
        batch(ip, f"wait {' '.join(ids)}")
    assert asked == ["Interrupted. Cancel (c) or terminate (t) the 2 job(s), or leave them running (Enter)? "]
    jobs = batch(ip, f"describe-jobs --jobs {' '.join(ids)}")
    assert set(jobs["status"]) == {"FAILED"} and set(jobs["statusReason"]) == {"Interrupted from %batch"}


def test_ctrl_c_during_wait_terminates_the_jobs_when_asked(ip, magics, monkeypatch, interrupt, capsys):
    magics._local.set_outcome("long", duration=3600)
    job_id = batch(ip, "submit long HighPriority sleep").loc[0, "jobId"]
    running(ip, job_id)  # cancel would leave it running: only terminate stops it
    answering(monkeypatch, " T ")
    interrupt()
    with pytest.raises(UsageError, match=r"interrupted; asked Batch to terminate 1 job\(s\)"):
        batch(ip, f"wait {job_id}")
    assert "terminate: 1 job(s)" in capsys.readouterr().out
    job = batch(ip, f"job {job_id}").iloc[0]
    assert (job["status"], job["statusReason"]) == ("FAILED", "Interrupted from %batch")


def test_ctrl_c_during_logs_follow_leaves_the_job_when_asked(ip, magics, monkeypatch, capsys, interrupt):
    magics._local.set_outcome("chatty", duration=3600, logs=["started"])
    job_id = batch(ip, "submit chatty HighPriority sleep").loc[0, "jobId"]
    running(ip, job_id)
    answering(monkeypatch, "")
    interrupt()
    with pytest.raises(UsageError, match="the 1 job.s. go on"):
        batch(ip, f"logs {job_id} --follow")
    assert "started" in capsys.readouterr().out
    assert batch(ip, f"job {job_id}").loc[0, "status"] == "RUNNING"


def test_monitor_and_console_open_the_widgets(ip, magics):
    from batchkit.widgets.consoles import Console
    from batchkit.widgets.monitoring import Monitor

    monitor = batch(ip, "monitor --interval 0.05")
    assert isinstance(monitor, Monitor) and "HighPriority" in monitor.counts.value
    console = batch(ip, "console --interval 60")
    assert isinstance(console, Console)
    assert monitor._thread is None  # the previous panel stopped refreshing ...
    assert "HighPriority" in monitor.table.html and "paused: a newer %batch monitor" in monitor.status.value  # ... and says so
    console.close()


def test_the_readme_magics_reference_matches_the_code():
    from pathlib import Path

    from batchkit.magics.magics import reference

    readme = (Path(__file__).parent.parent / "README.md").read_text()
    block = readme.split("<!-- magics-reference -->\n", 1)[1].split("\n<!-- /magics-reference -->", 1)[0]
    assert block == reference(), "README's magics reference is stale; paste batchkit.magics.magics.reference()"


def test_timeline_capacity_and_report_through_the_magic(ip, magics, tmp_path, capsys):
    fig = batch(ip, "timeline")
    assert {"nightly-etl", "warmup", "train-baseline"} <= set(fig.layout.yaxis.ticktext)
    assert batch(ip, "timeline --queue HighPriority -o fig") is None
    assert list(ip.user_ns["fig"].layout.yaxis.ticktext) == ["nightly-etl"]
    ip.user_ns["seeded"] = magics.b.jobs(queue="LowPriority")
    assert set(batch(ip, "timeline seeded").layout.yaxis.ticktext) == {"warmup", "train-baseline"}
    assert {t.name for t in batch(ip, "capacity --since 24h").data if t.meta == "vcpus"} == {"ondemand-ce", "spot-ce"}
    out = tmp_path / "run.html"
    capsys.readouterr()
    assert batch(ip, f"report -o {out} --since 24h") is None  # -o names the file here
    printed = capsys.readouterr().out
    assert printed.startswith(f"{out}: 3 jobs (3 succeeded, 0 failed)") and printed.count(str(out)) == 1
    from IPython.core.displaypub import CapturingDisplayPublisher

    publisher, ip.display_pub = ip.display_pub, CapturingDisplayPublisher()
    try:
        batch(ip, f"report -o {out} --since 24h")
        [link] = [o["data"]["text/html"] for o in ip.display_pub.outputs]
    finally:
        ip.display_pub = publisher
    assert f"href='{out}'" in link  # a notebook gets a link to the file
    assert "<h2>Failures by reason and exit code</h2>" in out.read_text()
    usage_error(ip, "report --since 24h", "-o")
    usage_error(ip, "timeline --since someday", "cannot read since")


def test_help_after_double_dash_belongs_to_the_command(ip, magics):
    df = batch(ip, "submit helped HighPriority etl -- python train.py -h --help")
    job = magics.b.describe_jobs(jobs=[df.loc[0, "jobId"]])
    assert job.loc[0, "container.command"] == ["python", "train.py", "-h", "--help"]


def test_use_local_twice_stops_the_old_backend(ip, magics):
    old = magics._local
    batch(ip, "use local")
    assert not old._running
    assert len(batch(ip, "queues")) == 5 and magics._local is not old and magics._local._running


def test_cancel_of_an_unknown_id_is_one_line(ip, magics):
    usage_error(ip, "cancel 5", "Job 5 does not exist")


@pytest.mark.parametrize("speed", ["inf", "nan", "0", "-1", "1e9"])
def test_an_impossible_speed_is_refused_and_later_commands_still_work(ip, magics, speed):
    usage_error(ip, f"use local --speed {speed}", "speed must be above 0")
    assert magics.speed == 200 and len(batch(ip, "queues")) == 5


@pytest.mark.parametrize("value, held", [
    (None, "None"), (5, "5 (int)"), ({"jobId": "x"}, "{'jobId': 'x'} (dict)"),
    (pd.DataFrame({"name": ["a"]}), "a DataFrame without a jobId column (columns: name)"),
    (dict.fromkeys(range(10_000)), "{0: None, 1: None, 2: None, 3: None, ...} (dict)"),  # bounded
])
@pytest.mark.parametrize("command", ["cancel", "terminate", "wait", "timeline", "why"])
def test_a_variable_that_holds_no_job_ids_is_a_one_line_usage_error(ip, magics, command, value, held):
    ip.user_ns["df"] = value
    message = usage_error(ip, f"{command} df --yes", f"df holds {held}",
                          "expected a job id, a list of ids, or a DataFrame with a jobId column")
    assert len(message) < 200


@pytest.fixture(scope="module")
def served():
    """A LocalBatch behind its own loopback endpoint: what `%batch use URL` talks to."""
    import batchkit

    with batchkit.local(seed="demo", server=True) as lb:
        yield lb


@pytest.fixture
def restored(magics):
    """The test may change any setting; after it, the module's are back (and the local backend at 200x)."""
    saved = {name: getattr(magics, name) for name in magics.trait_names(config=True)}
    yield magics
    with magics.hold_trait_notifications():
        for name, value in saved.items():
            setattr(magics, name, value)
    magics._disconnect()


def test_use_url_sends_every_request_to_that_endpoint(ip, magics, restored, served, capsys):
    served.reset()
    job_id = served.submit("over-http", queue="HighPriority")
    local = magics._local
    batch(ip, f"use {served.endpoint_url}")
    assert capsys.readouterr().out == f"%batch uses {served.endpoint_url}\n"
    assert not local._running and magics._local is None  # the embedded backend stopped
    df = batch(ip, "jobs --name over-http")
    assert list(df["jobId"]) == [job_id] and df.attrs["backend"] == f"endpoint {served.endpoint_url}"
    submitted = batch(ip, "submit from-magic LowPriority sleep").loc[0, "jobId"]
    assert [c.params["jobName"] for c in served.calls.of("SubmitJob")] == ["from-magic"]
    assert batch(ip, f"job {submitted}").loc[0, "queue"] == "LowPriority"
    batch(ip, "config")
    assert f"BatchMagics.endpoint_url = '{served.endpoint_url}'" in capsys.readouterr().out


def test_use_aws_with_a_profile_and_region_makes_a_client_for_aws(ip, magics, restored, tmp_path, monkeypatch,
                                                                    capsys):
    """Made, never called (the suite's socket guard would fail the test): the settings it reports, the
    profile's credentials, AWS's endpoints, and no local backend answering for it."""
    from batchkit import interception

    (tmp_path / "config").write_text("[profile analytics]\nregion = us-west-2\n")
    (tmp_path / "credentials").write_text("[analytics]\naws_access_key_id = AKIDANALYTICS\n"
                                          "aws_secret_access_key = not-a-secret\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    batch(ip, "use aws --profile analytics --region eu-west-3")
    assert capsys.readouterr().out == "%batch uses AWS, profile analytics, region eu-west-3\n"
    assert (magics.backend, magics.profile, magics.region, magics.endpoint_url) == ("aws", "analytics", "eu-west-3", None)
    b = magics.b
    assert b.label == "AWS eu-west-3" and b.client.meta.endpoint_url == "https://batch.eu-west-3.amazonaws.com"
    assert b.logs_client.meta.endpoint_url == "https://logs.eu-west-3.amazonaws.com"
    assert b._session.get_credentials().access_key == "AKIDANALYTICS"  # the profile's, not the environment's
    for client in (b.client, b.logs_client):  # `interception.for_aws`: not answered by a LocalBatch
        assert interception.hook not in client.meta.events._emitter._handlers.prefix_search("before-send.batch.X")
    ip.run_line_magic("config", "BatchMagics.region = 'ap-south-1'")  # a setting makes a new client
    assert magics.b is not b and magics.b.client.meta.region_name == "ap-south-1"
    batch(ip, "config")
    assert "# requests go to AWS, profile analytics, region ap-south-1" in capsys.readouterr().out


def test_config_seed_clock_executor_and_speed_shape_the_local_backend(ip, magics, restored, capsys):
    ip.run_line_magic("config", "BatchMagics.seed = 'empty'")
    assert len(batch(ip, "queues")) == 0
    ip.run_line_magic("config", "BatchMagics.speed = 50")
    assert len(batch(ip, "queues")) == 0 and repr(magics._local.clock) == "<Clock realtime x50>"
    usage_error(ip, "local idle", "%batch use local --clock manual")  # the realtime clock is not ours to run
    ip.run_line_magic("config", "BatchMagics.seed = 'demo'")
    ip.run_line_magic("config", "BatchMagics.clock = 'manual'")
    ip.run_line_magic("config", "BatchMagics.executor = 'subprocess'")
    job_id = batch(ip, "submit here HighPriority sleep -- echo ran-on-this-machine").loc[0, "jobId"]
    capsys.readouterr()
    batch(ip, "local idle")
    assert re.fullmatch(r"idle after \d+m\d\ds of simulated time\n", capsys.readouterr().out)
    assert batch(ip, f"job {job_id}").loc[0, "status"] == "SUCCEEDED"
    assert list(batch(ip, f"logs {job_id}")["message"]) == ["ran-on-this-machine"]  # its command ran here


def test_config_mask_secrets_shows_them_on_the_local_backend_and_an_endpoint(ip, magics, restored, served):
    def environment(job_id):
        return {e["name"]: e["value"] for e in batch(ip, f"job {job_id}").loc[0, "container.environment"]}

    job_id = batch(ip, "submit secretive HighPriority sleep --env API_TOKEN=s3cr3t").loc[0, "jobId"]
    assert environment(job_id)["API_TOKEN"] == "****"
    local = magics._local
    ip.run_line_magic("config", "BatchMagics.mask_secrets = False")
    assert environment(job_id)["API_TOKEN"] == "s3cr3t" and magics._local is local  # the same backend, its jobs
    served.reset()
    ip.run_line_magic("config", f"BatchMagics.endpoint_url = '{served.endpoint_url}'")
    ip.run_line_magic("config", "BatchMagics.backend = 'aws'")
    over_http = batch(ip, "submit secretive HighPriority sleep --env API_TOKEN=s3cr3t").loc[0, "jobId"]
    assert environment(over_http)["API_TOKEN"] == "s3cr3t" and served.calls.of("DescribeJobs")
    ip.run_line_magic("config", "BatchMagics.mask_secrets = True")
    assert environment(over_http)["API_TOKEN"] == "****"


def test_monitor_and_capacity_of_some_queues(ip, magics):
    from batchkit.widgets.monitoring import Monitor

    batch(ip, "submit elsewhere HighPriority sleep")
    monitor = batch(ip, "monitor --queue LowPriority --queue Backfill --interval 60")
    try:
        assert isinstance(monitor, Monitor) and monitor.tracker.queues == ["LowPriority", "Backfill"]
        assert list(monitor.tracker.counts().index) == ["LowPriority", "Backfill"]
        assert set(monitor.rows()["jobName"]) == {"warmup", "train-baseline"}  # the seed's LowPriority jobs only
    finally:
        monitor.close()
    in_use = {t.name: max(t.y) for t in magics.b.capacity(queue="LowPriority", since="1d").data if t.meta == "vcpus"}
    assert in_use == {"spot-ce": 9}  # warmup's 1 and train-baseline's 8 vCPUs, on LowPriority's first environment
    in_use = {t.name: max(t.y) for t in batch(ip, "capacity --queue HighPriority --since 1d").data if t.meta == "vcpus"}
    assert in_use == {"ondemand-ce": 2}  # nightly-etl's 2 vCPUs; the job just submitted not yet started


def test_an_alias_bomb_in_a_cell_is_one_line(ip):
    lines = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for level in "bcdefghi":
        previous = chr(ord(level) - 1)
        lines.append(f"{level}: &{level} [" + ", ".join(f"*{previous}" for _ in range(10)) + "]")
    with pytest.raises(UsageError) as caught:
        ip.run_cell_magic("batch", "submit-job", "\n".join(lines))
    assert "\n" not in str(caught.value) and "aliases" in str(caught.value)
