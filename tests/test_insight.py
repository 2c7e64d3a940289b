"""Pictures of a run (batchkit.insight) on the local backend's manual clock: a run of plain,
array, retried and failed jobs, drawn as a timeline, capacity in use and a run report."""

import math
import os
import subprocess
import sys
from html.parser import HTMLParser

import pandas as pd
import plotly.graph_objects as go
import pytest
import yaml

import batchkit
from batchkit.insight import charts, spans

OOM = "OutOfMemoryError: Container killed"


@pytest.fixture(scope="module")
def local():
    with batchkit.local(seed="demo", clock="manual", launch_seconds=0, pull_seconds=0) as lb:  # not about scaling
        yield lb


@pytest.fixture
def run(local):
    """Seeded: 3 jobs of 5 s. Then: an array of 5 (1 vCPU, 120 s) and a job failing then
    succeeding (2 vCPUs, 200 s each) on HighPriority; 3 jobs failing out of memory (8 vCPUs, 300 s)
    on LowPriority."""
    local.reset()
    b = local.batch
    local.set_outcome("shards", duration=120)
    local.set_outcome("etl-a", exit_code=[1, 0], duration=200)
    local.set_outcome("broken-*", exit_code=1, duration=300, reason=OOM)
    ids = {"shards": b.submit_job(jobName="shards", jobQueue="HighPriority", jobDefinition="sleep",
                                  arrayProperties={"size": 5}).loc[0, "jobId"],
           "etl": b.submit_job(jobName="etl-a", jobQueue="HighPriority", jobDefinition="etl").loc[0, "jobId"]}
    for i in range(3):
        ids[f"broken-{i}"] = b.submit_job(jobName=f"broken-{i}", jobQueue="LowPriority",
                                          jobDefinition="train").loc[0, "jobId"]
    local.run_until_idle()
    return ids


def traces(fig, meta):
    return {t.name: t for t in fig.data if t.meta == meta}


def test_the_timeline_has_a_bar_per_job_arrays_folded_and_a_time_axis(local, run):
    fig = local.batch.timeline()
    labels = list(fig.layout.yaxis.ticktext)
    assert labels[:3] == ["nightly-etl", "warmup", "train-baseline"]  # oldest first
    assert sorted(labels[3:]) == ["broken-0", "broken-1", "broken-2", "etl-a", "shards [5]"]
    runs = traces(fig, "run")
    assert set(runs) == {"SUCCEEDED", "FAILED"}
    assert list(runs["FAILED"].x) == [300_000] * 3  # ms: each broken job ran 300 s
    assert len(runs["SUCCEEDED"].x) == 3 + 1 + 2  # seeded, the array's extent, the retried job's two runs
    assert set(traces(fig, "wait")) == {"SUCCEEDED", "FAILED"}  # created -> started, drawn lighter
    band = traces(fig, "progress")["SUCCEEDED"]  # the array's children by status
    assert list(band.y) == [labels.index("shards [5]")] and list(band.x) == [120_000]
    assert fig.layout.xaxis.type == "date" and fig.layout.xaxis.title.text.startswith("time (")
    assert fig.layout.yaxis.autorange == "reversed"
    hover = charts.hover_texts(runs["FAILED"])
    assert all(f"{OOM} · exit 1" in text and "ran 5m00s" in text for text in hover)  # durations as people say them
    assert all("running 5m00s" in text for text in hover) and "<b>broken-0</b> FAILED" in hover[0]
    assert "5 array children folded in" in fig.layout.title.text


def test_bars_start_and_stop_when_the_jobs_did(local, run):
    job = local.batch.describe_jobs(jobs=[run["broken-0"]]).iloc[0]
    fig = local.batch.timeline([run["broken-0"]])
    (ran,), (wait,) = traces(fig, "run").values(), traces(fig, "wait").values()
    started = job["startedAt"].tz_convert(batchkit.views.local_zone()).tz_localize(None)
    created = job["createdAt"].tz_convert(batchkit.views.local_zone()).tz_localize(None)
    assert pd.Timestamp(ran.base[0]) == started and ran.x[0] == (job["stoppedAt"] - job["startedAt"]).total_seconds() * 1000
    assert pd.Timestamp(wait.base[0]) == created and wait.x[0] == (job["startedAt"] - job["createdAt"]).total_seconds() * 1000


def test_array_children_expand_into_rows_of_their_own(local, run):
    b = local.batch
    rows = spans.spans(b.jobs(detail=True, children=True), expand=["shards"]).rows
    assert list(rows.loc[rows["kind"] == "child", "label"].str.strip()) == [f"shards[{i}]" for i in range(5)]
    assert rows["label"].tolist().index("  shards[0]") == rows["label"].tolist().index("shards [5]") + 1
    assert len(b.timeline(expand=True).layout.yaxis.ticktext) == 8 + 5
    # a listing's frame (no details, no children): the children are described to fill the band
    folded = b.timeline(b.jobs(queue="HighPriority"))
    assert list(traces(folded, "progress")["SUCCEEDED"].x) == [120_000]


def test_a_running_job_runs_until_now_and_a_queued_one_waits(local):
    local.reset()
    local.set_outcome("long", duration=3600)
    b = local.batch
    long = b.submit_job(jobName="long", jobQueue="HighPriority", jobDefinition="sleep").loc[0, "jobId"]
    local.advance(60)
    b.update_compute_environment(computeEnvironment="spot-ce", state="DISABLED")
    stuck = b.submit_job(jobName="stuck", jobQueue="Backfill", jobDefinition="sleep").loc[0, "jobId"]
    local.advance(60)
    jobs = b.describe_jobs(jobs=[long, stuck])
    now = jobs["createdAt"].max() + pd.Timedelta(minutes=10)
    table = spans.spans(jobs, now=now)
    segments = table.segments.merge(table.rows[["row", "label"]], on="row")
    (running,) = segments[(segments["label"] == "long") & (segments["phase"] == "run")].itertuples()
    assert running.status == "RUNNING" and running.end == now.value / 1e6
    (waiting,) = segments[segments["label"] == "stuck"].itertuples()
    assert (waiting.phase, waiting.status, waiting.end) == ("wait", "RUNNABLE", now.value / 1e6)


def test_charts_end_running_jobs_at_the_backends_now_even_ahead_of_this_machines(local):
    """The manual clock runs hours ahead of wall time here: a job still running is drawn up to the
    simulated now, not cut off at the machine's."""
    local.reset()
    local.set_outcome("long", duration=6 * 3600)
    b = local.batch
    local.advance(3 * 3600)
    b.submit_job(jobName="long", jobQueue="HighPriority", jobDefinition="sleep")
    local.advance(3600)
    now = local.now
    vcpus = {t.name: t for t in b.capacity().data if t.meta == "vcpus"}["ondemand-ce"]
    in_use = [(pd.Timestamp(x).value / 1e6, y) for x, y in zip(vcpus.x, vcpus.y)]
    (end, vcpus_then), (_, before) = in_use[-1], in_use[-2]
    assert end == pytest.approx(now, abs=1) and (before, vcpus_then) == (1, 0)  # up to now, where the chart ends
    job = b.jobs(queue="HighPriority", status="RUNNING")
    (running,) = traces(b.timeline(job), "run").values()
    ran = now - job.loc[0, "startedAt"].value / 1e6  # ms: its start to the simulated now
    assert running.x[0] == pytest.approx(ran, abs=1) and ran > 3590 * 1000


def test_capacity_steps_per_environment_against_max_vcpus(local, run):
    fig = local.batch.capacity()
    vcpus = {t.name: t for t in fig.data if t.meta == "vcpus"}
    assert set(vcpus) == {"ondemand-ce", "spot-ce"}
    assert max(vcpus["spot-ce"].y) == 3 * 8  # the three broken jobs at once, on LowPriority's first environment
    assert max(vcpus["ondemand-ce"].y) == 5 * 1 + 2  # the array's children and the etl job
    assert vcpus["spot-ce"].y[-1] == 0 and vcpus["spot-ce"].line.shape == "hv"
    memory = {t.name: max(t.y) for t in fig.data if t.meta == "memory"}
    assert memory["spot-ce"] == 3 * 32  # GiB
    assert not [t for t in fig.data if t.meta == "gpus"]  # no job asked for a GPU
    assert fig.layout.xaxis.type == "date"
    # the axis is scaled to what was used: maxvCpus 64 and 256 are far above 24, noted, not drawn
    assert tuple(fig.layout.yaxis.range) == (0, 24 * charts.HEADROOM)
    assert not [t for t in fig.data if t.meta == "maxvCpus"]
    (note,) = [a.text for a in fig.layout.annotations if "off the scale" in a.text]
    assert "ondemand-ce 64" in note and "spot-ce 256" in note
    # every environment ends at the same right edge (and starts at the same left one)
    assert len({t.x[-1] for t in fig.data}) == 1 and len({t.x[0] for t in fig.data}) == 1


def test_capacity_draws_a_maximum_near_what_was_used_and_hover_says_what_ran(local):
    local.reset()
    b = local.batch
    local.set_outcome("wide-*", duration=300)
    for i in range(7):  # 56 of ondemand-ce's 64 vCPUs
        b.submit_job(jobName=f"wide-{i}", jobQueue="HighPriority", jobDefinition="sleep",
                     containerOverrides={"resourceRequirements": [{"type": "VCPU", "value": "8"}]})
    local.advance(120)
    fig = b.capacity()
    (limit,) = [t for t in fig.data if t.meta == "maxvCpus"]
    assert limit.name == "ondemand-ce maxvCpus" and list(limit.y) == [64, 64]
    assert fig.layout.yaxis.range[1] >= 64  # the line is on the chart
    vcpus = {t.name: t for t in fig.data if t.meta == "vcpus"}["ondemand-ce"]
    assert list(limit.x) == [vcpus.x[0], vcpus.x[-1]]  # the dashed line spans the chart
    at = list(vcpus.y).index(56)
    text = fill(vcpus.hovertemplate, vcpus.customdata[at])
    assert text.startswith("<b>ondemand-ce</b>")
    assert "vCPUs in use: 56 of 64 (maxvCpus)" in text and "jobs running: 7" in text and "memory in use:" in text
    assert "%{x|" in text  # the time: plotly fills it in


def test_capacity_of_a_live_run_reaches_now_while_jobs_wait(local):
    """Nothing in use while a job waits is the picture: the lines go on to now, at zero."""
    local.reset()
    b = local.batch
    local.set_outcome("short", duration=60)
    b.submit_job(jobName="short", jobQueue="HighPriority", jobDefinition="sleep")
    local.advance(120)
    b.update_compute_environment(computeEnvironment="spot-ce", state="DISABLED")
    b.submit_job(jobName="stuck", jobQueue="Backfill", jobDefinition="sleep")
    local.advance(600)
    ends = {pd.Timestamp(t.x[-1]).value / 1e6 for t in b.capacity().data}
    assert len(ends) == 1 and ends.pop() == pytest.approx(local.now, abs=1)


def fill(template: str, values) -> str:
    """A hovertemplate with its customdata fields filled, formats dropped (what plotly shows, near enough)."""
    import re

    return re.sub(r"%\{customdata\[(\d+)\](:[^}]*)?\}", lambda m: f"{values[int(m.group(1))]:g}", template)


def test_a_timeline_of_thousands_of_jobs_is_the_newest_rows_and_one_for_the_rest():
    """5,000 jobs: the newest rows labelled and one row on top for the rest, its band by status; the
    figure's height bounded; the hover words in one template per trace, not in every bar."""
    created = pd.Timestamp("2025-10-09 08:00", tz="UTC") + pd.to_timedelta(range(5000), unit="s")
    jobs = pd.DataFrame({"jobId": [f"id-{i}" for i in range(5000)], "jobName": [f"step-{i}" for i in range(5000)],
                         "status": ["FAILED" if i % 10 == 0 else "SUCCEEDED" for i in range(5000)],
                         "createdAt": created, "startedAt": created + pd.Timedelta(seconds=20),
                         "stoppedAt": created + pd.Timedelta(seconds=80), "statusReason": "Essential container",
                         "exitCode": 0, "queue": "HighPriority"})
    table = spans.spans(jobs)
    fig = charts.timeline(table)
    labels = list(fig.layout.yaxis.ticktext)
    assert len(labels) == charts.ROWS and fig.layout.yaxis.showticklabels  # every row labelled
    assert labels[0] == f"{5000 - charts.ROWS + 1:,} earlier jobs" and labels[-1] == "step-4999"
    assert fig.layout.height <= charts.MAX_HEIGHT
    more = traces(fig, "more")
    assert {s: t.customdata[0][9] for s, t in more.items()} == {"SUCCEEDED": "succeeded 4,464 (90%)",
                                                               "FAILED": "failed 497 (10%)"}
    assert "the 4,961 before them as the top row" in fig.layout.title.text
    assert "5,000 jobs" in fig.layout.title.text
    # every row drawn (rows=None): the same hover as one string per bar, in less than half the JSON
    every = charts.timeline(table, rows=None)
    assert sum(len(t.y) for t in every.data if t.meta == "run") == 5000
    wait, run = traces(every, "wait")["SUCCEEDED"], traces(every, "run")["SUCCEEDED"]
    assert charts.hover_texts(run)[0].startswith("<b>step-1</b> SUCCEEDED<br>created ")
    assert charts.hover_texts(wait)[0].endswith("<i>waiting in the queue 20s</i>")
    as_strings = go.Figure(every)
    for trace in as_strings.data:
        trace.update(hovertext=charts.hover_texts(trace), hovertemplate="%{hovertext}<extra></extra>", customdata=None)
    assert len(every.to_json()) < 0.6 * len(as_strings.to_json())
    assert len(fig.to_json()) < 0.02 * len(as_strings.to_json())


def references(page: str) -> list[str]:
    """Every src and href of the page's tags (script text is not markup)."""
    found = []

    class Parser(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.extend(value for name, value in attrs if name in ("src", "href") and value)

    Parser().feed(page)
    return found


def test_the_report_is_one_self_contained_file_with_failures_and_vcpu_hours(local, run, tmp_path):
    report = local.batch.report(tmp_path / "run.html")
    page = (tmp_path / "run.html").read_text()
    assert references(page) == []  # nothing to fetch: it opens offline
    assert page.count("<script") >= 4 and "Plotly.newPlot" in page
    failures = report.failures()
    assert failures[["reason", "exit", "count", "jobName"]].values.tolist() == [[OOM, "1", 3, "broken-0"]]
    assert OOM in page and "broken-0" in page
    # vCPU-seconds: seeded 2*5 + 1*5 + 8*5, array 5*1*120, etl 2*(200+200), broken 3*8*300
    expected = (55 + 600 + 800 + 7200) / 3600
    assert report.hours["vcpu_hours"].sum() == pytest.approx(expected)
    assert f"<b>{expected:.2f}</b><span>vCPU-hours</span>" in page
    per_queue = report.resource_hours("queue")
    assert per_queue.loc["LowPriority", "vcpu_hours"] == pytest.approx((5 + 40 + 7200) / 3600)
    assert report.counts().loc["LowPriority"].to_dict() == {"SUCCEEDED": 2, "FAILED": 3}
    assert report.counts().loc["HighPriority"].to_dict() == {"SUCCEEDED": 7, "FAILED": 0}
    assert report.retried()[["jobName", "attempts", "exit codes"]].values.tolist() == [["etl-a", 2, "1 → 0"]]
    for section in ("Jobs per queue and status", "Failures by reason and exit code", "Retries",
                    "Waiting and running", "vCPU-hours and memory-GiB-hours", "Timeline", "Capacity"):
        assert f"<h2>{section}</h2>" in page
    assert "5m00s" in page and "0 days" not in page


def test_a_report_over_n_jobs_describes_them_100_a_call(local, tmp_path):
    local.reset()
    b = local.batch
    b.submit_job(jobName="wide", jobQueue="HighPriority", jobDefinition="sleep", arrayProperties={"size": 250})
    local.run_until_idle()
    calls = []
    b.client.meta.events.register("before-call.batch.DescribeJobs", lambda **kw: calls.append(kw))
    try:
        report = b.report(tmp_path / "wide.html")
    finally:
        b.client.meta.events.unregister("before-call.batch.DescribeJobs")
    n = len(report.jobs)
    assert n == 3 + 1 + 250 and len(report.work) == 253
    assert 0 < len(calls) <= math.ceil(n / 100)


def test_bad_input_is_one_clear_line(local):
    with pytest.raises(ValueError, match="^no jobs to draw"):
        local.batch.timeline([])
    for chart in (local.batch.timeline, local.batch.capacity):  # as the graph says it, not an empty chart or a TypeError
        with pytest.raises(LookupError, match="^no job found with id not-a-job$"):
            chart(["not-a-job"])
    with pytest.raises(ValueError, match="^cannot read since='yesterday-ish'"):
        local.batch.report("x.html", since="yesterday-ish")


def test_batchkit_report_against_batchkit_serve(tmp_path):
    """The command line against `batchkit serve` in a subprocess, seeded with a recorded history."""
    from batchkit.local import seed

    now = pd.Timestamp.now(tz="UTC").floor("s")
    history = [{"jobName": f"nightly-{i}", "jobQueue": "LowPriority", "jobDefinition": "etl",
                "status": "FAILED" if i < 2 else "SUCCEEDED", "exitCode": 137 if i < 2 else 0,
                "statusReason": "OutOfMemoryError: Container killed" if i < 2 else "Essential container in task exited",
                "createdAt": (now - pd.Timedelta(hours=2, minutes=i)).isoformat(),
                "startedAt": (now - pd.Timedelta(hours=2, minutes=i) + pd.Timedelta(seconds=30)).isoformat(),
                "stoppedAt": (now - pd.Timedelta(hours=1, minutes=i) + pd.Timedelta(seconds=30)).isoformat()}
               for i in range(4)]
    seed_file = tmp_path / "seed.yaml"
    seed_file.write_text(yaml.safe_dump({**seed.load("demo"), "jobs": history}))
    server = subprocess.Popen([sys.executable, "-m", "batchkit", "serve", "--port", "0", "--clock", "manual",
                               "--seed", str(seed_file)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        endpoint = server.stdout.readline().strip()
        out = tmp_path / "run.html"
        done = subprocess.run([sys.executable, "-m", "batchkit", "report", "--endpoint-url", endpoint,
                               "--region", "us-east-1", "--since", "24h", "-o", str(out)],
                              capture_output=True, text=True, timeout=120, env={**os.environ})
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"{out}: 4 jobs (2 succeeded, 2 failed), 8.00 vCPU-hours"  # 4 x 2 vCPUs x 1 h
    page = out.read_text()
    assert references(page) == [] and "OutOfMemoryError: Container killed" in page and "137" in page
    assert f"endpoint {endpoint}" in page  # which backend the report is about


def test_batchkit_report_says_what_is_wrong_in_one_line(tmp_path):
    done = subprocess.run([sys.executable, "-m", "batchkit", "report", "--endpoint-url", "http://127.0.0.1:9",
                           "--since", "soon", "-o", str(tmp_path / "x.html")], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 1 and done.stderr.count("\n") == 1 and done.stderr.startswith("batchkit: ")
