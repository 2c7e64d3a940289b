"""Pictures of a run: what they cost against getting the jobs.

(a) drawing the timeline of 10,000 jobs (`spans.spans` + `charts.timeline`, the
    plotly figure built) against listing them with `b.jobs(detail=True)`, in the
    same run on the local backend.  Goal: drawing costs less (ratio < 1).
(b) a report over N jobs (plain jobs and an array's children) makes at most
    ceil(N/100) DescribeJobs calls, counted on the client's own events.
(c) the JSON of a 5,000-job timeline (what a notebook stores and a browser parses) against
    the way it was drawn before: every row, and on every bar its whole hover text as one
    string (4.25 MB, nine tenths of it hover text once plotly escapes its tags).  Now: the
    newest rows and one row for the rest, the hover's words in one template per trace and
    each bar's values as customdata (a wait before a run says when and how long, the run bar
    next to it the rest); and with every row drawn (rows=None).  Goal: at most half (<= 0.5).

(d) the dependency graph of 10,000 jobs (chains of 10, every job on the one before; a failure in a
    tenth of the chains, the rest of those failed by it) against listing them with `b.jobs(detail=True)`,
    in the same run: the layout (layers, folding, order) and the plotly figure built.  Goal: < 1.

Run: python bench/insight.py [--jobs 10000] [--rounds 3] [--timeline-jobs 5000] [--graph-jobs 10000]
"""

import argparse
import math
import re
import tempfile
from pathlib import Path

from timing import timed  # bench/ is the script directory

START = 1_760_000_000_000


def history(jobs: int) -> dict:
    """The demo seed with `jobs` finished jobs on three queues, a tenth of them failed."""
    from batchkit.local import seed

    queues = ("HighPriority", "LowPriority", "Backfill")
    return {**seed.load("demo"), "jobs": [
        {"jobName": f"step-{i}", "jobQueue": queues[i % 3], "jobDefinition": "sleep",
         "status": "FAILED" if i % 10 == 0 else "SUCCEEDED", "exitCode": 1 if i % 10 == 0 else 0,
         "statusReason": "Essential container in task exited",
         "createdAt": START + i * 500, "startedAt": START + i * 500 + 20_000,
         "stoppedAt": START + i * 500 + 20_000 + (i % 7 + 1) * 60_000} for i in range(jobs)]}


def pipelines(jobs: int, chain: int = 10) -> dict:
    """The demo seed with `jobs` finished jobs in chains of `chain`, each on the one before it; the first
    job of every tenth chain failed, and the rest of that chain failed because of it."""
    from batchkit.local import seed

    rows = []
    for i in range(jobs):
        link, broken = i % chain, (i // chain) % 10 == 0
        rows.append({"jobName": f"step-{i}", "jobId": f"00000000-0000-4000-8000-{i:012d}", "jobQueue": "HighPriority",
                     "jobDefinition": "sleep", "status": "FAILED" if broken else "SUCCEEDED",
                     "statusReason": ("Dependent Job failed" if link else "Essential container in task exited")
                     if broken else "Essential container in task exited",
                     "createdAt": START + i * 500, "startedAt": START + i * 500 + 20_000,
                     "stoppedAt": START + i * 500 + 80_000,
                     **({"dependsOn": [{"jobId": f"00000000-0000-4000-8000-{i - 1:012d}"}]} if link else {})})
    return {**seed.load("demo"), "jobs": rows}


def as_strings(table):
    """The timeline as drawn before: a row per job, each bar with its whole hover text as a string."""
    import plotly.graph_objects as go

    from batchkit.insight import charts

    fields = charts._hover(table.rows, table.segments)
    template = charts.JOB_HOVER.replace("<extra></extra>", "")
    texts = [re.sub(r"%\{customdata\[(\d+)\]\}", lambda m: values[int(m.group(1))], template) for values in fields]
    fig = go.Figure(layout=charts.timeline(table, rows=None).layout)
    for (phase, status), part in table.segments.groupby(["phase", "status"], sort=False):
        width, offset = charts.BARS[phase]
        fig.add_bar(orientation="h", y=part["row"].to_numpy(), base=charts.local(part["start"]),
                    x=(part["end"] - part["start"]).to_numpy(), width=width, offset=offset, name=status,
                    marker={"color": charts.views.COLORS.get(status, "#888888"), "line": {"width": 0}},
                    hovertext=[texts[i] for i in part.index], hovertemplate="%{hovertext}<extra></extra>", meta=phase)
    return fig


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--timeline-jobs", type=int, default=5_000)
    parser.add_argument("--graph-jobs", type=int, default=10_000)
    args = parser.parse_args()

    import batchkit
    from batchkit.insight import charts, spans

    with batchkit.local(seed=history(args.jobs), clock="manual") as lb:
        b = lb.batch
        frame = b.jobs(detail=True)
        listing = timed(lambda: b.jobs(detail=True), args.rounds)
        drawing = timed(lambda: charts.timeline(spans.spans(frame)), args.rounds)
        print(f"(a) {len(frame):,} jobs: listing with details {listing:.2f} s, drawing the timeline {drawing:.2f} s: "
              f"ratio {drawing / listing:.2f} (goal < 1)")

        b.submit_job(jobName="wide", jobQueue="HighPriority", jobDefinition="sleep", arrayProperties={"size": 500})
        lb.run_until_idle()
        calls = []
        b.client.meta.events.register("before-call.batch.DescribeJobs", lambda **kw: calls.append(1))
        with tempfile.TemporaryDirectory() as scratch:
            report = b.report(Path(scratch) / "run.html")
        n = len(report.jobs)
        print(f"(b) a report over {n:,} jobs made {len(calls)} DescribeJobs calls "
              f"(goal <= ceil(N/100) = {math.ceil(n / 100)})")

    with batchkit.local(seed=history(args.timeline_jobs), clock="manual") as lb:
        table = spans.spans(lb.batch.jobs(detail=True))
        before = len(as_strings(table).to_json())
        shown, every = charts.timeline(table), charts.timeline(table, rows=None)
        drawing = timed(lambda: charts.timeline(table).to_json(), args.rounds)
        every_drawing = timed(lambda: charts.timeline(table, rows=None).to_json(), args.rounds)
        print(f"(c) a timeline of {len(table.rows):,} jobs as JSON: {before / 1e6:.2f} MB drawn as before; "
              f"{len(every.to_json()) / 1e6:.2f} MB with every row (ratio {len(every.to_json()) / before:.2f}, "
              f"{every_drawing:.2f} s to draw); {len(shown.to_json()) / 1e6:.3f} MB as drawn now, "
              f"{len(shown.layout.yaxis.ticktext)} rows (ratio {len(shown.to_json()) / before:.3f}, "
              f"{drawing:.2f} s) (goal <= 0.5)")

    from batchkit.insight import runs

    with batchkit.local(seed=pipelines(args.graph_jobs), clock="manual") as lb:
        b = lb.batch
        frame = b.jobs(detail=True)
        listing = timed(lambda: b.jobs(detail=True), args.rounds)
        drawing = timed(lambda: runs.graph(b, frame), args.rounds)
        fig = runs.graph(b, frame)
        print(f"(d) the dependency graph of {len(frame):,} jobs: listing with details {listing:.2f} s, drawing "
              f"{drawing:.2f} s: ratio {drawing / listing:.2f} (goal < 1); {len(fig.to_json()) / 1e6:.2f} MB of JSON")


if __name__ == "__main__":
    main()
