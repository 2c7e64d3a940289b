"""The in-process request path against the backend's own work, each as a ratio in the same run.

(a) SubmitJob through `lb.client` (answered at botocore's before-call: dispatch.Shortcut) against the
    backend's own handling of it (`backend.submit`).  Goal: at most 10x.
(b) DescribeJobs of one job through `lb.client` against the backend's own answer (the job's
    description as JSON).  Goal: at most 10x.
(c) SubmitJob through `lb.client` against the same client's full path (signed, built as an HTTP
    request, answered by the before-send hook, retry bookkeeping): what a submission cost before.
    (Today's full path is already faster than the one #26 measured at 606 us, which ran moto's
    request building too.)
(d) SubmitJob through a plain boto3 client inside `lb.intercept()` (what a downstream test's code
    does) against `lb.client`.

Run: python bench/inprocess.py [--calls 3000] [--rounds 5]
"""

import argparse
import json
import os
import statistics
import time


def per_call(fn, calls: int, rounds: int) -> float:
    """Median over `rounds` of the mean seconds per call of `calls` calls (after a warm-up)."""
    for i in range(calls // 10):
        fn(-i)
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        for i in range(calls):
            fn(i)
        samples.append((time.perf_counter() - start) / calls)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_DEFAULT_REGION="us-east-1")
    import boto3

    import batchkit

    lb = batchkit.local(seed="demo")
    client, backend = lb.client, lb._backend
    request = {"jobQueue": "HighPriority", "jobDefinition": "sleep"}

    def reset():  # every measurement starts from the same state, so the stored jobs do not grow
        lb.reset()

    def client_submit(i):
        client.submit_job(jobName=f"c{i}", **request)

    def backend_submit(i):
        with lb._runtime.lock:
            job = backend.submit({"jobName": f"b{i}", **request})
            json.dumps({"jobArn": job.arn, "jobName": job.name, "jobId": job.id})

    rows = []
    reset()
    ours = per_call(client_submit, args.calls, args.rounds)
    reset()
    own = per_call(backend_submit, args.calls, args.rounds)
    rows.append(("(a) SubmitJob: lb.client vs backend.submit", ours, own, 10))

    reset()
    job_id = lb.submit("described", queue="HighPriority")
    job = backend.lifecycle.jobs[job_id]
    described = per_call(lambda i: client.describe_jobs(jobs=[job_id]), args.calls, args.rounds)
    answered = per_call(lambda i: json.dumps({"jobs": [job.detail(backend.list_tags_for_resource(job.arn))]}),
                        args.calls, args.rounds)
    rows.append(("(b) DescribeJobs: lb.client vs the backend's answer", described, answered, 10))

    reset()
    lb.faults.latency("CreateConsumableResource", 0)  # a fault in force: every call takes the full path
    full = per_call(client_submit, args.calls, args.rounds)
    lb.faults.clear()
    reset()
    rows.append(("(c) SubmitJob: lb.client vs its full path", per_call(client_submit, args.calls, args.rounds), full, None))

    plain = boto3.client("batch")
    reset()
    with lb.intercept():
        intercepted = per_call(lambda i: plain.submit_job(jobName=f"p{i}", **request), args.calls, args.rounds)
    reset()
    rows.append(("(d) SubmitJob: intercepted boto3 client vs lb.client", intercepted,
                 per_call(client_submit, args.calls, args.rounds), None))
    lb.stop()

    print(f"{'measure':58} {'us':>8} {'base us':>8} {'ratio':>7} goal")
    for name, value, base, goal in rows:
        print(f"{name:58} {value * 1e6:8.1f} {base * 1e6:8.1f} {value / base:6.2f}x {f'<= {goal}x' if goal else ''}")


if __name__ == "__main__":
    main()
