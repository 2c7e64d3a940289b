"""A run report: one HTML file a person opens after a run, with no network needed.

Counts per status and queue, how long jobs waited and ran, retries, failures
grouped by reason and exit code (an example job each), vCPU-hours and
memory-GiB-hours per queue and definition, the timeline and capacity
charts, and the dependency graph when jobs depend on others.  Array jobs count
as their children (each child is a unit of work).
plotly.js is inlined once; every table is `views.table`.
"""

from __future__ import annotations

import html
from pathlib import Path

import numpy as np
import pandas as pd

from .. import views
from ..views import Cell
from . import charts, graph, graph_chart, spans, usage
from .runs import Run

STATUSES = ("SUBMITTED", "PENDING", "RUNNABLE", "STARTING", "RUNNING", "SUCCEEDED", "FAILED")
LISTED = 20  # rows of the retries table
STYLE = """
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:24px auto;max-width:1280px;color:#222;padding:0 16px}
h1{font-size:22px;margin:0 0 4px} h2{font-size:16px;margin:28px 0 8px;border-bottom:1px solid #eee;padding-bottom:4px}
.note{color:#666;font-size:12px;margin:2px 0 8px}
.tiles{display:flex;gap:12px;flex-wrap:wrap;margin:16px 0}
.tile{border:1px solid #e4e4e4;border-radius:6px;padding:8px 14px;min-width:110px}
.tile b{display:block;font-size:22px} .tile span{color:#666;font-size:12px}
table.batchkit td,table.batchkit th{padding:3px 10px;border-bottom:1px solid #f0f0f0}
table.batchkit td.n,table.batchkit th.n{text-align:right}
"""


class Report:
    """The report of a gathered run; `html()` is the whole page."""

    def __init__(self, run: Run, now=None, path=None):
        self.run, self.path = run, path
        self.now = now
        self.jobs = run.jobs
        self.work = run.jobs[~spans.is_parent(run.jobs)]  # the units of work: plain jobs and array children
        self.times = spans.job_times(self.work, now)
        self.hours = usage.hours(self.work, now)

    def summary(self) -> str:
        statuses = self.work["status"].value_counts()
        return (f"{len(self.work):,} jobs ({statuses.get('SUCCEEDED', 0):,} succeeded, {statuses.get('FAILED', 0):,} "
                f"failed), {_number(self.hours['vcpu_hours'].sum())} vCPU-hours")

    def __repr__(self) -> str:
        return f"run report: {self.summary()}" + (f" -> {self.path}" if self.path else "")

    # --- the numbers ---------------------------------------------------------------------

    def counts(self) -> pd.DataFrame:
        """Jobs per queue and status."""
        table = pd.crosstab(self.work["queue"].fillna("(none)"), self.work["status"])
        return table.reindex(columns=[s for s in STATUSES if s in table.columns])

    def failures(self) -> pd.DataFrame:
        """Failed jobs grouped by reason and exit code, the largest group first, an example each."""
        failed = self.work[self.work["status"] == "FAILED"]
        reason = spans.column(failed, "container.reason").fillna(failed["statusReason"]).fillna("(no reason given)")
        exit_code = failed["exitCode"].astype("Float64").map(lambda c: "" if pd.isna(c) else str(int(c)))
        frame = pd.DataFrame({"reason": reason.astype(str), "exit": exit_code, "jobId": failed["jobId"],
                              "jobName": _names(failed), "queue": failed["queue"].fillna(""),
                              "createdAt": failed["createdAt"]})
        if frame.empty:
            return frame.assign(count=[], queues=[])
        grouped = frame.sort_values("createdAt").groupby(["reason", "exit"], sort=False)
        out = grouped.agg(count=("jobId", "size"), jobId=("jobId", "first"), jobName=("jobName", "first"),
                          queues=("queue", lambda q: ", ".join(sorted(set(q)))))
        return out.reset_index().sort_values("count", ascending=False, kind="stable").reset_index(drop=True)

    def retried(self) -> pd.DataFrame:
        """Jobs that ran more than once: attempts, exit codes in order, how they ended."""
        attempts = spans.column(self.work, "attemptDetails")
        many = attempts.map(lambda a: isinstance(a, list) and len(a) > 1)
        jobs = self.work[many]
        codes = attempts[many].map(lambda a: " → ".join(str((x.get("container") or {}).get("exitCode", "?")) for x in a))
        return pd.DataFrame({"jobName": _names(jobs), "attempts": attempts[many].map(len), "exit codes": codes,
                             "status": jobs["status"], "jobId": jobs["jobId"]})

    def resource_hours(self, by: str) -> pd.DataFrame:
        """Jobs, time running, vCPU-hours and memory-GiB-hours per queue or definition."""
        keys = self.work[by].fillna("(none)")
        table = self.hours.groupby(keys).agg(jobs=("run", "size"), run=("run", "sum"),
                                             vcpu_hours=("vcpu_hours", "sum"),
                                             memory_gib_hours=("memory_gib_hours", "sum"))
        return table.sort_values("vcpu_hours", ascending=False)

    def durations(self) -> pd.DataFrame:
        """Per queue: queue wait and run time, median, 90th percentile and longest."""
        frame = pd.DataFrame({"queue": self.work["queue"].fillna("(none)"), "wait": self.times["wait"],
                              "run": self.times["run"].where(self.times["start"].notna())})
        stats = frame.groupby("queue").agg(**{f"{c} {name}": (c, fn) for c in ("wait", "run")
                                              for name, fn in (("median", "median"), ("p90", _p90), ("max", "max"))})
        return stats

    def has_dependencies(self) -> bool:
        """Whether any job depends on another (the report then draws the dependency graph)."""
        listed = spans.column(self.jobs, "dependsOn")
        return bool(listed.map(lambda d: isinstance(d, list) and len(d) > 0).any())

    # --- the page ----------------------------------------------------------------------------

    def html(self) -> str:
        run = self.run
        window = f"jobs created since {views.when(run.since)}" if run.since is not None else "every job listed"
        generated = views.when(pd.Timestamp.now(tz="UTC"))
        parts = [f"<h1>Batch run report</h1><div class='note'>{html.escape(run.label)} · {html.escape(window)} · "
                 f"generated {generated} · times in {html.escape(views.zone_name())} · array jobs count as their "
                 f"children</div>", self._tiles()]
        parts += [_section("Jobs per queue and status", self._counts_table()),
                  _section("Failures by reason and exit code", self._failures_table()),
                  _section("Retries", self._retries_table()),
                  _section("Waiting and running", self._durations_table()
                           + _figure(charts.distributions(self._rows()), plotlyjs=True)),
                  _section("vCPU-hours and memory-GiB-hours", self._hours_tables()),
                  _section("Timeline", _figure(charts.timeline(spans.spans(self.jobs, now=self.now)))),
                  _section("Capacity", _figure(charts.capacity(usage.usage(self.jobs, run.queues, self.now),
                                                               usage.limits(run.envs),
                                                               until=usage.until(self.jobs, self.now))))]
        if self.has_dependencies():
            parts.append(_section("Dependencies", _figure(graph_chart.draw(graph.graph(self.jobs)))))
        return (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Batch run report</title>"
                f"<style>{STYLE}</style></head><body>{''.join(parts)}</body></html>")

    def _rows(self) -> pd.DataFrame:
        return pd.DataFrame({"queue": self.work["queue"], "wait": self.times["wait"],
                             "run": self.times["run"].where(self.times["start"].notna())})

    def _tiles(self) -> str:
        statuses = self.work["status"].value_counts()
        tiles = [("jobs", f"{len(self.work):,}"), ("succeeded", f"{statuses.get('SUCCEEDED', 0):,}"),
                 ("failed", f"{statuses.get('FAILED', 0):,}"),
                 ("not finished", f"{len(self.work) - statuses.get('SUCCEEDED', 0) - statuses.get('FAILED', 0):,}"),
                 ("retried", f"{len(self.retried()):,}"),
                 ("vCPU-hours", _number(self.hours["vcpu_hours"].sum())),
                 ("memory GiB-hours", _number(self.hours["memory_gib_hours"].sum()))]
        return "<div class='tiles'>" + "".join(f"<div class='tile'><b>{v}</b><span>{k}</span></div>"
                                               for k, v in tiles) + "</div>"

    def _counts_table(self) -> str:
        counts = self.counts()
        if counts.empty:
            return _note("no jobs")
        header = ["queue", *counts.columns, "total"]
        body = [[Cell(str(q)), *(Cell(str(n)) for n in row), Cell(str(int(row.sum())))]
                for q, row in counts.iterrows()]
        return views.table(header, body)

    def _failures_table(self) -> str:
        failures = self.failures()
        if failures.empty:
            return _note("no job failed")
        body = [[views.hover_cell(r["reason"], 80), Cell(r["exit"]), Cell(str(r["count"])), Cell(r["queues"]),
                 Cell(r["jobName"]), views.id_cell(r["jobId"])] for r in failures.to_dict("records")]
        return views.table(["reason", "exit code", "jobs", "queues", "example", "example id"], body)

    def _retries_table(self) -> str:
        retried = self.retried()
        if retried.empty:
            return _note("no job ran more than once")
        body = [[Cell(r["jobName"]), Cell(str(r["attempts"])), Cell(r["exit codes"]), views.status_cell(r["status"]),
                 views.id_cell(r["jobId"])] for r in retried.head(LISTED).to_dict("records")]
        ended = retried["status"].value_counts()
        note = (f"{len(retried)} job{'s' if len(retried) != 1 else ''} ran more than once: {ended.get('SUCCEEDED', 0)} succeeded in the end, "
                f"{ended.get('FAILED', 0)} failed" + (f"; the first {LISTED} shown" if len(retried) > LISTED else ""))
        return _note(note) + views.table(["job", "attempts", "exit codes", "status", "id"], body)

    def _durations_table(self) -> str:
        stats = self.durations()
        if stats.empty:
            return _note("no jobs")
        body = [[Cell(str(q)), *(Cell(views.duration(v)) for v in row)] for q, row in stats.iterrows()]
        return views.table(["queue", *stats.columns], body)

    def _hours_tables(self) -> str:
        out = []
        for by, title in (("queue", "per queue"), ("definition", "per job definition")):
            table = self.resource_hours(by)
            body = [[Cell(str(k)), Cell(str(int(r["jobs"]))), Cell(views.duration(r["run"])), Cell(_number(r["vcpu_hours"])),
                     Cell(_number(r["memory_gib_hours"]))] for k, r in table.iterrows()]
            out.append(f"<h3 style='font-size:13px'>{title}</h3>" + views.table(
                [by, "jobs", "time running", "vCPU-hours", "memory GiB-hours"], body))
        return "".join(out)


def _names(jobs: pd.DataFrame) -> pd.Series:
    """Job names, array children with their index (shards[3])."""
    index = spans.column(jobs, "arrayProperties.index")
    names = jobs["jobName"].astype(str)
    return names.where(index.isna(), names + "[" + index.astype("Float64").astype("Int64").astype(str) + "]")


def _p90(values: pd.Series) -> float:
    return float(np.nanpercentile(values, 90)) if values.notna().any() else np.nan


def _number(value: float) -> str:
    return f"{value:,.2f}" if value < 100 else f"{value:,.0f}"


def _note(text: str) -> str:
    return f"<div class='note'>{html.escape(text)}</div>"


def _section(title: str, body: str) -> str:
    return f"<h2>{html.escape(title)}</h2>{body}"


def _figure(fig, plotlyjs: bool = False) -> str:
    """A chart as a div; plotly.js itself is inlined with the first one only."""
    return fig.to_html(full_html=False, include_plotlyjs=plotlyjs, config=charts.CONFIG)


def write(run: Run, path, now=None) -> Report:
    report = Report(run, now, Path(path))
    report.path.write_text(report.html(), encoding="utf-8")
    return report
