"""Seeded history: jobs that carry their final state, and job tables read into them.

A seed's job entry is a SubmitJob request; with a ``status`` (SUCCEEDED or
FAILED) it is a job that already ran, recorded as it was instead of simulated:
``jobId``, ``statusReason``, ``createdAt``/``startedAt``/``stoppedAt`` (epoch
milliseconds, ISO 8601 or datetimes), ``attempts`` as DescribeJobs shows them
(or just ``exitCode``), and ``logs`` (lines, or ``{timestamp, message}`` events)
for the last attempt's stream.

``jobs:`` may also name a table with one row per job and the columns of
``Batch.jobs(detail=True)`` (CSV, Parquet or JSON lines), such as yesterday's
export of an account, so that ``b.jobs(detail=True).to_parquet(path)`` round-trips.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

FINISHED = ("SUCCEEDED", "FAILED")
TIMES = ("createdAt", "startedAt", "stoppedAt")
STATE = ("jobId", "status", "statusReason", *TIMES, "attempts", "exitCode", "logs")
# the request members a job table has; everything else in a row is state or derived
REQUEST = ("jobName", "jobQueue", "jobDefinition", "parameters", "arrayProperties", "dependsOn", "retryStrategy",
           "timeout", "tags", "propagateTags", "shareIdentifier", "schedulingPriority", "containerOverrides")
TABLES = (".csv", ".parquet", ".jsonl")


def split(entry: dict) -> tuple[dict, dict | None]:
    """(the SubmitJob request, the recorded state or None for a job to simulate)."""
    request = {k: v for k, v in entry.items() if k not in STATE}
    if "status" not in entry:
        extra = sorted(set(entry) & set(STATE))
        if extra:
            raise ValueError(f"{', '.join(extra)} need a status (SUCCEEDED or FAILED): without one the job is simulated")
        return request, None
    if entry["status"] not in FINISHED:
        raise ValueError(f"status {entry['status']!r}: a seeded job's status is SUCCEEDED or FAILED "
                         "(leave it out to simulate the job)")
    state = {k: entry[k] for k in STATE if entry.get(k) is not None}
    for key in TIMES:
        if key in state:
            state[key] = epoch_ms(state[key], key)
    if "attempts" not in state and ("exitCode" in state or "startedAt" in state):
        container = {"exitCode": int(state["exitCode"])} if "exitCode" in state else {}
        state["attempts"] = [{"container": container, "startedAt": state.get("startedAt", state.get("createdAt")),
                              "stoppedAt": state.get("stoppedAt"), "statusReason": state.get("statusReason")}]
    return request, state


def epoch_ms(value, name: str = "time") -> int:
    import pandas as pd

    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return int(value)
    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} {value!r} is not a time (epoch milliseconds or ISO 8601)") from None
    return (stamp if stamp.tzinfo else stamp.tz_localize("UTC")).value // 1_000_000


def read_table(path: Path) -> list[dict]:
    """The job entries of a table of jobs (one row per job, Batch.jobs(detail=True)'s columns)."""
    import pandas as pd

    suffix = path.suffix.lower()
    if suffix not in TABLES:
        raise ValueError(f"jobs table {path}: use a .csv, .parquet or .jsonl file")
    if not path.is_file():
        raise ValueError(f"jobs table {path} does not exist")
    try:
        if suffix == ".csv":
            frame = pd.read_csv(path)
        elif suffix == ".parquet":
            frame = pd.read_parquet(path)
        else:  # JSON lines as written, times included (pandas would guess at dates)
            frame = pd.DataFrame.from_records([json.loads(line) for line in path.read_text().splitlines() if line.strip()])
    except (ImportError, ValueError) as exc:
        raise ValueError(f"jobs table {path}: {exc}".splitlines()[0]) from None
    return [_entry(row) for row in frame.to_dict("records")]


def _entry(row: dict) -> dict:
    """A table row (dotted columns for nested members, NaN for missing) as a seed job entry."""
    nested: dict = {}
    for column, value in row.items():
        value = _cell(value)
        if value is None:
            continue
        *parents, leaf = column.split(".")
        target = nested
        for part in parents:
            target = target.setdefault(part, {})
        target[leaf] = value
    entry = {k: nested[k] for k in (*REQUEST, *STATE) if k in nested}
    for key in ("jobQueue", "jobDefinition"):  # another account's ARNs: the resources of this seed by name
        if isinstance(entry.get(key), str) and entry[key].startswith("arn:"):
            entry[key] = entry[key].split("/", 1)[1]
    if "exitCode" not in entry and isinstance(nested.get("container"), dict) and "exitCode" in nested["container"]:
        entry["exitCode"] = nested["container"]["exitCode"]
    return entry


def _cell(value):
    """A cell as Python: None for missing, lists and dicts parsed back from CSV's text."""
    import pandas as pd

    if hasattr(value, "tolist"):  # numpy arrays and scalars (Parquet's lists)
        value = value.tolist()
    if isinstance(value, (list, dict)):
        return value
    if pd.isna(value):
        return None
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return ast.literal_eval(value)
        except (ValueError, SyntaxError):
            return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value
