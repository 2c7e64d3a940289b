"""What a run used: resources in use per compute environment over time, and resource-hours.

DescribeJobs does not say which compute environment ran a job: a job counts in
the first environment of its queue's order (the one Batch tries first).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..frames import _resource
from .spans import FINISHED, column, is_parent, job_times, now_ms

MIB_PER_GIB = 1024


def environment_of(queues: pd.DataFrame) -> dict[str, str]:
    """Queue name -> the first compute environment of its order."""
    if not len(queues):
        return {}
    return {str(q): (envs[0] if isinstance(envs, list) and envs else "(none)")
            for q, envs in zip(queues["jobQueueName"], column(queues, "computeEnvironments"))}


def limits(envs: pd.DataFrame) -> dict[str, float]:
    """Compute environment name -> maxvCpus (managed environments have one)."""
    if not len(envs):
        return {}
    values = pd.to_numeric(column(envs, "computeResources.maxvCpus"), errors="coerce")
    return {str(n): float(v) for n, v in zip(envs["computeEnvironmentName"], values) if v == v}


def resources(jobs: pd.DataFrame) -> pd.DataFrame:
    """vCPUs, memory (GiB) and GPUs each job asked for (0 where it did not say)."""
    return pd.DataFrame({
        "vcpus": pd.to_numeric(column(jobs, "vcpus"), errors="coerce").fillna(0).astype(float),
        "memory": pd.to_numeric(column(jobs, "memory"), errors="coerce").fillna(0).astype(float) / MIB_PER_GIB,
        "gpus": _resource(column(jobs, "container.resourceRequirements"), "GPU").fillna(0),
    }, index=jobs.index)


COLUMNS = ("vcpus", "memory", "gpus", "jobs")


def usage(jobs: pd.DataFrame, queues: pd.DataFrame, now=None) -> pd.DataFrame:
    """Resources in use per environment after each job start and end: time (epoch ms),
    environment, vcpus, memory (GiB), gpus and jobs (running).  Array parents count
    through their children."""
    jobs = jobs[~is_parent(jobs)]
    runs = job_times(jobs, now)["runs"]
    where = environment_of(queues)
    env = column(jobs, "queue").map(lambda q: where.get(str(q), str(q) if q == q and q is not None else "(unknown)"))
    asked = resources(jobs).assign(jobs=1.0)
    counts = runs.map(len).to_numpy()
    starts = np.array([s for r in runs for s, _ in r], dtype=float)
    ends = np.array([e for r in runs for _, e in r], dtype=float)
    repeat = lambda values: np.repeat(np.asarray(values), counts)  # noqa: E731  one per run
    events = pd.DataFrame({
        "time": np.concatenate([starts, ends]),
        "environment": np.concatenate([repeat(env.astype(object))] * 2),
        "sign": np.concatenate([np.ones(len(starts)), -np.ones(len(ends))]),
        **{c: np.concatenate([repeat(asked[c]), repeat(asked[c])]) for c in COLUMNS},
    })
    if events.empty:
        return pd.DataFrame(columns=["time", "environment", *COLUMNS])
    events = events.sort_values(["environment", "time", "sign"], kind="stable")  # ends before starts at a tie
    for c in COLUMNS:
        events[c] = (events[c] * events["sign"]).groupby(events["environment"]).cumsum().clip(lower=0)
    last = events.groupby(["environment", "time"], sort=False).tail(1)  # the level after all changes at a time
    return last[["time", "environment", *COLUMNS]].reset_index(drop=True)


def until(jobs: pd.DataFrame, now=None) -> float | None:
    """Where a run's capacity chart ends: now (epoch ms) while any of its jobs is unfinished
    (nothing in use while jobs wait is the picture), else None: at its last change."""
    return now_ms(now) if (~column(jobs, "status").isin(FINISHED)).any() else None


def hours(jobs: pd.DataFrame, now=None) -> pd.DataFrame:
    """Per job (array parents left out): run seconds, vCPU-hours and memory-GiB-hours."""
    jobs = jobs[~is_parent(jobs)]
    run = job_times(jobs, now)["run"]
    asked = resources(jobs)
    return pd.DataFrame({"run": run, "vcpu_hours": asked["vcpus"] * run / 3600,
                         "memory_gib_hours": asked["memory"] * run / 3600}, index=jobs.index)
