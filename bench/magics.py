"""What the %batch magics cost, as ratios measured in the same run.

(a) `%batch list-jobs ...` against the plain `Batch.list_jobs(...)` call it makes,
    on the same local backend (200 finished jobs): the magic's own overhead
    (parsing, routing, the display wrapper).
(b) `%load_ext batchkit` in a fresh IPython shell, as a share of `import IPython`.
    Goal: the extension adds under 30%.
(c) `%batch jobs` shown (the compact view rendered as IPython renders it, HTML
    and text) against `Batch.jobs()`, for 5,000 jobs.  Goal: under 1.2x.

Run: python bench/magics.py [--rounds 30]
"""

import argparse
import statistics
import time

from timing import added, timed  # bench/ is the script directory

SHELL = "from IPython.core.interactiveshell import InteractiveShell; shell = InteractiveShell.instance()"


def magic_overhead(rounds: int) -> tuple[float, float]:
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    shell.run_line_magic("load_ext", "batchkit")
    shell.run_line_magic("batch", "use local --speed 1000")
    magics = shell.magics_manager.registry["BatchMagics"]
    for i in range(200):
        magics.b.submit_job(jobName=f"j{i}", jobQueue="HighPriority", jobDefinition="sleep")
    time.sleep(0.1)  # 1000x: every job is long finished
    plain_samples, magic_samples = [], []
    for _ in range(rounds):  # interleaved, so machine noise hits both alike
        plain_samples.append(timed(lambda: magics.b.list_jobs(jobQueue="HighPriority", jobStatus="SUCCEEDED"), 1))
        magic_samples.append(timed(lambda: shell.run_line_magic(
            "batch", "list-jobs --job-queue HighPriority --job-status SUCCEEDED"), 1))
    plain, magic = statistics.median(plain_samples), statistics.median(magic_samples)
    shell.run_line_magic("batch", "use aws")  # stops the local backend
    return plain, magic


def display_overhead(rounds: int, jobs: int = 5000) -> tuple[float, float]:
    """Median seconds of Batch.jobs() and of %batch jobs with its display, on the same backend."""
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    shell.run_line_magic("load_ext", "batchkit")
    shell.run_line_magic("batch", "use local --clock manual")
    magics = shell.magics_manager.registry["BatchMagics"]
    b = magics.b  # connects: the local backend starts
    lb = magics._local
    for i in range(jobs):
        lb.submit(f"job-{i}", queue=("HighPriority", "LowPriority")[i % 2])
    lb.run_until_idle()

    def shown():
        shell.display_formatter.format(shell.run_line_magic("batch", "jobs"))

    plain_samples, shown_samples = [], []
    for _ in range(rounds):
        plain_samples.append(timed(b.jobs, 1))
        shown_samples.append(timed(shown, 1))
    shell.run_line_magic("batch", "use aws")
    return statistics.median(plain_samples), statistics.median(shown_samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    plain, magic = magic_overhead(args.rounds)
    print(f"(a) list-jobs of 200 jobs: Batch.list_jobs {plain * 1000:.2f} ms, %batch list-jobs {magic * 1000:.2f} ms: "
          f"ratio {magic / plain:.2f}")
    plain, shown = display_overhead(max(args.rounds // 3, 5))
    print(f"(c) 5,000 jobs: Batch.jobs {plain * 1000:.0f} ms, %batch jobs shown {shown * 1000:.0f} ms: "
          f"ratio {shown / plain:.2f} (goal < 1.2)")
    rounds = max(args.rounds // 3, 5)
    ipython = added("import IPython", rounds)
    extension = added(SHELL + "; shell.run_line_magic('load_ext', 'batchkit')", rounds, base=SHELL)
    print(f"(b) import IPython {ipython * 1000:.0f} ms; %load_ext batchkit adds {extension * 1000:.0f} ms: "
          f"{extension / ipython:.0%} of it (goal < 30%)")


if __name__ == "__main__":
    main()
