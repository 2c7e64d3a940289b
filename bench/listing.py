"""Listing 10,000 jobs with details: `Batch.jobs(detail=True)` against plain boto3.

The plain approach is what people write by hand: a paginator per queue and
status, DescribeJobs in sequential chunks of 100, pandas.json_normalize.  Both
run in the same process against the same loopback endpoint (moto's server in a
subprocess, seeded in memory), without and with 20 ms of latency added to every
request by a botocore event hook on both clients alike.

Goal: at least 5x faster than plain with latency, never slower without.
Run: python bench/listing.py [--jobs 10000] [--queues 4] [--rounds 3]
"""

import argparse
import os
import statistics
import subprocess
import sys
import time

ACCOUNT, REGION = "123456789012", "us-east-1"
STATUSES = ("SUBMITTED", "PENDING", "RUNNABLE", "STARTING", "RUNNING", "SUCCEEDED", "FAILED")


def client(service: str, url: str):
    """A plain boto3 client on the endpoint (credentials: the fake ones main sets)."""
    import boto3

    return boto3.client(service, region_name=REGION, endpoint_url=url)


def serve(jobs: int, queues: int) -> None:
    """Seed batchkit.local in memory and serve it on a free loopback port (run as a subprocess)."""
    import batchkit

    lb = batchkit.local(seed=None, server=True)
    batch = lb.client
    batch.create_compute_environment(computeEnvironmentName="bench-env", type="UNMANAGED")
    names = [f"queue-{i}" for i in range(queues)]
    for name in names:
        batch.create_job_queue(jobQueueName=name, state="ENABLED", priority=1,
                               computeEnvironmentOrder=[{"order": 1, "computeEnvironment": "bench-env"}])
    batch.register_job_definition(jobDefinitionName="work", type="container",
                                  containerProperties={"image": "busybox", "vcpus": 1, "memory": 128})
    backend = lb._backend
    definition = backend.get_job_definition("work")
    lifecycle = backend.lifecycle
    for i in range(jobs):  # in memory, statuses set through the lifecycle (its status index lists them)
        job = lifecycle.submit({"jobName": f"job-{i}"}, backend.get_job_queue(names[i % queues]), definition)
        lifecycle._set(job, STATUSES[i % len(STATUSES)])
    print(lb.endpoint_url, flush=True)
    sys.stdin.read()  # serve until the parent closes our stdin
    lb.stop()


def clients(url: str, latency: float):
    """A plain boto3 client and a Batch, both counting calls and adding latency."""
    import batchkit

    def instrument(client):
        counter = [0]

        def before_send(**kwargs):
            counter[0] += 1
            if latency:
                time.sleep(latency)

        client.meta.events.register("before-send.batch.*", before_send)
        return counter

    plain = client("batch", url)
    ours = batchkit.connect(region=REGION, endpoint_url=url)
    return (plain, instrument(plain)), (ours, instrument(ours.client))


def plain_listing(client):
    import pandas as pd

    queues = [q["jobQueueName"] for page in client.get_paginator("describe_job_queues").paginate()
              for q in page["jobQueues"]]
    ids = []
    for queue in queues:
        for status in STATUSES:
            for page in client.get_paginator("list_jobs").paginate(jobQueue=queue, jobStatus=status):
                ids += [job["jobId"] for job in page["jobSummaryList"]]
    details = []
    for start in range(0, len(ids), 100):
        details += client.describe_jobs(jobs=ids[start:start + 100])["jobs"]
    return pd.json_normalize(details)


def measure(fn, counter, rounds):
    times, rows = [], 0
    for _ in range(rounds):
        counter[0] = 0
        start = time.perf_counter()
        rows = len(fn())
        times.append(time.perf_counter() - start)
    return statistics.median(times), counter[0], rows


def main() -> None:
    os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench")
    os.environ.pop("AWS_PROFILE", None)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=10_000)
    parser.add_argument("--queues", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        return serve(args.jobs, args.queues)
    server = subprocess.Popen([sys.executable, __file__, "--serve", "--jobs", str(args.jobs),
                               "--queues", str(args.queues)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                              text=True)
    try:
        url = server.stdout.readline().strip()
        print(f"{args.jobs} jobs over {args.queues} queues at {url}; median of {args.rounds} rounds")
        print(f"{'latency':>8} {'approach':>22} {'calls':>6} {'rows':>6} {'seconds':>8} {'ratio':>7}")
        for latency in (0.0, 0.020):
            (plain, plain_calls), (ours, our_calls) = clients(url, latency)
            base = measure(lambda: plain_listing(plain), plain_calls, args.rounds)
            fast = measure(lambda: ours.jobs(detail=True), our_calls, args.rounds)
            if base[2] != args.jobs or fast[2] != args.jobs:  # both must list every job, or nothing is compared
                raise SystemExit(f"listed {base[2]} and {fast[2]} of {args.jobs} jobs")
            for name, (seconds, calls, rows) in (("plain boto3", base), ("Batch.jobs(detail=True)", fast)):
                ratio = base[0] / seconds
                print(f"{latency * 1000:6.0f}ms {name:>22} {calls:6d} {rows:6d} {seconds:8.2f} {ratio:6.1f}x")
    finally:
        server.stdin.close()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
