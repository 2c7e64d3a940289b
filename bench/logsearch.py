"""Searching 500 jobs' logs for a word: `Batch.search_logs` against reading each job's log.

`b.search_logs(jobs, "MemoryError")` (DescribeJobs 100 ids a call, FilterLogEvents 100 streams a
call) against the way without it: `b.logs(id)` per job (a DescribeJobs and a GetLogEvents each) and
a grep in Python.  Both in the same run against the same LocalBatch (its served endpoint with
--served, where every call crosses HTTP); each call may be given a latency (--latency, seconds,
added to every Batch and Logs call by a botocore hook: AWS's calls take tens of milliseconds).
Prints the calls each way made and the time ratio.  Goal: calls at most ceil(N/100) per kind.

Run: python bench/logsearch.py [--jobs 500] [--latency 0.02] [--served]
"""

import argparse
import math
import os
import time
from collections import Counter


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=500)
    parser.add_argument("--latency", type=float, default=0.02)
    parser.add_argument("--served", action="store_true")
    args = parser.parse_args()

    import batchkit

    seed = {"computeEnvironments": [{"computeEnvironmentName": "ce", "type": "UNMANAGED", "unmanagedvCpus": 100000}],
            "jobQueues": [{"jobQueueName": "q", "priority": 1,
                           "computeEnvironmentOrder": [{"order": 1, "computeEnvironment": "ce"}]}],
            "jobDefinitions": [{"jobDefinitionName": "d", "type": "container",
                                "containerProperties": {"image": "busybox", "vcpus": 1, "memory": 64}}]}
    with batchkit.local(seed=seed, clock="manual", server=args.served) as lb:
        lb.set_outcome("shard-*", duration=60, logs=[f"processing row {i}" for i in range(20)])
        lb.set_outcome("shard-*7", duration=60, logs=["processing", "MemoryError: cannot allocate 2 GiB"])
        for i in range(args.jobs):
            lb.client.submit_job(jobName=f"shard-{i}", jobQueue="q", jobDefinition="d")
        lb.run_until_idle()
        if args.served:  # any signature will do for a local endpoint
            os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
            os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")
        b = batchkit.connect(region="us-east-1", endpoint_url=lb.endpoint_url) if args.served else lb.batch
        calls = Counter()

        def slow(model, **kwargs):  # each call as far away as AWS
            calls[model.name] += 1
            if args.latency:
                time.sleep(args.latency)

        for client, service in ((b.client, "batch"), (b.logs_client, "cloudwatch-logs")):
            client.meta.events.register_first(f"before-call.{service}", slow)  # before the local shortcut answers
        jobs = b.jobs(queue="q", status="SUCCEEDED")
        assert len(jobs) == args.jobs

        calls.clear()
        started = time.perf_counter()
        found = b.search_logs(jobs, "MemoryError", progress=False)
        ours, ours_calls = time.perf_counter() - started, dict(calls)

        calls.clear()
        started = time.perf_counter()

        def grep(job_id):
            log = b.logs(job_id)
            return log[log["message"].str.contains("MemoryError")]

        naive = sum(len(f) for f in b.map(grep, jobs["jobId"]))  # as parallel as Batch.map makes it
        theirs, their_calls = time.perf_counter() - started, dict(calls)
    assert naive == len(found), (naive, len(found))
    print(f"{args.jobs:,} jobs{' (served)' if args.served else ''}, {args.latency * 1000:.0f} ms a call: "
          f"{found.attrs['summary']}")
    print(f"  search_logs: {ours:.2f} s, calls {ours_calls} (ceil(N/100) = {math.ceil(args.jobs / 100)})")
    print(f"  b.logs per job + grep: {theirs:.2f} s, calls {their_calls}")
    print(f"  ratio: {ours / theirs:.3f} of the time, {sum(ours_calls.values()) / sum(their_calls.values()):.3f} "
          "of the calls")


if __name__ == "__main__":
    main()
