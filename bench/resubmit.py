"""Rerunning an array's failed children: work and time against the alternatives, in the same run.

An array of 1,000 of which 100 children failed.  (a) Units of work: `b.resubmit(failed_only=True)` runs the
100 failed ones; resubmitting the whole array (what AWS Batch itself offers) runs 1,000.  (b) Wall time with
20 ms of latency per call (`lb.faults.latency`): the 100 SubmitJob calls sent in parallel (`Batch.map`), with
the DescribeJobs, DescribeJobDefinitions and ListJobs that plan them, against the same 100 requests sent one
after another.  Goals: (a) the share that failed (0.1), (b) <= 0.3.

Run: python bench/resubmit.py [--size 1000] [--failed 100] [--latency 0.02]
"""

import argparse
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1000)
    parser.add_argument("--failed", type=int, default=100)
    parser.add_argument("--latency", type=float, default=0.02)
    args = parser.parse_args()

    import batchkit
    from batchkit import resubmit

    with batchkit.local(seed="demo", clock="manual", launch_seconds=0, pull_seconds=0) as lb:
        b = lb.batch
        lb.set_outcome("shards", exit_code=1, index=range(0, args.size, args.size // args.failed))
        array = b.submit_job(jobName="shards", jobQueue="HighPriority", jobDefinition="sleep",
                             arrayProperties={"size": args.size}).loc[0, "jobId"]
        lb.run_until_idle()
        lb.set_outcome("shards*", exit_code=0)

        planned = resubmit.plan(b, array, failed_only=True)
        whole = resubmit.plan(b, array)
        units = (len(planned), whole.entries[0].request["arrayProperties"]["size"])

        lb.faults.latency("*", args.latency)
        started = time.perf_counter()
        ours = b.resubmit(array, failed_only=True)
        parallel = time.perf_counter() - started
        started = time.perf_counter()
        for entry in planned.entries:
            lb.client.submit_job(**entry.request)
        one_by_one = time.perf_counter() - started
        lb.faults.clear()
    print(f"(a) units of work: {units[0]} reruns of failed children vs {units[1]:,} for the whole array: "
          f"{units[0] / units[1]:.2f} (goal <= {args.failed / args.size:.2f})")
    print(f"(b) {len(ours)} reruns with {args.latency * 1000:.0f} ms per call: planned and sent in parallel "
          f"{parallel:.2f} s vs one by one {one_by_one:.2f} s: {parallel / one_by_one:.2f} (goal <= 0.3)")


if __name__ == "__main__":
    main()
