"""What `state=DIR` (batchkit.local) and `batchkit serve --state DIR` cost, as ratios in the same run.

(a) SubmitJob through `lb.client` in process, with a state directory against without.  Goal: at most 1.5x.
(b) SubmitJob over HTTP (`lb.serve()`, a boto3 client on its endpoint), the same.  Goal: at most 1.5x.
    Calls alternate between the two, so that machine noise hits both alike; the checkpoints taken
    meanwhile (persistence.py: by entries and by work) are included at their share.
(c) A restart with 10,000 jobs stored (run to SUCCEEDED, with their logs): `batchkit.local(state=DIR)`
    after a clean stop (the checkpoint alone) and after a crash (the last checkpoint plus the journal
    since, replayed: what `kill -9` leaves), against seeding as many finished jobs (a history seed,
    in bulk).  Goal: under a second (absolute seconds printed too).

Run: python bench/state.py [--submits 20000] [--jobs 10000] [--tail 3000]
"""

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import boto3


def submit_ratio(count: int, http: bool) -> tuple[float, float, float, float, int]:
    """(mean seconds per submit with a state, without, the ratio of the means, of the medians, checkpoints).

    One submit to each in turn (who goes first alternates), so that the machine's noise hits both alike;
    the means include the checkpoints taken meanwhile at their share."""
    import batchkit

    with tempfile.TemporaryDirectory() as scratch:
        with batchkit.local(seed="demo", state=Path(scratch) / "s") as kept, batchkit.local(seed="demo") as plain:
            clients = []
            for lb in (kept, plain):
                if http:
                    endpoint = lb.serve()
                    clients.append(boto3.client("batch", endpoint_url=endpoint, region_name="us-east-1",
                                                aws_access_key_id="x", aws_secret_access_key="x"))
                else:
                    clients.append(lb.client)
            samples = ([], [])
            for number in range(count + 50):
                for which in ((0, 1) if number % 2 else (1, 0)):
                    start = time.perf_counter()
                    clients[which].submit_job(jobName=f"b{number}", jobQueue="HighPriority", jobDefinition="sleep")
                    if number >= 50:  # the first ones warm up
                        samples[which].append(time.perf_counter() - start)
            checkpoints = kept._state.journal.generation - 1
    a, b = statistics.mean(samples[0]), statistics.mean(samples[1])
    return a, b, a / b, statistics.median(samples[0]) / statistics.median(samples[1]), checkpoints


def history_seed(jobs: int) -> dict:
    from batchkit.local import seed

    start = 1_760_000_000_000
    return {**seed.load("demo"), "jobs": [
        {"jobName": f"old-{i}", "jobQueue": "LowPriority", "jobDefinition": "etl", "status": "SUCCEEDED",
         "createdAt": start + i * 1000, "startedAt": start + i * 1000 + 200, "stoppedAt": start + i * 1000 + 900,
         "exitCode": 0, "logs": [f"row {i}"]} for i in range(jobs)]}


def restart_cost(jobs: int, tail: int, rounds: int = 3) -> tuple[float, float, float, int]:
    """(seconds to restart after a clean stop, after a crash, seconds to seed as many finished jobs,
    the journal entries the crash left to replay)."""
    import batchkit

    with tempfile.TemporaryDirectory() as scratch:
        clean, crashed = Path(scratch) / "clean", Path(scratch) / "crashed"
        with batchkit.local(seed="demo", state=clean) as lb:
            for number in range(jobs):
                lb.client.submit_job(jobName=f"j{number}", jobQueue="HighPriority", jobDefinition="sleep")
            lb.run_until_idle()
            assert len(lb.client.list_jobs(jobQueue="HighPriority", jobStatus="SUCCEEDED")["jobSummaryList"]) >= 100
            for number in range(tail):  # requests in flight when it crashes: journaled since the last checkpoint
                lb.client.submit_job(jobName=f"t{number}", jobQueue="HighPriority", jobDefinition="sleep")
            replayed = lb._state.journal.count
            shutil.copytree(clean, crashed)  # as kill -9 leaves it
        copies = [Path(scratch) / f"crashed-{n}" for n in range(rounds)]
        for copy in copies:
            shutil.copytree(crashed, copy)

        def restart(path):
            start = time.perf_counter()
            with batchkit.local(seed="demo", state=path) as lb:
                took = time.perf_counter() - start
                assert lb.restored
                lb._state.journal.count = 0  # stop without a checkpoint: the copy stays as it was
            return took

        after_stop = statistics.median(restart(clean) for _ in range(rounds))
        after_crash = statistics.median(restart(copy) for copy in copies)
        seed = history_seed(jobs + tail)

        def seeded():
            start = time.perf_counter()
            with batchkit.local(seed=seed):
                return time.perf_counter() - start

        seeding = statistics.median(seeded() for _ in range(rounds))
    return after_stop, after_crash, seeding, replayed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submits", type=int, default=20_000, help="SubmitJob calls to each in (a), a quarter in (b)")
    parser.add_argument("--jobs", type=int, default=10_000, help="jobs stored for (c)")
    parser.add_argument("--tail", type=int, default=3000, help="requests journaled after the last checkpoint in (c)")
    args = parser.parse_args()
    import batchkit  # noqa: F401 (imports out of the timings)

    for label, http, count in (("(a) in process", False, args.submits), ("(b) over HTTP", True, args.submits // 4)):
        a, b, ratio, medians, checkpoints = submit_ratio(count, http)
        print(f"{label}: {count:,} SubmitJob calls with state {a * 1e6:.0f} us, without {b * 1e6:.0f} us: {ratio:.2f}x "
              f"(goal <= 1.5x; {checkpoints} checkpoints included; medians {medians:.2f}x)")
    after_stop, after_crash, seeding, replayed = restart_cost(args.jobs, args.tail)
    print(f"(c) restart with {args.jobs + args.tail:,} jobs stored ({args.jobs:,} finished): after a clean stop {after_stop:.3f} s "
          f"({after_stop / seeding:.2f}x seeding them: {seeding:.3f} s), after a crash ({replayed:,} journal entries "
          f"replayed) {after_crash:.3f} s ({after_crash / seeding:.2f}x) (goal < 1 s)")


if __name__ == "__main__":
    main()
