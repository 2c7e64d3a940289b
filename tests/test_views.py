"""What people see: results through a real IPython shell with HTML formatting, on the manual clock.

The frames stay whole (every column, a plain DataFrame); what IPython shows of
them is the compact view, the card or the log text of `batchkit.views`.
"""

import re
import subprocess
import sys

import pandas as pd
import pytest
from IPython.core.error import UsageError

from batchkit import BatchError, views
from tests.shells import batch_shell

WALL = ("NaT", "<NA>", "0 days", "nan", "+00:00")


@pytest.fixture(scope="module")
def ip():
    with batch_shell("local --clock manual") as shell:
        yield shell


@pytest.fixture
def lb(ip):
    magics = ip.magics_manager.registry["BatchMagics"]
    magics.b  # connects: the local backend starts on first use
    magics._local.reset()
    return magics._local


def batch(ip, line):
    return ip.run_line_magic("batch", line)


def shown(ip, value) -> tuple[str, str]:
    """(HTML, text) as IPython's display formatter renders the value."""
    bundle, _ = ip.display_formatter.format(value)
    return bundle["text/html"], bundle["text/plain"]


def headers(html: str) -> list[str]:
    return re.findall(r"<th[^>]*>([^<]*)</th>", html.split("</thead>")[0])


def test_the_jobs_view_is_compact_readable_and_counts_array_children(ip, lb):
    parent = batch(ip, "submit shards HighPriority sleep --array 50").loc[0, "jobId"]
    lb.set_outcome("broken", exit_code=2, reason="Out of memory while loading the training shard 7 of 9")
    batch(ip, "submit broken LowPriority sleep")
    lb.run_until_idle()
    for line in ("jobs", "jobs --detail", f"wait {parent}"):
        df = batch(ip, line)
        html, text = shown(ip, df)
        assert type(df) is pd.DataFrame and len(df.columns) >= 25  # the data stays whole (25 with botocore 1.42.72)
        assert 8 <= len(headers(html)) <= 12, headers(html)
        assert "<th>" not in html.split("<tbody>")[1]  # no index
        for clutter in WALL:
            assert clutter not in html and clutter not in text, (line, clutter)
        assert "50/50" in html and "50/50" in text
    jobs = batch(ip, "jobs")
    html, text = shown(ip, jobs)
    assert "succeeded 50" in html  # children counted by status, on hover
    assert "title='Out of memory while loading the training shard 7 of 9'" in html  # truncated, whole on hover
    assert text.index("broken") < text.index("nightly-etl")  # newest first
    job_id = batch(ip, "jobs --name broken").loc[0, "jobId"]
    assert f"title='{job_id}'" in html and f">{job_id[:8]}</code>" in html and job_id not in text
    assert re.search(r"\b5s\b", text) and "times in " in text
    assert f"all {len(jobs.columns)} columns: .batch.full()" in text
    assert "backend: local (in-memory, not AWS)" in text


def row_of(text: str, name: str) -> str:
    return next(line for line in text.splitlines() if line.split() and line.split()[0] == name)


def test_an_array_in_progress_says_done_and_running_apart(ip, lb):
    """`0/50` over a full blue bar read as done: finished children and running ones are told apart."""
    lb.set_outcome("shards", duration=600)
    lb.set_outcome("shards", exit_code=3, duration=5, index=[7])
    parent = batch(ip, "submit shards HighPriority sleep --array 50").loc[0, "jobId"]
    lb.advance(180)
    html, text = shown(ip, batch(ip, "jobs"))
    counts = batch(ip, f"job {parent}").loc[0, "arrayProperties.statusSummary"]
    running = counts["RUNNING"] + counts["STARTING"]
    assert running and counts["FAILED"] == 1 and not counts["SUCCEEDED"]
    assert f"1/50 done (1 failed) · {running} running" in row_of(text, "shards")
    bar = re.search(r"<span title='[^']*'[^>]*>(.*?) 1/50 done", html).group(1)
    widths = {color: float(width) for width, color in re.findall(r"width:([\d.]+)px;background:(#\w+)'", bar)}
    assert widths == {views.COLORS["FAILED"]: 1.2, views.RUNNING_LIGHT: 1.2 * running}  # the rest: grey, not started
    lb.run_until_idle()
    assert "50/50 done (1 failed)" in shown(ip, batch(ip, "jobs"))[1]


def until_running(ip, lb, job_id):
    """Advance the manual clock until the job (an array: a child) runs (the instance takes a few minutes)."""
    for _ in range(60):
        job = batch(ip, f"job {job_id}").iloc[0]
        counts = job["arrayProperties.statusSummary"]
        if job["status"] == "RUNNING" or (isinstance(counts, dict) and counts.get("RUNNING")):
            return
        lb.advance(10)
    raise AssertionError(f"{job_id} never ran")


def test_an_array_parent_has_a_start_a_duration_and_no_attempts_of_its_own(ip, lb):
    lb.set_outcome("shards", duration=600)
    parent = batch(ip, "submit shards HighPriority sleep --array 3").loc[0, "jobId"]
    until_running(ip, lb, parent)
    jobs = batch(ip, "jobs")
    child_starts = batch(ip, f"list-jobs --array-job-id {parent} --job-status RUNNING")["startedAt"]
    assert jobs.set_index("jobId").loc[parent, "startedAt"] == child_starts.min()  # its first child's start
    assert re.search(r"running \d+s", row_of(shown(ip, jobs)[1], "shards"))  # a PENDING parent whose children run
    lb.run_until_idle()
    for line in ("jobs", "jobs --detail", f"job {parent}"):
        df = batch(ip, line)
        row = df.set_index("jobId").loc[parent]
        assert row["duration"] == row["stoppedAt"] - row["startedAt"] > pd.Timedelta(0), line
        text = shown(ip, df)[1]
        assert views.duration(row["duration"]) in (row_of(text, "shards") if line != f"job {parent}" else text)
    detail = row_of(shown(ip, batch(ip, "jobs --detail"))[1], "shards")
    assert " — " in detail and " 0 " not in detail  # attempts: a dash, not 0
    card = shown(ip, batch(ip, f"job {parent}"))[1]
    assert re.search(r"^  started +\S", card, re.M) and not re.search(r"^  attempts", card, re.M)


def test_a_running_job_says_for_how_long_on_the_backends_clock(ip, lb):
    lb.set_outcome("long", duration=7200)
    job_id = batch(ip, "submit long HighPriority sleep").loc[0, "jobId"]
    until_running(ip, lb, job_id)
    lb.advance(3600)  # the manual clock runs an hour ahead of this machine's
    for line in ("jobs", "jobs --detail", f"job {job_id}"):
        df = batch(ip, line)
        row = df.set_index("jobId").loc[job_id]
        assert row["status"] == "RUNNING" and pd.isna(row["duration"])
        took = pd.Timestamp(df.attrs["now"], unit="s", tz="UTC") - row["startedAt"]
        assert took > pd.Timedelta(minutes=50)
        assert f"running {views.duration(took)}" in shown(ip, df)[1], line
        chosen = df[["jobName", "status", "startedAt", "duration"]]
        assert f"running {views.duration(took)}" in shown(ip, chosen)[1], line


def test_children_follow_their_parent_and_the_row_limit_keeps_every_parent(ip, lb):
    """`jobs --children`: each parent, then its children by index (with the parent's queue); the children fill
    what rows are left, so that the parent and the older jobs stay in sight."""
    lb.set_outcome("shards", duration=30)
    batch(ip, "submit shards LowPriority sleep --array 60")
    lb.run_until_idle()
    df = batch(ip, "jobs --children")
    assert len(df) == 64 and set(df.loc[df["jobName"] == "shards", "queue"]) == {"LowPriority"}
    html, text = shown(ip, df)
    lines = text.splitlines()[1:-1]
    assert len(lines) == 50 and lines[0].startswith("shards ")
    assert [line.split()[0] for line in lines[1:47]] == [f"shards[{i}]" for i in range(46)]
    assert all(" LowPriority " in line for line in lines[:47])  # children in their parent's queue
    assert [line.split()[0] for line in lines[47:]] == ["nightly-etl", "warmup", "train-baseline"]
    assert "4 jobs and 60 children · showing 46 of the children" in text
    assert "padding-left" in html  # children indented under their parent


@pytest.mark.parametrize("line, headings", [
    ("queues", ["name", "state", "status", "priority", "compute environments", "scheduling"]),
    ("envs", ["name", "type", "state", "status", "vCPUs min/desired/max", "instance types", "reason"]),
    ("defs", ["definition", "status", "type", "image", "vCPUs", "memory MiB", "GPUs", "command"]),
])
def test_resources_have_curated_views(ip, lb, line, headings):
    df = batch(ip, line)
    html, text = shown(ip, df)
    assert set(headings) <= set(headers(html)) and len(headers(html)) <= 12
    assert not [c for c in WALL if c in text]
    assert f"all {len(df.columns)} columns" in text
    if line == "queues":  # the demo's fair-share queue says so
        assert re.search(r"FairShare .* fair share \(teams\)", text) and re.search(r"GPU .* FIFO", text)


def test_resource_types_and_reasons_come_from_the_data_or_are_left_out(ip, lb):
    """No column that is always blank: an environment's type is MANAGED/UNMANAGED and its resources' type, a
    definition's type its platform too; a column the data leaves empty (a queue's statusReason here) is left out
    until a row has it; an image is cut on the left, where its own name stays."""
    envs = shown(ip, batch(ip, "envs"))[1]
    assert re.search(r"^ondemand-ce +MANAGED · EC2 ", envs, re.M) and re.search(r"^spot-ce +MANAGED · SPOT ", envs, re.M)
    assert "Compute environment is available" in envs
    queues = batch(ip, "queues")
    assert queues["statusReason"].isna().all() and "reason" not in headers(shown(ip, queues)[0])
    healthy = queues.assign(statusReason="JobQueue Healthy", jobQueueType="ECS")
    assert headers(shown(ip, healthy)[0])[-2:] == ["type", "reason"] and "JobQueue Healthy" in shown(ip, healthy)[1]
    batch(ip, "register-job-definition --job-definition-name tiny --type container --platform-capabilities FARGATE "
              "--container-properties image=public.ecr.aws/docker/library/busybox:latest,command=true,"
              "resourceRequirements=[{type=VCPU,value=0.25},{type=MEMORY,value=512}]")
    defs = shown(ip, batch(ip, "defs"))[1]
    assert re.search(r"^tiny:1 +ACTIVE +container · FARGATE +…/library/busybox:latest ", defs, re.M)
    assert re.search(r"^train-gpu:1 .* …/nvidia/pytorch:24.05-py3 ", defs, re.M)


def test_an_operation_that_answers_nothing_says_what_was_done(ip, lb):
    for line, said in (("deregister-job-definition --job-definition sleep:1", "DeregisterJobDefinition: done (sleep:1)"),
                       ("update-job-queue --job-queue Backfill --state DISABLED", None),
                       ("delete-job-queue --job-queue Backfill", "DeleteJobQueue: done (Backfill)")):
        df = batch(ip, line + " --yes")
        if said:
            html, text = shown(ip, df)
            assert text == f"{said} · backend: local (in-memory, not AWS)" and said in html and "<table" not in html


def test_one_log_line_is_one_line(ip, lb):
    lb.set_outcome("terse", logs=["only"], duration=5)
    job_id = batch(ip, "submit terse HighPriority sleep").loc[0, "jobId"]
    lb.run_until_idle()
    text = shown(ip, batch(ip, f"logs {job_id}"))[1]
    assert "1 log line · " in text and "1 log lines" not in text


def test_why_does_not_say_the_status_twice(ip, lb):
    """`SUCCEEDED: succeeded`: the summary said the status, then its first finding said it again."""
    parent = batch(ip, "submit shards HighPriority sleep --array 3").loc[0, "jobId"]
    single = batch(ip, "submit single HighPriority sleep").loc[0, "jobId"]
    lb.run_until_idle()
    summary = batch(ip, f"why {parent}").attrs["summary"]
    assert summary == "SUCCEEDED: array of 3: 3 SUCCEEDED", summary  # an array parent: its children's counts
    assert why_line(shown(ip, batch(ip, f"job {parent}"))[1]) == [summary]
    summary = batch(ip, f"why {single}").attrs["summary"]
    assert re.fullmatch(r"SUCCEEDED: queued for \S+, ran for \S+", summary), summary


def test_every_column_is_one_call_away(ip, lb):
    df = batch(ip, "defs")
    html, text = shown(ip, df.batch.full())
    assert len(headers(html)) == len(df.columns)
    assert "containerProperties.image" in text


def test_a_frame_cut_to_some_columns_shows_those(ip, lb):
    jobs, queues = batch(ip, "jobs"), batch(ip, "queues")
    html, text = shown(ip, jobs[["jobName", "status"]])
    assert headers(html) == ["jobName", "status"] and "SUCCEEDED" in text
    assert headers(shown(ip, queues[["jobQueueName", "priority"]])[0]) == ["jobQueueName", "priority"]  # no "FIFO"
    assert len(headers(shown(ip, jobs)[0])) > 5  # the whole frame keeps its curated columns


def test_columns_someone_chose_show_exactly_in_their_order_and_humane(ip, lb):
    """`df[[...]]` is a choice: every chosen column, in the order given (the curated view had no stoppedAt and
    said "all 6 columns" over five), times and durations humane, statuses as badges."""
    chosen = ["jobName", "queue", "status", "startedAt", "stoppedAt", "duration"]
    jobs = batch(ip, "jobs --detail")
    html, text = shown(ip, jobs[chosen])
    assert headers(html) == chosen and text.splitlines()[0].split() == chosen
    stopped = jobs.loc[jobs["jobName"] == "nightly-etl", "stoppedAt"].iloc[0]
    assert views.when(stopped) in text and "5s" in text and "background:#2ca02c" in html
    assert not [c for c in WALL if c in text or c in html]
    assert "columns: .batch.full()" not in text  # nothing left to see
    html, _ = shown(ip, jobs[["status", "definition", "jobName"]])
    assert headers(html) == ["status", "definition", "jobName"]  # reordered, as asked
    assert headers(shown(ip, jobs[list(jobs.columns)[::-1]])[0])[0] == "name"  # every column: the curated view


def test_a_job_is_a_card_with_attempts_dependencies_array_and_log_tail(ip, lb):
    lb.set_outcome("flaky", exit_code=[1, 0], logs=["loading data", "epoch 1 done"], duration=30)
    first = batch(ip, "submit flaky HighPriority sleep --retries 2").loc[0, "jobId"]
    shards = batch(ip, f"submit shards HighPriority sleep --array 3 --depends-on {first}").loc[0, "jobId"]
    lb.run_until_idle()
    df = batch(ip, f"job {first}")
    assert len(df) == 1 and len(df.columns) > 90  # the value is the whole row
    html, text = shown(ip, df)
    assert "<b>attempts</b>" in html and html.count("<tr><td") >= 2  # two attempts, one row each
    assert re.search(r"1\s+\S+\s+\S+\s+30s\s+1 ", text) and re.search(r"2\s+\S+\s+\S+\s+30s\s+0 ", text)
    assert "epoch 1 done" in html and "<pre" in html  # the tail of the logs
    html, text = shown(ip, batch(ip, f"job {shards}"))
    assert "depends on" in text and first[:8] in text and "SUCCEEDED" in text  # and their status
    assert "3/3" in text and "3/3" in html  # the array
    for clutter in WALL:
        assert clutter not in html and clutter not in text


def why_line(text: str) -> list[str]:
    return re.findall(r"^  why +(.*)$", text, re.M)


def test_a_card_has_a_why_line_only_when_the_client_could_explain(ip, lb, monkeypatch):
    job_id = batch(ip, "submit plain HighPriority sleep").loc[0, "jobId"]
    b = ip.magics_manager.registry["BatchMagics"].b
    html, text = shown(ip, b.job(job_id))
    summary = b.why(job_id).attrs["summary"]
    assert why_line(text) == [summary] and summary.startswith("SUBMITTED")
    assert "class='batchkit-why'" in html and "batchkit-findings" in html  # it opens to the findings

    def fails(job_id):
        raise BatchError("GetJobQueueSnapshot", "AccessDeniedException", "not allowed here")

    monkeypatch.setattr(b, "why", fails)
    html, text = shown(ip, b.job(job_id))
    assert why_line(text) == [] and "batchkit-why" not in html
    assert "GetJobQueueSnapshot: AccessDeniedException: not allowed here" in text  # said, as a note
    assert re.search(r"^  status +SUBMITTED$", text, re.M)  # the rest of the card is still there


def test_logs_are_timestamped_text_and_the_frame_stays_the_value(ip, lb):
    lb.set_outcome("talky", logs=["one", "two", "three"], duration=5)
    job_id = batch(ip, "submit talky HighPriority sleep").loc[0, "jobId"]
    lb.run_until_idle()
    df = batch(ip, f"logs {job_id}")
    assert list(df["message"]) == ["one", "two", "three"] and "timestamp" in df
    html, text = shown(ip, df)
    assert html.startswith("<pre") and re.search(r"\d\d:\d\d:\d\d  one\n\S+  two", html)
    assert "<table" not in html and text.splitlines()[2].endswith("three")
    assert list(batch(ip, f"logs {job_id} --tail 2")["message"]) == ["two", "three"]


def test_logs_follow_streams_lines_until_the_job_ends(ip, lb, capsys):
    lb.set_outcome("streamer", logs=["first", "last"], duration=30)
    job_id = batch(ip, "submit streamer HighPriority sleep").loc[0, "jobId"]
    assert batch(ip, f"logs {job_id} --follow") is None  # printed as they came, not shown twice
    out = capsys.readouterr().out
    assert re.search(r"\d\d:\d\d:\d\d  first\n\S+  last", out)
    assert list(batch(ip, f"logs {job_id} --follow -o streamed") or ip.user_ns["streamed"]["message"]) == ["first", "last"]


def test_frames_batch_did_not_make_show_as_pandas_shows_them(ip):
    df = pd.DataFrame({"a": [1, None]})
    html, text = shown(ip, df)
    assert html == df._repr_html_() and text == repr(df)


def test_secrets_stay_masked_in_every_view(ip, lb):
    job_id = batch(ip, "submit secretive HighPriority sleep --env API_TOKEN=s3cr3t --env STAGE=dev").loc[0, "jobId"]
    df = batch(ip, f"job {job_id}")
    for value in (df, df.batch.full(), df.batch.view()):
        html, text = shown(ip, value)
        assert "s3cr3t" not in html and "s3cr3t" not in text


@pytest.mark.parametrize("seconds, text", [(0, "0s"), (5, "5s"), (59.6, "1m00s"), (1030, "17m10s"),
                                           (7380, "2h03m"), (90000, "1d01h"), (None, "")])
def test_durations_read_as_people_say_them(seconds, text):
    assert views.duration(seconds) == text
    assert views.duration(pd.Timedelta(seconds=seconds) if seconds is not None else pd.NaT) == text


def test_a_job_can_be_made_to_fail_from_the_magic(ip, lb):
    batch(ip, "local outcome 'train-*' --exit-code 3 --reason 'out of memory' --duration 20m --logs oom")
    job_id = batch(ip, "submit train-big HighPriority sleep").loc[0, "jobId"]
    batch(ip, "local advance 10m")
    assert batch(ip, f"job {job_id}").loc[0, "status"] == "RUNNING"
    batch(ip, "local advance 15m")
    job = batch(ip, f"job {job_id}").iloc[0]
    assert (job["status"], job["exitCode"], job["statusReason"]) == ("FAILED", 3, "out of memory")
    batch(ip, "local faults error SubmitJob --status 400 --message 'no more today'")
    with pytest.raises(UsageError, match="no more today"):
        batch(ip, "submit refused HighPriority sleep")
    batch(ip, "local faults clear")
    assert len(batch(ip, "submit accepted HighPriority sleep")) == 1


def test_the_ec2_faults_from_the_magic(ip, lb, capsys):
    """%batch local faults capacity|spot|invalid: what lb.faults.capacity/spot/invalid do."""
    batch(ip, "local faults capacity 'g4dn.*'")
    batch(ip, "local faults spot 2")
    batch(ip, "local faults invalid gpu-ce --message 'CLIENT_ERROR - bad instance role'")
    batch(ip, "local faults")
    said = capsys.readouterr().out
    assert all(words in said for words in ("no EC2 capacity for g4dn.*", "reclaimed 2 times an hour",
                                           "gpu-ce INVALID: CLIENT_ERROR - bad instance role")), said
    envs = batch(ip, "envs").set_index("computeEnvironmentName")
    assert (envs.loc["gpu-ce", "status"], envs.loc["gpu-ce", "statusReason"]) == ("INVALID", "CLIENT_ERROR - bad instance role")
    for line, words in (("local faults invalid no-such-env", "no compute environment named 'no-such-env'"),
                        ("local faults invalid", "invalid takes a compute environment"),
                        ("local faults spot often", "spot takes reclaims per hour"),
                        ("local faults spot -1", "per_hour must be")):
        with pytest.raises(UsageError, match=words):
            batch(ip, line)
    batch(ip, "local faults clear")
    assert batch(ip, "envs").set_index("computeEnvironmentName").loc["gpu-ce", "status"] == "VALID"


@pytest.mark.parametrize("line, words", [
    ("submt x", ["unknown command 'submt'", "'submit'"]),
    ("submit x HighPriority sleep --vcpu 2", ["no option --vcpu", "'--vcpus'"]),
    ("jobs --stat RUNNING", ["no option --stat", "'--status'"]),
    ("local advance soon", ["cannot read 'soon' as a duration"]),
    ("local outcome x --exit-code one", ["invalid int value"]),
])
def test_typos_suggest_what_exists(ip, lb, line, words):
    with pytest.raises(UsageError) as caught:
        batch(ip, line)
    assert "\n" not in str(caught.value) and all(w in str(caught.value) for w in words), str(caught.value)


def test_importing_batchkit_in_ipython_shows_batch_results_compactly():
    code = ("from IPython.core.interactiveshell import InteractiveShell\n"
            "ip = InteractiveShell.instance()\n"
            "import batchkit\n"
            "with batchkit.local() as lb:\n"
            "    print(ip.display_formatter.format(lb.batch.queues())[0]['text/plain'])\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("name ") and "5 queues" in out.stdout


def completions(ip, text):
    from IPython.core.completer import provisionalcompleter

    with provisionalcompleter():
        return [c.text for c in ip.Completer.completions(text, len(text))]


STATUSES = ["FAILED", "PENDING", "RUNNABLE", "RUNNING", "STARTING", "SUBMITTED", "SUCCEEDED"]


@pytest.mark.parametrize("line, expected", [
    ("%batch jobs --status ", STATUSES),
    ("%batch list-jobs --job-queue HighPriority --job-status ", STATUSES),
    ("%batch jobs --status RUN", ["RUNNABLE", "RUNNING"]),
    ("%batch update-job-queue --state ", ["DISABLED", "ENABLED"]),
    ("%batch defs --status ", ["ACTIVE", "ALL", "INACTIVE"]),
    ("%batch jobs --queue ", ["Backfill", "FairShare", "GPU", "HighPriority", "LowPriority"]),
    ("%batch local outcome 'train-*' --queue High", ["HighPriority"]),
    ("%batch local faults ", ["capacity", "clear", "error", "invalid", "latency", "spot", "throttle"]),
    ("%batch use local --executor ", ["simulated", "subprocess"]),
    ("%batch jobs --sta", ["--status"]),
])
def test_completion_offers_only_what_the_slot_takes(ip, lb, line, expected):
    assert completions(ip, line) == expected


@pytest.mark.parametrize("line", ["%batch jobs --name ", "%batch submit nightly", "%batch job /tm", "%batch fo"])
def test_nothing_else_completes_inside_a_batch_line(ip, lb, line):
    typed = line.rsplit(" ", 1)[1]
    assert completions(ip, line) == [typed]  # no Python keywords, magics or paths; the word stays as typed


def test_why_shows_its_answer_and_every_finding_whole(ip, lb):
    """`%batch why` in a notebook: the one-line answer first, then each finding's verdict, check, detail and fix
    uncut (pandas would cut a detail at 50 characters); the frame stays the value."""
    job_id = batch(ip, "submit train GPU train-gpu").loc[0, "jobId"]
    lb.advance(40)  # gpu-ce launches an instance for it
    df = batch(ip, f"why {job_id}")
    html, text = shown(ip, df)
    assert type(df) is pd.DataFrame and list(df.columns) == ["check", "verdict", "detail", "fix"]
    scaling = df[df["check"] == "scaling"].iloc[0]
    assert "..." not in html and scaling["detail"] in html and scaling["fix"].replace("'", "&#x27;") in html
    assert html.index(df.attrs["summary"]) < html.index("<table") and "batchkit-findings" in html
    assert text.splitlines()[0].startswith("RUNNABLE: gpu-ce") and job_id in text.splitlines()[-1]
    assert " ".join(text.split()).count(" ".join(scaling["detail"].split())) == 2  # the summary and its row
    assert max(len(line) for line in text.splitlines()[:-1]) <= 112


ESCAPES = ["\x1b[2Jclear", "\x1b]0;pwned\x07title", "\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\", "50%\r\x1b[Kdone",
           "tab\tkept", "\x9b31mred", "bell\x07 nul\x00 del\x7f"]
OBEYED = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f]")  # what a terminal would act on (tab aside)


def obeyed(text: str) -> list[str]:
    return OBEYED.findall(text.replace("\n", ""))  # the view's own line breaks are fine


def test_log_lines_show_escape_sequences_and_never_obey_them(ip, lb, capsys):
    lb.set_outcome("noisy", logs=ESCAPES + ["x" * 1_000_000], duration=5, exit_code=1, reason="\x1b[2Jreason")
    job_id = batch(ip, "submit noisy HighPriority sleep").loc[0, "jobId"]
    lb.run_until_idle()
    df = batch(ip, f"logs {job_id}")
    assert list(df["message"]) == ESCAPES + ["x" * 1_000_000]  # the data stays as it was written
    card, jobs = batch(ip, f"job {job_id}"), batch(ip, "jobs --detail")
    assert "␛[2Jreason" in shown(ip, card)[1] and "␛[2Jreason" in shown(ip, jobs)[1]
    for value in (df, card, jobs, df.batch.full(), df.batch.logs(None), card.batch.full()):
        html, text = shown(ip, value)
        assert not obeyed(text) and not obeyed(html), (type(value), obeyed(text) or obeyed(html))
    for text in (shown(ip, df)[1], shown(ip, card)[1], df.batch.text()):
        assert "␛[2Jclear" in text and "␛]0;pwned␇title" in text and "␛]8;;http://x␛\\link" in text
        assert "50%␍␛[Kdone" in text and "tab\tkept" in text and "\\x9b31mred" in text and "nul␀ del␡" in text
        assert "x" * 2000 + "… (998,000 more characters)" in text and len(text) < 30_000  # not a 1 MB card
    assert batch(ip, f"logs {job_id} --follow") is None
    out = capsys.readouterr().out
    assert "␛]0;pwned␇title" in out and not obeyed(out) and len(out) < 30_000


def test_a_long_log_shows_its_last_lines_and_says_how_to_see_every_one(ip, lb, capsys):
    lb.set_outcome("verbose", logs=[f"line {i}" for i in range(20_000)], duration=5)
    job_id = batch(ip, "submit verbose HighPriority sleep").loc[0, "jobId"]
    lb.run_until_idle()
    df = batch(ip, f"logs {job_id}")
    assert len(df) == 20_000  # the frame keeps every event
    html, text = shown(ip, df)
    lines = text.splitlines()
    assert len(lines) == 1001 and lines[0].endswith("  line 19000") and lines[-2].endswith("  line 19999")
    assert "20,000 log lines · showing the last 1,000; every line: .batch.logs(None)" in lines[-1]
    assert "line 18999" not in html and "line 19999" in html and len(html) < 100_000
    assert len(repr(df.batch.logs(None)).splitlines()) == 20_001 and "showing" not in repr(df.batch.logs(None))
    assert batch(ip, f"logs {job_id} --follow") is None  # the job has finished: one look, the last lines
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "… 19,000 earlier lines left out (-o NAME keeps every line)" and len(out) == 1001
    assert batch(ip, f"logs {job_id} --follow -o whole") is None and len(ip.user_ns["whole"]) == 20_000


def test_a_service_message_with_escape_sequences_is_shown_not_obeyed(ip, lb):
    lb.faults.error("SubmitJob", status=400, message="\x1b[2Jgone \x1b]0;pwned\x07")
    with pytest.raises(UsageError) as caught:
        batch(ip, "submit refused HighPriority sleep")
    assert "␛[2Jgone ␛]0;pwned␇" in str(caught.value) and not obeyed(str(caught.value))
    lb.faults.clear()


def test_logs_of_an_earlier_attempt_of_a_retried_job(ip, lb):
    lb.set_outcome("retried", exit_code=1, logs=["first try", "failed"], duration=30)
    job_id = batch(ip, "submit retried HighPriority sleep --retries 2").loc[0, "jobId"]
    b = ip.magics_manager.registry["BatchMagics"].b
    for _ in range(100):  # until the first attempt runs: it has written its lines
        if b.describe_jobs(jobs=[job_id]).loc[0, "status"] == "RUNNING":
            break
        lb.advance(5)
    assert b.describe_jobs(jobs=[job_id]).loc[0, "status"] == "RUNNING"
    lb.set_outcome("retried", exit_code=0, logs=["second try", "done"], duration=30)  # from the next attempt on
    lb.run_until_idle()
    job = batch(ip, f"job {job_id}").iloc[0]
    streams = [a["container"]["logStreamName"] for a in job["attemptDetails"]]
    assert job["status"] == "SUCCEEDED" and len(streams) == 2 and streams[0] != streams[1]
    for attempt, messages in ((0, ["first try", "failed"]), (1, ["second try", "done"]), (-1, ["second try", "done"]),
                              (-2, ["first try", "failed"])):
        df = b.logs(job_id, attempt=attempt)
        assert list(df["message"]) == messages and df.attrs["logStreamName"] == streams[attempt]
    assert list(batch(ip, f"logs {job_id} --attempt 0 --tail 1")["message"]) == ["failed"]
    assert list(batch(ip, f"logs {job_id}")["message"]) == ["second try", "done"]  # the last by default
    with pytest.raises(UsageError, match=f"job {job_id} has 2 attempts; no attempt 2"):
        batch(ip, f"logs {job_id} --attempt 2")
