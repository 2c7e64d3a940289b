"""Seeded history: jobs that carry their final state, and job tables read into them.

A seed's job entry is a SubmitJob request; with a ``status`` (SUCCEEDED or
FAILED) it is a job that already ran, recorded as it was instead of simulated:
``jobId``, ``statusReason``, ``createdAt``/``startedAt``/``stoppedAt`` (epoch
milliseconds, ISO 8601 or datetimes), ``attempts`` as DescribeJobs shows them
(or just ``exitCode``), and ``logs`` (lines, or ``{timestamp, message}`` events)
for the last attempt's stream.  A recorded array job may list its ``children``
(``index``, ``status``, ``statusReason``, times, ``attempts``, ``logs``; the rest
take the parent's status): ListJobs by arrayJobId and DescribeJobs answer with them.
``dependsOn`` of a recorded job is kept as recorded, not resolved.

A job without a status is simulated; it may still carry its ``jobId`` (an
exported seed keeps the ids of jobs that had not finished, so that the jobs
depending on them find them).

``jobs:`` may also name a table with one row per job and the columns of
``Batch.jobs(detail=True)`` (CSV, Parquet or JSON lines), such as yesterday's
export of an account: ``b.jobs(detail=True).batch.to_table("jobs.parquet")``
round-trips (``to_csv`` and ``to_json(orient="records", lines=True)`` do too).
"""

from __future__ import annotations

import ast
import json
from itertools import repeat
from operator import is_
from pathlib import Path

from .validation import shown

FINISHED = ("SUCCEEDED", "FAILED")
TIMES = ("createdAt", "startedAt", "stoppedAt")
STATE = ("jobId", "status", "statusReason", *TIMES, "attempts", "exitCode", "logs", "children")
CHILD = ("index", "status", "statusReason", *TIMES, "attempts", "exitCode", "logs")  # what a recorded array child holds
_STATE = frozenset(STATE)
_NONES = repeat(None)  # any(map(is_, values, _NONES)): is one of them None
TABLES = (".csv", ".parquet", ".jsonl")  # frames.TABLES, spelled here: pandas loads only when a table is read


def split(entry: dict) -> tuple[dict, dict | None]:
    """(the SubmitJob request, the recorded state or None for a job to simulate)."""
    state = dict(entry)  # the entry less its request's members, copied and popped at C speed (a seed has thousands)
    request = {k: state.pop(k) for k in entry if k not in _STATE}
    if "status" not in entry:
        extra = sorted(set(entry) & set(STATE) - {"jobId"})
        if extra:
            raise ValueError(f"{', '.join(extra)} need a status (SUCCEEDED or FAILED): without one the job is simulated")
        if "jobId" in entry:  # simulated, under the id it had
            return request, {"jobId": _job_id(entry["jobId"])}
        return request, None
    if any(map(is_, state.values(), _NONES)):  # by identity: a value's == may be elementwise (numpy)
        state = {k: v for k, v in state.items() if v is not None}
    state = _finished(state, entry["status"])
    if "jobId" in state:
        state["jobId"] = _job_id(state["jobId"])
    if "children" in state:
        state["children"] = _children(state["children"], (request.get("arrayProperties") or {}).get("size"))
    return request, state


def _state(entry: dict, keys: tuple) -> dict:
    """A recorded array child's state: its members among `keys`, as `_finished` makes them."""
    return _finished({k: entry[k] for k in keys if entry.get(k) is not None}, entry["status"])


def _finished(state: dict, status) -> dict:
    """A recorded job's (or array child's) state without None values: a final status, times in epoch ms,
    its attempts."""
    if status not in FINISHED:
        raise ValueError(f"status {shown(status)}: a seeded job's status is SUCCEEDED or FAILED "
                         "(leave it out to simulate the job)")
    for key in TIMES:
        if key in state and type(state[key]) is not int:  # epoch ms already (most seeds): as they are
            state[key] = epoch_ms(state[key], key)
    if "attempts" in state:
        if not (isinstance(state["attempts"], list) and all(isinstance(a, dict) for a in state["attempts"])):
            raise ValueError(f"attempts {shown(state['attempts'])}: a list of attempts as DescribeJobs shows them")
        # copies: the recorded job keeps the state's attempts (and names a log stream in the last one's container)
        state["attempts"] = [dict(attempt, container=dict(attempt.get("container") or {}))
                             for attempt in state["attempts"]]
    elif "exitCode" in state or "startedAt" in state:
        container = {"exitCode": int(state["exitCode"])} if "exitCode" in state else {}
        state["attempts"] = [{"container": container, "startedAt": state.get("startedAt", state.get("createdAt")),
                              "stoppedAt": state.get("stoppedAt"), "statusReason": state.get("statusReason")}]
    if "logs" in state and not (type(state["logs"]) is list and all(map(_log_line, state["logs"]))):
        raise ValueError(f"logs {shown(state['logs'])}: a list of lines, each a text or "
                         "{timestamp: epoch ms, message: text}")
    return state


def _log_line(line) -> bool:
    return type(line) is str or (type(line) is dict and type(line.get("timestamp")) is int
                                 and type(line.get("message")) is str)


def _job_id(value) -> str:
    if not (isinstance(value, str) and 0 < len(value) <= 100 and value.isprintable()):
        raise ValueError(f"jobId {shown(value)}: a job id is a string of up to 100 printable characters")
    return value


def _children(children, size) -> list[dict]:
    """A recorded array's children, each a state with its index (0 to size-1, each once)."""
    if not size:
        raise ValueError("children: only an array job (arrayProperties.size) has children")
    if not isinstance(children, list):
        raise ValueError(f"children {shown(children)}: a list of the array's children")
    states, seen = [], set()
    for child in children:
        if not isinstance(child, dict) or "status" not in child:
            raise ValueError(f"children: {shown(child)} is not a child with a status (SUCCEEDED or FAILED)")
        index = child.get("index")
        if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < size or index in seen:
            raise ValueError(f"children: index {shown(index)} is not a child's index (0 to {size - 1}, each once)")
        seen.add(index)
        states.append(_state(child, CHILD))
    return states


def epoch_ms(value, name: str = "time") -> int:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return int(value)
    import pandas as pd  # for the texts and datetimes only: pandas takes a second to load
    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} {shown(value)} is not a time (epoch milliseconds or ISO 8601)") from None
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
    details = nested.pop("attemptDetails", None)  # a job frame's `attempts` counts them (frames.py)
    if isinstance(details, list) or not isinstance(nested.get("attempts"), list):
        nested["attempts"] = details
    if "schedulingPriority" in nested:  # DescribeJobs' name for what SubmitJob calls an override
        nested["schedulingPriorityOverride"] = nested.pop("schedulingPriority")
    entry = {**_request_members(nested), **{k: nested[k] for k in STATE if nested.get(k) is not None}}
    for key in ("jobQueue", "jobDefinition"):  # another account's ARNs: the resources of this seed by name
        if isinstance(entry.get(key), str) and entry[key].startswith("arn:"):
            entry[key] = entry[key].split("/", 1)[1]
    if "exitCode" not in entry and isinstance(nested.get("container"), dict) and "exitCode" in nested["container"]:
        entry["exitCode"] = nested["container"]["exitCode"]
    return entry


def _request_members(value, shape=None):
    """What of a DescribeJobs row SubmitJob takes, by botocore's model (the rest is derived)."""
    if shape is None:
        from ..catalog import operation

        shape = operation("SubmitJob").model.input_shape
    if shape.type_name == "structure" and isinstance(value, dict):
        return {k: _request_members(v, shape.members[k]) for k, v in value.items() if k in shape.members}
    if shape.type_name == "list" and isinstance(value, list):
        return [_request_members(v, shape.member) for v in value]
    return value


def _cell(value):
    """A cell as Python: None for missing, lists and dicts parsed back from CSV's text."""
    import pandas as pd

    if hasattr(value, "tolist"):  # numpy arrays and scalars (Parquet's lists)
        value = value.tolist()
    if isinstance(value, (list, dict)):
        return value
    if pd.isna(value):
        return None
    if isinstance(value, str) and value[:1] in "[{":  # JSON (frames.write_table), or Python's repr (to_csv)
        for parse in (json.loads, ast.literal_eval):
            try:
                return parse(value)
            except (ValueError, SyntaxError):
                pass
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value
