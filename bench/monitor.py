"""API calls per monitor refresh with 5,000 jobs of which 100 are unfinished.

The monitor's refresh (new jobs per queue since the newest seen, DescribeJobs
of the unfinished ones only) against a refresh that lists and describes every
job (`Batch.jobs(detail=True)`), counted by the local backend in the same run.
Goal: at least 40x fewer calls.

Run: python bench/monitor.py [--jobs 5000] [--unfinished 100]
"""

import argparse


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=5000)
    parser.add_argument("--unfinished", type=int, default=100)
    args = parser.parse_args()

    import batchkit
    from batchkit import widgets

    with batchkit.local(seed=None) as lb:
        client = lb.client
        client.create_compute_environment(computeEnvironmentName="bench-ce", type="UNMANAGED")
        client.create_job_queue(jobQueueName="work", priority=1,
                                computeEnvironmentOrder=[{"order": 1, "computeEnvironment": "bench-ce"}])
        client.register_job_definition(jobDefinitionName="step", type="container",
                                       containerProperties={"image": "busybox", "vcpus": 1, "memory": 64})
        backend = lb._backend
        queue, definition = backend.get_job_queue("work"), backend.get_job_definition("step")
        with lb._runtime.lock:  # straight into the store: seeding is not what is measured
            for i in range(args.jobs - args.unfinished):
                backend.lifecycle.submit({"jobName": f"done-{i}"}, queue, definition)
        lb.run_until_idle()
        client.update_compute_environment(computeEnvironment="bench-ce", state="DISABLED")
        with lb._runtime.lock:
            for i in range(args.unfinished):
                backend.lifecycle.submit({"jobName": f"waiting-{i}"}, queue, definition)
        lb.advance(5)  # RUNNABLE, and they stay so

        monitor = widgets.monitor(lb.batch, interval=None)  # its first refresh lists everything once
        lb.calls.clear()
        monitor.refresh()
        ours = len(lb.calls)
        lb.calls.clear()
        everything = lb.batch.jobs(detail=True)
        naive = len(lb.calls)
        monitor.close()
    print(f"{args.jobs:,} jobs, {args.unfinished} unfinished: monitor refresh {ours} calls, "
          f"list and describe every job {naive} calls ({len(everything):,} rows): {naive / ours:.0f}x fewer "
          "(goal >= 40x)")


if __name__ == "__main__":
    main()
