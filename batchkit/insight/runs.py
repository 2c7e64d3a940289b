"""A run's data, through `Batch` calls only: its jobs (array children with their parents),
its queues and compute environments; and the pictures `Batch` offers of it."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..jobs import job_ids
from . import charts, spans, usage

NEEDED = {"jobId", "status", "createdAt"}


def described(b, jobs=None, since=None, queue=None, columns: set[str] = frozenset(), children=False) -> pd.DataFrame:
    """Every job (of `queue`, created since `since`) with details, or the given frame when it has
    NEEDED and `columns`, or else the given ids (or the frame's) described by DescribeJobs."""
    if jobs is None:
        return b.jobs(queue=queue, since=since, detail=True, children=children)
    if isinstance(jobs, pd.DataFrame) and NEEDED | columns <= set(jobs.columns):
        return jobs
    ids = job_ids(jobs, "jobs")
    if not ids:
        raise ValueError("no jobs to draw: give a job frame, job ids, or none for every job")
    df = b.describe_jobs(jobs=ids)
    if df.empty:
        raise LookupError(f"no job found with id {', '.join(ids[:3])}{' ...' if len(ids) > 3 else ''}")
    return df


def jobs_of(b, jobs=None, since=None, queue=None, detail=False) -> pd.DataFrame:
    """The jobs to draw (`described`; with their vcpus when `detail` is needed): array children
    that are missing from the given jobs are described with their parents."""
    df = described(b, jobs, since, queue, {"vcpus"} if detail else set(), children=True)
    return df if jobs is None else with_children(b, df)


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


FETCH_ROUNDS = 5  # dependencies of dependencies fetched this many steps back at most (then stub nodes)


def graph_jobs(b, jobs=None, since=None, queue=None) -> pd.DataFrame:
    """The jobs to draw as a graph, with their ``dependsOn``: every job (array parents; their
    statusSummary is their progress), or the given frame or ids; and the jobs they depend on
    that are not among them, fetched by DescribeJobs a few steps back (dependencies the account
    no longer has, such as jobs expired after AWS's retention, are drawn as stubs)."""
    df = described(b, jobs, since, queue, {"dependsOn"})
    asked: set[str] = set()
    for _ in range(FETCH_ROUNDS):
        known = set(df["jobId"].astype(str))
        known |= {spans.parent_id(i) for i in known}
        wanted = [spans.parent_id(d["jobId"]) for listed in df["dependsOn"] if isinstance(listed, list)
                  for d in listed if isinstance(d, dict) and d.get("jobId")]
        wanted = [i for i in dict.fromkeys(wanted) if i not in known and i not in asked]
        if not wanted:
            break
        asked.update(wanted)
        found = b.describe_jobs(jobs=wanted)
        if len(found):
            df = pd.concat([df, found], ignore_index=True)
    return df


def graph(b, jobs=None, since=None, queue=None, title: str = "Dependency graph"):
    from . import graph as layout
    from . import graph_chart

    return graph_chart.draw(layout.graph(graph_jobs(b, jobs, since, queue)), title=title)
