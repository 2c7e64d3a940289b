"""A run's data, through `Batch` calls only: its jobs (array children with their parents),
its queues and compute environments; and the pictures `Batch` offers of it."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..jobs import job_ids
from . import charts, spans, usage

NEEDED = {"jobId", "status", "createdAt"}


def jobs_of(b, jobs=None, since=None, queue=None, detail=False) -> pd.DataFrame:
    """The jobs to draw: every job (of `queue`, created since `since`) with details, or the
    given frame or ids (described when `detail` is needed and the frame is a listing's);
    array children that are missing are described with their parents."""
    if jobs is None:
        return b.jobs(queue=queue, since=since, detail=True, children=True)
    if isinstance(jobs, pd.DataFrame) and NEEDED <= set(jobs.columns) and (not detail or "vcpus" in jobs):
        df = jobs
    else:
        ids = job_ids(jobs, "jobs")
        if not ids:
            raise ValueError("no jobs to draw: give a job frame, job ids, or none for every job")
        df = b.describe_jobs(jobs=ids)
    return with_children(b, df)


def with_children(b, df: pd.DataFrame) -> pd.DataFrame:
    """df and the children of its array parents (ids parent:0 .. parent:size-1), where it lacks them."""
    present = set(df["jobId"].astype(str))
    parents = df[spans.is_parent(df)]
    ids = [f"{p}:{i}" for p, size in zip(parents["jobId"], parents["arrayProperties.size"])
           for i in range(int(size)) if f"{p}:{i}" not in present]
    if not ids:
        return df
    children = b.describe_jobs(jobs=ids)
    return pd.concat([df, children], ignore_index=True) if len(children) else df


@dataclass
class Run:
    jobs: pd.DataFrame  # DescribeJobs' frame, array children included
    queues: pd.DataFrame
    envs: pd.DataFrame
    label: str  # the backend
    since: pd.Timestamp | None


def gather(b, since=None, queues=None) -> Run:
    """Everything a report shows: one listing with details (DescribeJobs 100 ids a call),
    the queues and the compute environments."""
    from ..jobs import _since

    jobs = b.jobs(queue=queues, since=since, detail=True, children=True)
    return Run(jobs, b.queues(), b.envs(), b.label or "AWS", _since(since))


def backend_now(b) -> pd.Timestamp:
    """The backend's now (a simulated clock may run ahead of this machine's)."""
    return pd.Timestamp(round(b.clock() * 1000), unit="ms", tz="UTC")


def timeline(b, jobs=None, since=None, queue=None, expand=False, now=None, title: str = "Timeline"):
    now = backend_now(b) if now is None else now
    return charts.timeline(spans.spans(jobs_of(b, jobs, since, queue), expand=expand, now=now), title=title)


def capacity(b, jobs=None, since=None, queue=None, now=None, title: str = "Capacity in use"):
    df = jobs_of(b, jobs, since, queue, detail=True)
    now = backend_now(b) if now is None else now
    return charts.capacity(usage.usage(df, b.queues(), now), usage.limits(b.envs()), title=title,
                           until=usage.until(df, now))
