"""The in-process request path against the backend's own work, each as a ratio in the same run.

(a) SubmitJob through `lb.client` (answered at botocore's before-call: dispatch.Shortcut) against the
    backend's own handling of it (`backend.submit`).  Goal: at most 10x.
(b) DescribeJobs of one job through `lb.client` against the backend's own handling of it (the
    action run on the parsed request: the reference's check of the ids, the job found by its id, its
    description as JSON), as (a)'s base is `backend.submit` and its answer.  Goal: at most 10x.
    (b') the same call against the description as JSON alone, (b)'s base before 2026-12-08.
(c) SubmitJob through `lb.client` against the same client's full path (signed, built as an HTTP
    request, answered by the before-send hook, retry bookkeeping): what a submission cost before.
    (Today's full path is already faster than the one #26 measured at 606 us, which ran moto's
    request building too.)
(d) SubmitJob through a plain boto3 client inside `lb.intercept()` (what a downstream test's code
    does) against `lb.client`.
(e) botocore's floor: a client like `lb.client` whose before-call hook hands back a ready answer
    (validation, serialization, endpoint, user agent and events are all that is left), against
    `backend.submit` and DescribeJobs' answer: the lowest ratio (a) and (b) could reach with any
    handler behind a botocore client.  Its share of (a) and (b) is printed too.
(g) SubmitJob through `lb.batch` (whose answers are DataFrames) against `lb.client`: what the
    frame costs on top of the request (#26 asks lb.batch for the same 10x).
(f) --jobs (100,000) SubmitJobs through `lb.client` in a row, from a reset, against the same count
    through the full path.  Goal (#26): under 0.15x of the 59 s the issue measured, which is
    printed too (a time from another run: the full path here is the same-run baseline).

Times are CPU seconds of this process.  Each measure is taken --repeat times; ratios are given as
min and median of those.
Run: python bench/inprocess.py [--calls 3000] [--rounds 5] [--repeat 3] [--jobs 100000] [--job-rounds 1]
"""

import argparse
import json
import os
import statistics
import time

ISSUE_100K_SECONDS = 59.0  # 100,000 SubmitJobs in-process when #26 was filed


# CPU time of this process: on a machine shared with others' test suites, wall time also counts the
# waits for a core (this is single-threaded work: a manual clock runs no thread of its own)
clock = time.process_time


def per_call(fn, calls: int, rounds: int) -> float:
    """Median over `rounds` of the mean CPU seconds per call of `calls` calls (after a warm-up)."""
    for i in range(calls // 10):
        fn(-i)
    samples = []
    for _ in range(rounds):
        start = clock()
        for i in range(calls):
            fn(i)
        samples.append((clock() - start) / calls)
    return statistics.median(samples)


def canned_client(lb):
    """A client made as `lb.client` is, answered at before-call with a ready answer: botocore's own work only."""
    from botocore.awsrequest import AWSResponse

    from batchkit.client import client_config

    client = lb._session.client("batch", region_name=lb.region, config=client_config(),
                                aws_access_key_id="bench", aws_secret_access_key="bench")
    http = AWSResponse("https://batch.us-east-1.amazonaws.com/", 200, {}, None)

    def answer(model, **kwargs):
        return http, {"ResponseMetadata": {"HTTPStatusCode": 200, "HTTPHeaders": {}, "RetryAttempts": 0}}

    client.meta.events.register("before-call.batch", answer)
    return client


def measure_n(lb, fn, calls: int, rounds: int) -> float:
    lb.reset()
    return per_call(fn, calls, rounds)


def measures(lb, calls: int, rounds: int):
    """(name, value, base, goal) of (a)-(e), each pair measured back to back."""
    import boto3

    from batchkit.local import responses

    client, backend = lb.client, lb._backend
    request = {"jobQueue": "HighPriority", "jobDefinition": "sleep"}
    canned = canned_client(lb)

    def measure(fn, full_path: bool = False):
        lb.reset()  # every measurement starts from the same state, so the stored jobs do not grow (faults cleared)
        if full_path:  # a fault in force (one that never fires): every call takes the full path
            lb.faults.latency("CreateConsumableResource", 0)
        try:
            return per_call(fn, calls, rounds)
        finally:
            lb.faults.clear()

    def client_submit(i):
        client.submit_job(jobName=f"c{i}", **request)

    def backend_submit(i):
        with lb._runtime.lock:
            job = backend.submit({"jobName": f"b{i}", **request})
            json.dumps({"jobArn": job.arn, "jobName": job.name, "jobId": job.id})

    submitted, own = measure(client_submit), measure(backend_submit)
    floor_submit = measure(lambda i: canned.submit_job(jobName=f"f{i}", **request))
    yield "(a) SubmitJob: lb.client vs backend.submit", submitted, own, 10

    lb.reset()
    job_id = lb.submit("described", queue="HighPriority")
    job = backend.lifecycle.jobs[job_id]
    described = per_call(lambda i: client.describe_jobs(jobs=[job_id]), calls, rounds)

    action = responses.Handler(lb._runtime, lb.region, "POST", "/v1/describejobs", b"", validated=True)
    action._request = {"jobs": [job_id]}  # the request as the handler parsed it

    def backend_describe(i):
        with lb._runtime.lock:
            action.describe_jobs()

    handled = per_call(backend_describe, calls, rounds)
    answered = per_call(lambda i: json.dumps({"jobs": [job.detail(backend.list_tags_for_resource(job.arn))]}),
                        calls, rounds)
    floor_describe = per_call(lambda i: canned.describe_jobs(jobs=[job_id]), calls, rounds)
    yield "(b) DescribeJobs: lb.client vs the backend's handling", described, handled, 10
    yield "(b') DescribeJobs: lb.client vs the description as JSON", described, answered, None

    full = measure(client_submit, full_path=True)
    yield "(c) SubmitJob: lb.client vs its full path", measure(client_submit), full, None

    plain = boto3.client("batch")
    with lb.intercept():
        intercepted = measure(lambda i: plain.submit_job(jobName=f"p{i}", **request))
    yield "(d) SubmitJob: intercepted boto3 client vs lb.client", intercepted, measure(client_submit), None

    batch_calls = max(calls // 10, 100)  # each builds a DataFrame: ~10x slower
    framed = measure_n(lb, lambda i: lb.batch.submit_job(jobName=f"g{i}", **request), batch_calls, rounds)
    yield "(g) SubmitJob: lb.batch (a DataFrame) vs lb.client", framed, measure_n(lb, client_submit, batch_calls, rounds), None

    yield "(e) botocore's floor: canned SubmitJob vs backend.submit", floor_submit, own, None
    yield "    botocore's share of (a): canned vs lb.client", floor_submit, submitted, None
    yield "(e) botocore's floor: canned DescribeJobs vs the handling", floor_describe, handled, None
    yield "    botocore's share of (b): canned vs lb.client", floor_describe, described, None


def submissions(lb, jobs: int) -> tuple[float, float]:
    """Seconds for `jobs` SubmitJobs through lb.client in a row: the shortcut, and the full path."""
    def run(full_path: bool = False) -> float:
        lb.reset()  # (clears faults)
        if full_path:
            lb.faults.latency("CreateConsumableResource", 0)
        start = clock()
        for i in range(jobs):
            lb.client.submit_job(jobName=f"j{i}", jobQueue="HighPriority", jobDefinition="sleep")
        return clock() - start

    shortcut, full = run(), run(full_path=True)
    lb.reset()
    return shortcut, full


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=3, help="times each ratio is measured (min and median shown)")
    parser.add_argument("--jobs", type=int, default=100_000, help="submissions in a row for (f); 0 skips (f)")
    parser.add_argument("--job-rounds", type=int, default=1)
    args = parser.parse_args()
    os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_DEFAULT_REGION="us-east-1")
    import batchkit

    print(f"load average at start: {os.getloadavg()[0]:.2f}")
    lb = batchkit.local(seed="demo")
    taken: dict[str, list] = {}
    goals = {}
    for _ in range(args.repeat):
        for name, value, base, goal in measures(lb, args.calls, args.rounds):
            taken.setdefault(name, []).append((value, base))
            goals[name] = goal
    print(f"{'measure':58} {'us':>7} {'base us':>8} {'ratio min':>9} {'median':>7}  goal")
    for name, pairs in taken.items():
        ratios = [value / base for value, base in pairs]
        value, base = (statistics.median(p[i] for p in pairs) for i in (0, 1))
        goal = f"<= {goals[name]}x" if goals[name] else ""
        print(f"{name:58} {value * 1e6:7.1f} {base * 1e6:8.1f} {min(ratios):8.2f}x {statistics.median(ratios):6.2f}x  {goal}")

    if args.jobs:
        runs = [submissions(lb, args.jobs) for _ in range(args.job_rounds)]
        shortcut, full = (statistics.median(r[i] for r in runs) for i in (0, 1))
        print(f"(f) {args.jobs:,} SubmitJobs through lb.client: {shortcut:.1f} s ({shortcut / args.jobs * 1e6:.0f} us each), "
              f"the full path {full:.1f} s: {min(s / f for s, f in runs):.2f}x-{max(s / f for s, f in runs):.2f}x; "
              f"against the issue's {ISSUE_100K_SECONDS * args.jobs / 100_000:.1f} s (another run): "
              f"{shortcut / (ISSUE_100K_SECONDS * args.jobs / 100_000):.2f}x (goal < 0.15x)")
    print(f"load average at end: {os.getloadavg()[0]:.2f}")
    lb.stop()


if __name__ == "__main__":
    main()
