"""`import batchkit` against `import boto3, pandas`, each in fresh interpreters.

Prints both times and the ratio (goal: under 0.2). Run: python bench/import_time.py
"""

import statistics
import subprocess
import sys
import time

ROUNDS = 7


def cost(statement: str) -> float:
    """Seconds an import adds to a bare interpreter start (median of ROUNDS)."""

    def once(code):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        return time.perf_counter() - start

    samples = []
    for _ in range(ROUNDS):  # interleaved, so machine noise hits both alike
        bare, loaded = once("pass"), once(statement)
        samples.append(max(loaded - bare, 0.0))
    return statistics.median(samples)


def main() -> None:
    baseline = cost("import boto3, pandas")
    ours = cost("import batchkit")
    print(f"import boto3, pandas : {baseline * 1000:8.1f} ms")
    print(f"import batchkit      : {ours * 1000:8.1f} ms")
    print(f"ratio                : {ours / baseline:8.3f}  (goal < 0.2)")


if __name__ == "__main__":
    main()
