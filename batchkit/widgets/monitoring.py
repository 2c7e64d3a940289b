"""The live job monitor: counts per queue, a filterable table, a detail pane, a timeline, actions.

It refreshes on a background thread (never a sleeping loop in the cell), under
a lock, backs off on API errors and shows them, and stops when closed.
"""

from __future__ import annotations

import html
import threading

import ipywidgets as w

from ..errors import BatchError
from .tracking import FINISHED, JobTracker

ROWS = 50  # rows of the job table
TIMELINE_JOBS = 30
MAX_BACKOFF = 60.0
COLORS = {"SUBMITTED": "#bbb", "PENDING": "#999", "RUNNABLE": "#e9b400", "STARTING": "#4aa3df",
          "RUNNING": "#1f77b4", "SUCCEEDED": "#2ca02c", "FAILED": "#d62728"}


class Monitor:
    """`monitor(b)`: refreshes every `interval` seconds (None: only when `refresh()` is called)."""

    def __init__(self, b, queues=None, watch=None, interval: float | None = 5.0):
        self.b = b
        self.tracker = JobTracker(b, queues)
        self.watch = list(watch or [])
        self.interval = interval
        self.error: str | None = None
        self._delay = interval
        self._stopped = threading.Event()
        self._thread = None
        self._pending_action = None

        self.status = w.HTML()
        self.counts = w.HTML()
        self.queue = w.Dropdown(options=["(all)"], description="queue")
        self.state = w.Dropdown(options=["(all)", *COLORS], description="status")
        self.name = w.Text(description="name", placeholder="glob, e.g. train-*")
        self.table = w.HTML()
        self.selected = w.Dropdown(options=[], description="job", layout=w.Layout(width="60%"))
        self.detail = w.HTML()
        self.progress = w.IntProgress(description="watched", layout=w.Layout(display="none" if not self.watch else ""))
        self.timeline = w.HTML()
        self.cancel_button = w.Button(description="Cancel job", button_style="warning")
        self.terminate_button = w.Button(description="Terminate job", button_style="danger")
        self.confirm_button = w.Button(description="Yes, do it", button_style="danger", layout=w.Layout(display="none"))
        self.abort_button = w.Button(description="No", layout=w.Layout(display="none"))
        self.refresh_button = w.Button(description="Refresh", icon="refresh")
        for control in (self.queue, self.state, self.name):
            control.observe(lambda _: self.render(), names="value")
        self.selected.observe(lambda _: self.show_detail(), names="value")
        self.cancel_button.on_click(lambda _: self.ask("cancel"))
        self.terminate_button.on_click(lambda _: self.ask("terminate"))
        self.confirm_button.on_click(lambda _: self.confirm())
        self.abort_button.on_click(lambda _: self._hide_confirmation())
        self.refresh_button.on_click(lambda _: self.refresh())
        self.widget = w.VBox([
            w.HBox([self.refresh_button, self.status]), self.counts, self.progress,
            w.HBox([self.queue, self.state, self.name]), self.table,
            w.HBox([self.selected, self.cancel_button, self.terminate_button, self.confirm_button, self.abort_button]),
            self.detail, self.timeline,
        ])
        self.refresh()
        if interval:
            self.start()

    # -- refreshing ------------------------------------------------------------------

    def refresh(self) -> bool:
        """One refresh; False (and the error shown) when the API failed."""
        try:
            self.tracker.refresh()
        except BatchError as exc:
            self.error = str(exc).splitlines()[0]
            self._delay = min((self._delay or 1.0) * 2, MAX_BACKOFF)
            self.status.value = f"<span style='color:#b00'>{html.escape(self.error)}</span> (retrying in {self._delay:g} s)"
            return False
        self.error, self._delay = None, self.interval
        self.render()
        return True

    def start(self) -> None:
        if self._thread is None:
            self._stopped.clear()
            self._thread = threading.Thread(target=self._loop, name="batchkit-monitor", daemon=True)
            self._thread.start()

    def _loop(self) -> None:
        while not self._stopped.wait(self._delay or self.interval):
            self.refresh()

    def stop(self) -> None:
        self._stopped.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=10)
        self._thread = None

    def close(self) -> None:
        self.stop()
        self.widget.close()

    # -- rendering ---------------------------------------------------------------------

    def rows(self):
        df = self.tracker.frame()
        if self.queue.value != "(all)":
            df = df[df["queue"] == self.queue.value]
        if self.state.value != "(all)":
            df = df[df["status"] == self.state.value]
        if self.name.value.strip():
            df = df[df["jobName"].fillna("").str.match(_glob(self.name.value.strip()))]
        return df.reset_index(drop=True)

    def render(self) -> None:
        counts = self.tracker.counts()
        queues = ["(all)", *counts.index]
        if list(self.queue.options) != queues:
            self.queue.options = queues
        self.counts.value = _count_bars(counts)
        rows = self.rows()
        shown = rows.head(ROWS)
        self.table.value = shown[["jobName", "queue", "status", "statusReason", "createdAt", "startedAt",
                                  "stoppedAt", "exitCode", "jobId"]].to_html(index=False, na_rep="", border=0)
        if len(rows) > ROWS:
            self.table.value += f"<p><i>showing {ROWS} of {len(rows)} jobs</i></p>"
        options = [(f"{r.jobName} ({r.status}) {r.jobId[:8]}", r.jobId) for r in shown.itertuples()]
        if list(self.selected.options) != options:
            current = self.selected.value
            self.selected.options = options
            if current in dict(options).values():
                self.selected.value = current
        if self.watch:
            frame = self.tracker.frame().set_index("jobId")
            done = sum(frame.loc[i, "status"] in FINISHED for i in self.watch if i in frame.index)
            self.progress.max, self.progress.value = len(self.watch), done
            self.progress.description = f"{done}/{len(self.watch)} done"
        self.timeline.value = _timeline(rows)
        label = self.b.label or "AWS"
        self.status.value = f"{len(self.tracker.jobs)} jobs · {html.escape(label)}"

    def show_detail(self) -> None:
        job_id = self.selected.value
        if not job_id:
            self.detail.value = ""
            return
        try:
            job = self.tracker.describe(job_id)
            logs = self.b.logs(job_id).tail(10)["message"].tolist() if job.get("attempts") else []
        except BatchError as exc:
            self.detail.value = f"<span style='color:#b00'>{html.escape(str(exc).splitlines()[0])}</span>"
            return
        self.detail.value = _detail(job, logs)

    # -- actions -------------------------------------------------------------------------

    def ask(self, verb: str) -> None:
        """Cancel/Terminate ask first: the confirmation buttons appear."""
        if not self.selected.value:
            return
        self._pending_action = (verb, self.selected.value)
        self.confirm_button.description = f"Yes, {verb} it"
        self.confirm_button.layout.display = self.abort_button.layout.display = ""

    def confirm(self):
        if self._pending_action is None:
            return None
        verb, job_id = self._pending_action
        self._hide_confirmation()
        try:
            reason = f"{'Cancelled' if verb == 'cancel' else 'Terminated'} from the batchkit monitor"
            result = getattr(self.b, verb)([job_id], reason=reason)
        except BatchError as exc:
            self.status.value = f"<span style='color:#b00'>{html.escape(str(exc).splitlines()[0])}</span>"
            return None
        self.refresh()
        self.show_detail()
        return result

    def _hide_confirmation(self) -> None:
        self._pending_action = None
        self.confirm_button.layout.display = self.abort_button.layout.display = "none"

    def _repr_mimebundle_(self, **kwargs):
        bundle = self.widget._repr_mimebundle_(**kwargs)
        bundle["text/html"] = self.counts.value + self.table.value  # front ends without widgets
        return bundle


def _glob(pattern: str) -> str:
    import fnmatch

    return fnmatch.translate(pattern)


def _count_bars(counts) -> str:
    total = max(int(counts.values.sum()), 1)
    rows = []
    for queue, row in counts.iterrows():
        bars = "".join(
            f"<span title='{s}: {n}' style='display:inline-block;height:12px;width:{max(2, 300 * n // total) if n else 0}px;"
            f"background:{COLORS[s]}'></span>" for s, n in row.items())
        text = " ".join(f"{s.lower()} {n}" for s, n in row.items() if n)
        rows.append(f"<tr><td><b>{html.escape(str(queue))}</b></td><td>{bars}</td><td>{text or 'no jobs'}</td></tr>")
    return "<table>" + "".join(rows) + "</table>"


def _timeline(rows) -> str:
    """A Gantt-style SVG of when jobs ran (the newest TIMELINE_JOBS that started)."""
    started = rows.dropna(subset=["startedAt"]).head(TIMELINE_JOBS)
    if started.empty:
        return ""
    import pandas as pd

    now = pd.Timestamp.now(tz="UTC")
    ends = started["stoppedAt"].fillna(max(now, started["startedAt"].max()))
    first, last = started["startedAt"].min(), ends.max()
    span = max((last - first).total_seconds(), 1.0)
    bars = []
    for i, (row, end) in enumerate(zip(started.itertuples(), ends)):
        x = 160 + 500 * (row.startedAt - first).total_seconds() / span
        width = max(2.0, 500 * (end - row.startedAt).total_seconds() / span)
        bars.append(f"<text x='0' y='{14 * i + 11}' font-size='10'>{html.escape(str(row.jobName))[:24]}</text>"
                    f"<rect x='{x:.1f}' y='{14 * i + 2}' width='{width:.1f}' height='10' fill='{COLORS.get(row.status, '#888')}'>"
                    f"<title>{html.escape(str(row.jobName))}: {row.status}</title></rect>")
    return f"<svg width='680' height='{14 * len(started) + 4}'>{''.join(bars)}</svg>"


def _detail(job: dict, logs: list[str]) -> str:
    container = job.get("container") or {}
    attempts = "".join(
        f"<li>exit {a.get('container', {}).get('exitCode', '–')}: {html.escape(a.get('statusReason') or '')}</li>"
        for a in job.get("attempts") or ())
    summary = (job.get("arrayProperties") or {}).get("statusSummary")
    array = ""
    if summary:
        done = summary.get("SUCCEEDED", 0) + summary.get("FAILED", 0)
        size = job["arrayProperties"].get("size") or 1
        array = f"<p>array: {done}/{size} children done <progress value='{done}' max='{size}'></progress></p>"
    return (
        f"<p><b>{html.escape(job.get('jobName', ''))}</b> {job.get('status')} "
        f"{html.escape(job.get('statusReason') or '')}</p>{array}"
        f"<p>image {html.escape(str(container.get('image', '–')))} · exit code {container.get('exitCode', '–')}"
        f" · reason {html.escape(str(container.get('reason', '–')))}</p>"
        f"<p>attempts:</p><ul>{attempts or '<li>none yet</li>'}</ul>"
        f"<pre>{html.escape(chr(10).join(logs)) or '(no log lines)'}</pre>"
    )
