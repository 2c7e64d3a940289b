"""Seed export: what exporting jobs costs against getting them.

(a) `b.export_seed(jobs=True)` of N finished jobs (a tenth failed) and an array of 500 children against
    `b.jobs(detail=True)` of the same jobs, in the same run on the local backend.  Goal: <= 3x (the
    export also lists the array's children, describes them, and builds and masks every entry).
(b) the same written to a file (the YAML seed and, above seedexport.INLINE_JOBS, its JSON-lines table of jobs)
    against the listing.  Goal: <= 6x.
(c) the calls it makes: DescribeJobs at most ceil(N/100) + ceil(children/100), ListJobs one page per
    100 jobs a queue (counted by the backend).
(d) a LocalBatch from the exported file against one from the source's seed given as a dict.  Goal: <= 3x.

Run: python bench/seed_export.py [--jobs 5000] [--rounds 3]
"""

import argparse
import math
import tempfile
from collections import Counter
from pathlib import Path

from insight import history  # bench/ is the script directory
from timing import timed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=5_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    import batchkit

    with batchkit.local(seed=history(args.jobs), clock="manual") as lb, tempfile.TemporaryDirectory() as scratch:
        b = lb.batch
        lb.set_outcome("wide", exit_code=2, index=range(0, 500, 50))
        b.submit_job(jobName="wide", jobQueue="HighPriority", jobDefinition="sleep", arrayProperties={"size": 500})
        lb.run_until_idle()
        n = len(b.jobs())
        listing = timed(lambda: b.jobs(detail=True), args.rounds)
        export = timed(lambda: b.export_seed(jobs=True, progress=False), args.rounds)
        path = Path(scratch) / "seed.yaml"
        written = timed(lambda: b.export_seed(path, jobs=True, progress=False), args.rounds)
        print(f"(a) {n:,} jobs (one an array of 500): listing with details {listing:.2f} s, export {export:.2f} s: "
              f"ratio {export / listing:.2f} (goal <= 3)")
        size = sum(p.stat().st_size for p in Path(scratch).iterdir())
        print(f"(b) written ({size / 1e6:.1f} MB) {written:.2f} s: ratio {written / listing:.2f} (goal <= 6)")
        lb.calls.clear()
        seed = b.export_seed(jobs=True, progress=False)
        calls = Counter(call.operation for call in lb.calls)  # every call the backend answered
        goal = math.ceil(n / 100) + math.ceil(500 / 100)
        print(f"(c) {len(seed['jobs']):,} jobs exported with {calls['DescribeJobs']} DescribeJobs calls "
              f"(goal <= {goal}), {calls['ListJobs']} ListJobs calls, {sum(calls.values())} calls in all; "
              f"{seed.summary}")
        loading = timed(lambda: batchkit.local(seed=str(path), clock="manual").stop(), 1)
        seeding = timed(lambda: batchkit.local(seed=history(args.jobs), clock="manual").stop(), 1)
        print(f"(d) a LocalBatch from the exported file {loading:.2f} s, from the source's seed as a dict "
              f"{seeding:.2f} s: ratio {loading / seeding:.2f} (goal <= 3)")


if __name__ == "__main__":
    main()
