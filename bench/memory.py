"""Server memory under hostile traffic: `batchkit serve`'s RSS after 10,000 mixed valid/invalid
requests against its RSS after 10,000 valid ones (goal: ratio <= 1.5).

    python bench/memory.py [--requests 10000]

Each run is a fresh `batchkit serve` (manual clock) in a subprocess; RSS from /proc/<pid>/status.
"""

from __future__ import annotations

import argparse
import itertools
import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.http_requests import signed  # noqa: E402

VALID = [
    ("describejobqueues", {}),
    ("listjobs", {"jobQueue": "HighPriority"}),
    ("describecomputeenvironments", {}),
    ("submitjob", {"jobName": "bench", "jobQueue": "HighPriority", "jobDefinition": "etl"}),
]
INVALID = [  # what the fuzzing sent: wrong types, huge values, bad bodies
    ("createjobqueue", {"jobQueueName": "q", "priority": "high", "computeEnvironmentOrder": []}),
    ("createjobqueue", {"jobQueueName": "q", "priority": 1, "computeEnvironmentOrder": [],
                        "tags": {"k": "v" * 1_000_000}}),
    ("submitjob", {"jobName": "x", "jobQueue": 5, "jobDefinition": ["etl"]}),
    ("describejobs", {"jobs": ["x"] * 20_000}),
    ("submitjob", b"[" * 50_000),
    ("describejobqueues", b"\xff\xfe" * 1000),
]


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def run(requests: list, port: int) -> int:
    server = subprocess.Popen([sys.executable, "-m", "batchkit.cli", "serve", "--clock", "manual", "--port", str(port)],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        endpoint = server.stdout.readline().strip()

        def send(item):
            action, body = item
            answer = signed(endpoint, action, body if isinstance(body, bytes) else json.dumps(body))
            assert answer.status_code < 500, (action, answer.status_code, answer.text[:200])

        with ThreadPoolExecutor(4) as pool:
            list(pool.map(send, requests))
        return rss_kb(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--port", type=int, default=18650)
    count = parser.parse_args().requests
    valid = list(itertools.islice(itertools.cycle(VALID), count))
    mixed = list(itertools.islice(itertools.cycle(VALID + INVALID * 1), count))
    port = parser.parse_args().port
    base = run(valid, port)
    hostile = run(mixed, port + 1)
    print(f"RSS after {count:,} valid requests: {base / 1024:.0f} MB; after {count:,} mixed: {hostile / 1024:.0f} MB; "
          f"ratio {hostile / base:.2f} (goal <= 1.5)")


if __name__ == "__main__":
    main()
