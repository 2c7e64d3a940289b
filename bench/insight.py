"""Pictures of a run: what they cost against getting the jobs.

(a) drawing the timeline of 10,000 jobs (`spans.spans` + `charts.timeline`, the
    plotly figure built) against listing them with `b.jobs(detail=True)`, in the
    same run on the local backend.  Goal: drawing costs less (ratio < 1).
(b) a report over N jobs (plain jobs and an array's children) makes at most
    ceil(N/100) DescribeJobs calls, counted on the client's own events.

Run: python bench/insight.py [--jobs 10000] [--rounds 3]
"""

import argparse
import math
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
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


if __name__ == "__main__":
    main()
