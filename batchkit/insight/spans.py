"""When each job waited and ran: the table behind the timeline, the capacity chart and the report.

Works on any job frame `Batch` makes (DescribeJobs' or ListJobs'): with
``attemptDetails`` each attempt is a run of its own (a retried job ran twice and
waited in between); without, a job ran from ``startedAt`` to ``stoppedAt``.
Times are epoch milliseconds (floats, NaN for none) until a chart draws them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

FINISHED = ("SUCCEEDED", "FAILED")


def now_ms(now=None) -> float:
    stamp = pd.Timestamp.now(tz="UTC") if now is None else pd.Timestamp(now)
    return stamp.value / 1e6 if stamp.tzinfo else stamp.tz_localize("UTC").value / 1e6


def epoch_ms(series: pd.Series) -> np.ndarray:
    """Datetimes (tz-aware or not, NaT allowed) as float epoch milliseconds, NaN for none."""
    if series.dt.tz is not None:
        series = series.dt.tz_convert("UTC").dt.tz_localize(None)
    values = series.to_numpy(dtype="datetime64[ms]")
    return np.where(np.isnat(values), np.nan, values.astype("int64").astype("float64"))


def column(df: pd.DataFrame, name: str, default=None) -> pd.Series:
    return df[name] if name in df else pd.Series([default] * len(df), index=df.index, dtype=object)


def is_parent(df: pd.DataFrame) -> pd.Series:
    """Array parents: a size and no index."""
    return column(df, "arrayProperties.size").notna() & column(df, "arrayProperties.index").isna()


def is_child(df: pd.DataFrame) -> pd.Series:
    return column(df, "arrayProperties.index").notna()


def parent_id(job_id: str) -> str:
    return job_id.partition(":")[0]


def _runs(attempts, started: float, stopped: float, status: str, now: float) -> list[tuple[float, float]]:
    """(start, end) of each attempt; the one still running ends now."""
    runs = []
    for attempt in attempts if isinstance(attempts, list) else ():
        start = attempt.get("startedAt")
        if start:
            runs.append((float(start), float(attempt.get("stoppedAt") or max(now, start))))
    unfinished = stopped != stopped and status not in FINISHED  # NaN != NaN
    if started == started and (not runs or unfinished) and not any(s == started for s, _ in runs):
        runs.append((started, stopped if stopped == stopped else max(now, started)))  # no attempts, or one under way
    return sorted(runs)


def job_times(df: pd.DataFrame, now=None) -> pd.DataFrame:
    """Per job (same index): its runs, when it was created, first started and last ended,
    seconds waiting in the queue before its first start, and seconds running in all."""
    created, started, stopped = (epoch_ms(column(df, c).astype("datetime64[ms, UTC]"))
                                 for c in ("createdAt", "startedAt", "stoppedAt"))
    if now is None:  # a simulated clock may run ahead of this one: "now" is no earlier than the data
        stamps = np.concatenate([created, started, stopped])
        now = max(now_ms(), float(np.nanmax(stamps)) if np.isfinite(stamps).any() else 0.0)
    else:
        now = now_ms(now)
    statuses = column(df, "status").astype(object).to_numpy()
    attempts = column(df, "attemptDetails").to_numpy()
    runs = [_runs(a, s, e, st, now) for a, s, e, st in zip(attempts, started, stopped, statuses)]
    first = np.array([r[0][0] if r else np.nan for r in runs])
    last = np.array([r[-1][1] if r else np.nan for r in runs])
    waiting_until = np.where(np.isnan(first), np.where(np.isnan(stopped), np.maximum(now, created), stopped), first)
    return pd.DataFrame({
        "runs": pd.Series(runs, index=df.index, dtype=object),
        "created": created, "start": first, "end": last,
        "wait": (waiting_until - created) / 1000,
        "run": [sum(e - s for s, e in r) / 1000 for r in runs],
    }, index=df.index)


@dataclass
class Spans:
    """The timeline's rows (one per job, array children folded into their parent unless
    expanded) and their segments (waiting in the queue, each run, array progress)."""

    rows: pd.DataFrame  # row, label, jobId, kind (job|array|child|more), status, reason, exit, queue, definition,
    #                     children (an array's per status), created, start, end (ms), wait, run (seconds)
    segments: pd.DataFrame  # row, phase (wait|run|progress|more), start, end, status, share


ROW_COLUMNS = ("jobId", "jobName", "status", "statusReason", "queue", "definition", "exitCode",
               "arrayProperties.index", "arrayProperties.statusSummary", "arrayProperties.size")


def spans(df: pd.DataFrame, expand=False, now=None) -> Spans:
    """The timeline of a job frame, oldest first.

    ``expand``: False folds array children into their parent (a progress band of
    their statuses), True shows every child as a row under its parent, a list of
    parent ids or names expands those.
    """
    df = df.reset_index(drop=True)
    times = job_times(df, now)
    parents = is_parent(df)
    children = is_child(df) & df["jobId"].astype(str).str.contains(":")
    family = df["jobId"].astype(str).map(parent_id).where(children)
    records = df.reindex(columns=list(ROW_COLUMNS)).astype(object).where(lambda d: d.notna(), None)
    records = records.to_dict("records")
    by_parent: dict[str, list[int]] = {}
    for i, p in family.dropna().items():
        by_parent.setdefault(p, []).append(i)
    listed = set(df.loc[parents, "jobId"])
    order = times["created"].fillna(np.inf).sort_values(kind="stable").index
    all_runs, created_at, waits = times["runs"].tolist(), times["created"].tolist(), times["wait"].tolist()
    parents, family = parents.tolist(), family.tolist()  # plain lists: this loop sees every job
    rows, segments = [], []

    def add_row(i: int, kind: str, label: str, extent=None) -> int:
        r = records[i]
        row = len(rows)
        created = created_at[i]
        runs = all_runs[i] if extent is None else extent
        waited = runs[0][0] if runs else created + waits[i] * 1000
        rows.append({"row": row, "label": label, "jobId": r["jobId"], "kind": kind, "status": r["status"],
                     "reason": r["statusReason"] or "", "exit": r["exitCode"], "queue": r["queue"],
                     "definition": r["definition"], "children": None, "created": created,
                     "start": runs[0][0] if runs else np.nan, "end": runs[-1][1] if runs else np.nan,
                     "wait": (waited - created) / 1000, "run": sum(e - s for s, e in runs) / 1000})
        if created == created and waited > created:
            segments.append((row, "wait", created, waited, r["status"], 1.0))
        segments.extend((row, "run", start, end, r["status"], 1.0) for start, end in runs)
        return row

    for i in order:
        r = records[i]
        if parents[i]:
            kids = sorted(by_parent.get(r["jobId"], ()), key=lambda k: records[k]["arrayProperties.index"] or 0)
            runs = [run for k in kids for run in all_runs[k]]
            extent = [(min(s for s, _ in runs), max(e for _, e in runs))] if runs else _own_extent(times.loc[i], r)
            row = add_row(i, "array", f"{r['jobName']} [{int(r['arrayProperties.size'])}]", extent)
            counts = _counts([records[k]["status"] for k in kids], r["arrayProperties.statusSummary"])
            rows[row]["children"] = counts
            _progress(segments, row, counts, extent or all_runs[i], created_at[i])
            if expand is True or (isinstance(expand, (list, tuple, set)) and
                                  ({r["jobId"], r["jobName"]} & set(expand))):
                for k in kids:
                    add_row(k, "child", f"  {r['jobName']}[{int(records[k]['arrayProperties.index'])}]")
        elif r["arrayProperties.index"] is not None and family[i] in listed:
            continue  # drawn with (or folded into) its parent
        else:
            index = r["arrayProperties.index"]
            add_row(i, "child" if index is not None else "job",
                    r["jobName"] if index is None else f"{r['jobName']}[{int(index)}]")
    rows_frame = pd.DataFrame(rows, columns=["row", "label", "jobId", "kind", "status", "reason", "exit", "queue",
                                             "definition", "children", "created", "start", "end", "wait", "run"])
    return Spans(rows_frame, pd.DataFrame(segments, columns=["row", "phase", "start", "end", "status", "share"]))


def fold(table: Spans, rows: int | None) -> Spans:
    """At most `rows` rows: the newest `rows - 1` as they are, and on top one row (kind "more") for
    all the ones before them: a band from the first created to their last end, split by their
    statuses the way an array's band splits its children.  None: every row."""
    if rows is None or len(table.rows) <= rows:
        return table
    cut = len(table.rows) - max(rows, 2) + 1
    older, segments = table.rows.iloc[:cut], table.segments
    first = older["created"].min()
    last = segments.loc[segments["row"] < cut, "end"].max()
    counts = older["status"].fillna("UNKNOWN").value_counts().to_dict()
    counts = {status: counts[status] for status in sorted(counts, key=_lifecycle)}
    top = {**dict.fromkeys(table.rows.columns), "row": 0, "label": f"{cut:,} earlier jobs", "jobId": "",
           "kind": "more", "status": "", "reason": "", "children": counts, "created": first,
           "start": older["start"].min(), "end": last, "wait": np.nan, "run": np.nan}
    band: list = []
    _progress(band, 0, counts, [(first, last)], first)
    band = pd.DataFrame(band, columns=segments.columns).assign(phase="more")
    newer = table.rows.iloc[cut:].assign(row=lambda d: d["row"] - cut + 1)
    kept = segments[segments["row"] >= cut].assign(row=lambda d: d["row"] - cut + 1)
    return Spans(pd.concat([pd.DataFrame([top]), newer], ignore_index=True),
                 pd.concat([band, kept], ignore_index=True))


def _own_extent(times: pd.Series, record: dict) -> list | None:
    """An array parent without its children listed (the monitor's case): it ran from its first
    start (or creation) to its end (or now) once it left the queue."""
    if record["status"] not in ("STARTING", "RUNNING", *FINISHED):
        return None
    if times["runs"]:
        return [(times["runs"][0][0], times["runs"][-1][1])]
    end = times["created"] + times["wait"] * 1000  # when it stopped, or now
    return [(times["created"], end)] if end > times["created"] else None


def _counts(statuses: list[str], summary) -> dict[str, int]:
    """Children per status: from the children when listed, else the parent's statusSummary."""
    if statuses:
        return {s: statuses.count(s) for s in dict.fromkeys(statuses)}
    return {s: int(n) for s, n in (summary or {}).items() if n} if isinstance(summary, dict) else {}


def _progress(segments: list, row: int, counts: dict[str, int], runs, created: float) -> None:
    """The band under an array's bar: its length split by the children's statuses."""
    total = sum(counts.values())
    if not total:
        return
    start = runs[0][0] if runs else created
    end = runs[-1][1] if runs else start
    if not (start == start and end == end) or end <= start:
        return
    at = start
    for status in sorted(counts, key=_lifecycle):
        width = (end - start) * counts[status] / total
        segments.append((row, "progress", at, at + width, status, counts[status] / total))
        at += width


def _lifecycle(status: str) -> int:
    order = ("SUCCEEDED", "FAILED", "RUNNING", "STARTING", "RUNNABLE", "PENDING", "SUBMITTED")
    return order.index(status) if status in order else len(order)
