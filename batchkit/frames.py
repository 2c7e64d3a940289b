"""Batch responses as DataFrames: one row per resource, stable columns.

Columns come from the botocore output shape, so a result has the same columns
and dtypes whether it holds 0 or 10,000 rows: the curated columns of the
resource kind first, then every member, nested structures flattened with dotted
names (``container.exitCode``).  Lists and maps stay whole in one cell.  Keys
the model does not know yet (a newer service) are kept as extra columns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd

from .masking import MASK, mask_named, mask_secrets, may_hold_secrets  # noqa: F401  (MASK, mask_secrets: public here too)

_INT_TYPES = {"integer", "long"}
_FLOAT_TYPES = {"float", "double"}


def _is_epoch_ms(name: str, type_name: str) -> bool:
    # Batch sends its times as epoch milliseconds in `long` members named *At.
    return type_name == "timestamp" or (
        type_name == "long" and (name.endswith("At") or "TimeAt" in name)
    )


# --- flattening plan from the model ---------------------------------------------


class _Plan:
    """How to flatten records of one shape: columns, dtypes and nesting."""

    def __init__(self, shape):
        self.columns: list[str] = []
        self.kinds: dict[str, str] = {}
        self.maskable: list[str] = []  # columns whose values may hold secrets
        self.nesting = self._walk(shape, "", ())

    def _walk(self, shape, prefix: str, seen: tuple) -> dict:
        nesting = {}
        for name, member in (shape.members.items() if shape is not None else ()):
            path = prefix + name
            if member.type_name == "structure" and member.name not in seen:
                nesting[name] = self._walk(member, path + ".", seen + (member.name,))
            else:
                self.columns.append(path)
                self.kinds[path] = _kind(name, member.type_name)
                if may_hold_secrets(name, member):
                    self.maskable.append(path)
        return nesting


def _kind(name: str, type_name: str) -> str:
    if _is_epoch_ms(name, type_name):
        return "datetime"
    if type_name in _INT_TYPES:
        return "int"
    if type_name in _FLOAT_TYPES:
        return "float"
    if type_name == "boolean":
        return "bool"
    if type_name == "string":
        return "string"
    return "object"


_plans: dict[str, _Plan] = {}


def _plan(shape) -> _Plan:
    key = getattr(shape, "name", None)
    if key not in _plans:
        _plans[key] = _Plan(shape)
    return _plans[key]


def _flatten(record: dict, nesting: dict, prefix: str, out: dict) -> dict:
    for key, value in record.items():
        sub = nesting.get(key)
        if sub is not None and isinstance(value, dict):
            _flatten(value, sub, prefix + key + ".", out)
        else:
            out[prefix + key] = value
    return out


def _cast(series: pd.Series, kind: str) -> pd.Series:
    """The column as its kind's dtype; one value the dtype cannot hold (2**63 in an int64, a time past
    the year 2262) keeps the whole column as Python objects, as sent: a frame never fails on a value."""
    try:
        with np.errstate(invalid="ignore"):  # the cast below raises for what it cannot hold; no warning too
            return _as(series, kind)
    except (TypeError, ValueError, OverflowError):  # OutOfBoundsDatetime is a ValueError
        return series.astype(object)


def _as(series: pd.Series, kind: str) -> pd.Series:
    if kind == "datetime":
        return pd.to_datetime(pd.to_numeric(series, errors="coerce"), unit="ms", utc=True)
    if kind == "int":
        return pd.to_numeric(series, errors="coerce").astype("Int64")
    if kind == "float":
        return pd.to_numeric(series, errors="coerce").astype("float64")
    if kind == "bool":
        return series.astype("boolean")
    if kind == "string":
        return series.astype("string")
    return series.astype(object)


# --- resource kinds: curated leading columns ------------------------------------


def _name_from_arn(series: pd.Series) -> pd.Series:
    """`arn:...:job-queue/HighPriority` -> `HighPriority`; names stay names."""
    values = series.astype(object)
    names = {v: v.rsplit("/", 1)[-1] for v in values.dropna().unique() if isinstance(v, str)}
    return values.map(names).astype("string")  # a few distinct ARNs: split each once


def _resource(series: pd.Series, kind: str) -> pd.Series:
    """vCPU or memory from resourceRequirements lists (the current way to say it)."""

    def pick(reqs):
        if isinstance(reqs, list):
            for r in reqs:
                if isinstance(r, dict) and r.get("type") == kind:
                    return r.get("value")
        return None

    return _cast(series.map(pick), "float")


def _col(df: pd.DataFrame, name: str, kind: str = "object") -> pd.Series:
    if name in df:
        return df[name]
    return _cast(pd.Series([None] * len(df), index=df.index, dtype=object), kind)


def _number(df: pd.DataFrame, name: str) -> pd.Series:
    values = _cast(_col(df, name), "float")
    return values if values.dtype == "float64" else pd.Series(float("nan"), index=df.index)


def _duration(df: pd.DataFrame) -> pd.Series:
    stopped, started = _col(df, "stoppedAt", "datetime"), _col(df, "startedAt", "datetime")
    if stopped.dtype == object or started.dtype == object:  # a time kept as sent (it did not fit): no durations
        return pd.Series(pd.NaT, index=df.index, dtype="timedelta64[ns]")
    return stopped - started


def _job_columns(df: pd.DataFrame) -> dict[str, pd.Series]:
    reqs = _col(df, "container.resourceRequirements")
    attempts = _col(df, "attempts")
    exit_code = _col(df, "container.exitCode", "int")
    missing = exit_code.isna()
    if missing.any():  # a multi-node parallel job has no container: its exit code is its last attempt's
        exit_code = exit_code.copy()
        exit_code[missing] = _cast(attempts[missing].map(_last_exit_code), "int")
    return {
        "queue": _name_from_arn(_col(df, "jobQueue", "string")),
        "definition": _name_from_arn(_col(df, "jobDefinition", "string")),
        "duration": _duration(df),
        "exitCode": exit_code,
        "attempts": attempts.map(lambda a: len(a) if isinstance(a, list) else 0).astype("Int64"),
        "attemptDetails": attempts,
        "vcpus": _resource(reqs, "VCPU").fillna(_number(df, "container.vcpus")),
        "memory": _resource(reqs, "MEMORY").fillna(_number(df, "container.memory")),
    }


def _last_exit_code(attempts):
    if isinstance(attempts, list) and attempts:
        return (attempts[-1].get("container") or {}).get("exitCode")
    return None


def _summary_columns(df: pd.DataFrame) -> dict[str, pd.Series]:
    return {
        "queue": _name_from_arn(_col(df, "queue", "string")),
        "definition": _name_from_arn(_col(df, "jobDefinition", "string")),
        "duration": _duration(df),
        "exitCode": _col(df, "container.exitCode", "int"),
    }


def _queue_columns(df: pd.DataFrame) -> dict[str, pd.Series]:
    order = _col(df, "computeEnvironmentOrder")
    names = order.map(
        lambda o: [
            str(e.get("computeEnvironment", "")).rsplit("/", 1)[-1]
            for e in sorted(o, key=lambda e: e.get("order", 0))
        ]
        if isinstance(o, list)
        else []
    )
    return {"computeEnvironments": names}


def _definition_columns(df: pd.DataFrame) -> dict[str, pd.Series]:
    name = _col(df, "jobDefinitionName", "string")
    revision = _col(df, "revision", "int")
    reqs = _col(df, "containerProperties.resourceRequirements")
    return {
        "definition": (name + ":" + revision.astype("string")).astype("string"),
        "vcpus": _resource(reqs, "VCPU").fillna(_number(df, "containerProperties.vcpus")),
        "memory": _resource(reqs, "MEMORY").fillna(_number(df, "containerProperties.memory")),
    }


# row shape name -> (leading columns, derived columns)
KINDS: dict[str, tuple[tuple[str, ...], Callable[[pd.DataFrame], dict]]] = {
    "JobDetail": (
        ("jobId", "jobName", "status", "statusReason", "queue", "definition",
         "createdAt", "startedAt", "stoppedAt", "duration", "exitCode", "attempts",
         "arrayProperties.index", "arrayProperties.size", "vcpus", "memory"),
        _job_columns,
    ),
    "JobSummary": (
        ("jobId", "jobName", "status", "statusReason", "queue", "definition",
         "createdAt", "startedAt", "stoppedAt", "duration", "exitCode",
         "arrayProperties.index", "arrayProperties.size"),
        _summary_columns,
    ),
    "JobQueueDetail": (
        ("jobQueueName", "state", "status", "statusReason", "priority",
         "computeEnvironments", "jobQueueType", "schedulingPolicyArn", "jobQueueArn"),
        _queue_columns,
    ),
    "ComputeEnvironmentDetail": (
        ("computeEnvironmentName", "type", "state", "status", "statusReason",
         "computeResources.type", "computeResources.minvCpus",
         "computeResources.desiredvCpus", "computeResources.maxvCpus",
         "computeResources.instanceTypes", "serviceRole", "computeEnvironmentArn"),
        lambda df: {},
    ),
    "JobDefinition": (
        ("definition", "jobDefinitionName", "revision", "status", "type",
         "containerProperties.image", "vcpus", "memory", "jobDefinitionArn"),
        _definition_columns,
    ),
}


class Raw(list):
    """Raw responses kept in ``df.attrs``; pandas deep-copies attrs on every
    operation, so this list is shared instead of copied."""

    def __deepcopy__(self, memo):
        return self


@dataclass(eq=False)  # compared by identity
class Related:
    """What a card shows beyond the job's row, gathered by `Batch.job` (kept in ``attrs["related"]``).

    pandas deep-copies and compares attrs on every operation: this is shared, not copied.
    """

    dependencies: pd.DataFrame | None = None
    logs: pd.DataFrame | None = None
    why: str | None = None  # the one-line summary of `Batch.why`
    nodes: pd.DataFrame | None = None  # a multi-node parallel job's nodes (DescribeJobs of <id>#<n>)
    findings: pd.DataFrame | None = None  # all of `Batch.why`'s findings (the card expands to them)
    notes: list[str] = field(default_factory=list)  # what could not be fetched

    def __deepcopy__(self, memo):
        return self


def parent_of(job_id: str) -> str | None:
    """The job an array child (`<id>:<index>`) or a node of a multi-node parallel job (`<id>#<node>`) belongs to."""
    found = _CHILD.fullmatch(job_id) if isinstance(job_id, str) else None
    return found.group(1) if found else None


_CHILD = re.compile(r"(.+)[:#]\d+")


def model_columns(shape) -> list[str]:
    """Every column a frame of this shape has from the model (nested members flattened), derived ones aside."""
    return list(_plan(shape).columns)


def flat_rows(records: list[dict], shape, *, mask: bool = True, extra: dict | None = None) -> list[dict]:
    """The first half of `to_frame`: records flattened to dotted names, secrets masked.

    Callers with many pages can run it on each page as it arrives (`rows_frame` joins them).
    """
    plan = _plan(shape)
    rows = [_flatten(r, plan.nesting, "", dict(extra or {})) for r in records]
    if mask and rows:  # where the model says secrets can be, and in fields it does not know
        extras = set().union(*rows).difference(plan.columns)
        maskable = [(column, column.rsplit(".", 1)[-1]) for column in plan.maskable + sorted(extras)]
        for row in rows:
            for column, member in maskable:
                if column in row:
                    row[column] = mask_named(member, row[column])
    return rows


def rows_frame(rows: list[dict], shape, extra_names=()) -> pd.DataFrame:
    """The second half of `to_frame`: flat rows as a frame with the shape's columns and dtypes."""
    plan = _plan(shape)
    known = set(plan.columns)
    extras = sorted(set().union(*rows).difference(known)) if rows else []
    extras += [name for name in extra_names if name not in known and name not in extras]
    df = pd.DataFrame(rows, columns=plan.columns + extras)
    for column in plan.columns:
        df[column] = _cast(df[column], plan.kinds[column])
    uncast = [c for c in plan.columns if plan.kinds[c] != "object" and df[c].dtype == object]
    if uncast:  # said where a frame's users look, not in a log they may not see
        df.attrs["uncast"] = {c: f"kept as sent: a value does not fit its type ({plan.kinds[c]})" for c in uncast}
    leading, derive = KINDS.get(getattr(shape, "name", None), ((), None))
    if derive is not None:
        for name, values in derive(df).items():
            df[name] = values
    front = [c for c in leading if c in df]
    return df[front + [c for c in df.columns if c not in front]].reset_index(drop=True)


def to_frame(records: list[dict], shape, *, mask: bool = True, extra: dict | None = None) -> pd.DataFrame:
    """Records of a botocore shape as a DataFrame with the shape's stable columns.

    ``extra`` adds constant columns (e.g. the queue a listing came from).
    """
    return rows_frame(flat_rows(records, shape, mask=mask, extra=extra), shape, extra_names=list(extra or ()))


# --- tables on disk ---------------------------------------------------------------

TABLES = (".csv", ".parquet", ".jsonl")


def write_table(df: pd.DataFrame, path) -> None:
    """A frame as CSV, Parquet or JSON lines, lists and maps as JSON text so that every format
    keeps them whole (Parquet cannot store an empty map, and would give every map all keys)."""
    import json
    from pathlib import Path

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in TABLES:
        raise ValueError(f"write_table: use a .csv, .parquet or .jsonl file, not {path.name}")
    nested = [c for c in df.columns if df[c].map(lambda v: isinstance(v, (list, dict))).any()]
    out = df.assign(**{c: df[c].map(lambda v: json.dumps(v, default=str) if isinstance(v, (list, dict)) else v)
                       for c in nested})
    if suffix == ".csv":
        out.to_csv(path, index=False)
    elif suffix == ".parquet":
        out.to_parquet(path, index=False)
    else:
        out.to_json(path, orient="records", lines=True, date_format="iso")

