"""The live job monitor: counts per queue, a job table whose rows are clicked to select,
the selected job's card, a timeline, and cancel/terminate/resubmit.

It refreshes on a background thread (never a sleeping loop in the cell), under
a lock, backs off on API errors and shows them, and stops when closed.  The
table and the card are batchkit's views (`batchkit.views`), as in a notebook.
"""

from __future__ import annotations

import html
import threading

import ipywidgets as w

from .. import views
from ..errors import BatchError
from .forms import error_line
from .selectable import SelectableTable
from .tracking import FINISHED, JobTracker

ROWS = 50  # rows of the job table
TIMELINE_JOBS = 30
TIMELINE_ROW_PX = 16
MAX_BACKOFF = 60.0
STATUSES = ("SUBMITTED", "PENDING", "RUNNABLE", "STARTING", "RUNNING", "SUCCEEDED", "FAILED")
COLORS = views.COLORS


class Monitor:
    """`monitor(b)`: refreshes every `interval` seconds (None: only when `refresh()` is called)."""

    def __init__(self, b, queues=None, watch=None, interval: float | None = 5.0):
        self.b = b
        self.tracker = JobTracker(b, queues)
        self._drawing = threading.RLock()  # the refresh thread and the kernel (filters, clicks) draw in turn
        self.watch = list(watch or [])
        self.interval = interval
        self.error: str | None = None
        self._delay = interval
        self._stopped = threading.Event()
        self._thread = None
        self._pending_action = None
        self._card_of = None  # the job record the card was drawn from

        self.status = w.HTML()
        self.counts = w.HTML()
        self.queue = w.Dropdown(options=["(all)"], description="queue")
        self.state = w.Dropdown(options=["(all)", *STATUSES], description="status")
        self.name = w.Text(description="name", placeholder="glob, e.g. train-*")
        self.table = SelectableTable()
        self.shown_rows = w.HTML()
        self.detail = w.HTML()
        self.progress = w.IntProgress(description="watched", layout=w.Layout(display="none" if not self.watch else ""))
        self.timeline = _figure_widget()
        self.cancel_button = w.Button(description="Cancel job", button_style="warning", disabled=True)
        self.terminate_button = w.Button(description="Terminate job", button_style="danger", disabled=True)
        self.resubmit_button = w.Button(description="Resubmit", icon="redo", disabled=True)
        self.resubmit_failed_button = w.Button(description="Resubmit failed", icon="redo",
                                               tooltip="only the array's failed children, each with its index",
                                               layout=w.Layout(display="none", width="auto"))  # its count whole
        self.said = w.HTML()  # what a resubmission did
        self.confirm_button = w.Button(description="Yes, do it", button_style="danger",
                                       layout=w.Layout(display="none", width="auto"))
        self.abort_button = w.Button(description="No", layout=w.Layout(display="none"))
        self.refresh_button = w.Button(description="Refresh", icon="refresh")
        for control in (self.queue, self.state, self.name):
            control.observe(lambda _: self.render(), names="value")
        self.table.observe(lambda _: self.show_detail(), names="selected")
        self.cancel_button.on_click(lambda _: self.ask("cancel"))
        self.terminate_button.on_click(lambda _: self.ask("terminate"))
        self.resubmit_button.on_click(lambda _: self.resubmit())
        self.resubmit_failed_button.on_click(lambda _: self.resubmit(failed_only=True))
        self.confirm_button.on_click(lambda _: self.confirm())
        self.abort_button.on_click(lambda _: self._hide_confirmation())
        self.refresh_button.on_click(lambda _: self.refresh())
        self.widget = w.VBox([
            w.HBox([self.refresh_button, self.status]), self.counts, self.progress,
            w.HBox([self.queue, self.state, self.name]), self.table, self.shown_rows,
            w.HBox([self.cancel_button, self.terminate_button, self.resubmit_button, self.resubmit_failed_button,
                    self.confirm_button, self.abort_button]), self.said,
            self.detail, self.timeline,
        ])
        self.refresh()
        if interval:
            self.start()

    @property
    def selected(self) -> str | None:
        """The id of the job whose row was clicked last."""
        return self.table.selected or None

    def select(self, job_id: str | None) -> None:
        """What clicking a row does: its card below, the actions that apply to it."""
        self.table.selected = job_id or ""

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

    def pause(self, why: str) -> None:
        """Stop refreshing and say so on the panel (its last state stays readable; Refresh still works)."""
        self.stop()
        self.status.value += f" · <i>{html.escape(why)}</i>"

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
        with self._drawing:
            self._render()

    def _render(self) -> None:
        counts = self.tracker.counts()
        queues = ["(all)", *counts.index]
        if list(self.queue.options) != queues:
            self.queue.options = queues
        self.counts.value = _count_bars(counts)
        rows = self.rows()
        unknown = [i for i in rows["jobId"].head(ROWS) if i not in self.tracker.described]
        if unknown:  # attempts and durations of the rows shown: finished jobs are described once
            self.tracker.describe(unknown)
            rows = self.rows()
        if self.selected and self.selected not in set(rows["jobId"]):
            self.select(None)  # filtered out: its card goes too
        self.table.html = views.View(rows, ROWS, views.KINDS["JobDetail"]).table_html() if len(rows) else ""
        more = f"showing the newest {ROWS} of {len(rows)} jobs · " if len(rows) > ROWS else ""
        said = (f"{more}times in {views.zone_name()} · click a row for its card" if len(rows) else
                f"no job matches {html.escape(self._filters())} (of {len(self.tracker.jobs)} jobs)")
        self.shown_rows.value = f"<div style='{views.CAPTION_STYLE}'>{said}</div>"
        if self.watch:
            frame = self.tracker.frame().set_index("jobId")
            done = sum(frame.loc[i, "status"] in FINISHED for i in self.watch if i in frame.index)
            self.progress.max, self.progress.value = len(self.watch), done
            self.progress.description = f"{done}/{len(self.watch)} done"
        self._draw_timeline(rows.head(TIMELINE_JOBS))
        if self.selected and self.tracker.jobs.get(self.selected) != self._card_of:
            self.show_detail()  # the card says what the row says
        self._enable_actions()
        label = self.b.label or "AWS"
        self.status.value = f"{len(self.tracker.jobs)} jobs · {html.escape(label)}"

    def _filters(self) -> str:
        """The filters in force, as a person would say them ("status STARTING, name train-*")."""
        chosen = [(label, control.value) for label, control in (("queue", self.queue), ("status", self.state))
                  if control.value != "(all)"]
        if self.name.value.strip():
            chosen.append(("name", self.name.value.strip()))
        return ", ".join(f"{label} {value}" for label, value in chosen) or "the filters"

    def _draw_timeline(self, rows) -> None:
        """The newest jobs shown, drawn as `b.timeline` draws them (batchkit.insight), in place."""
        from ..insight import charts, spans

        if rows.empty:  # nothing to draw: no empty axes
            with self.timeline.batch_update():
                self.timeline.data = ()
                self.timeline.layout = {"height": 10, "title": {"text": ""}, "showlegend": False,
                                        "xaxis": {"visible": False}, "yaxis": {"visible": False}}
            return
        fig = charts.timeline(spans.spans(rows), title=f"Timeline of the newest {len(rows)} jobs",
                              height=150 + TIMELINE_ROW_PX * len(rows))
        with self.timeline.batch_update():
            self.timeline.data = ()
            self.timeline.add_traces(list(fig.data))
            self.timeline.layout = fig.layout

    def _enable_actions(self) -> None:
        """Cancel and Terminate only for a selected job that has not finished; Resubmit for any selected job,
        "Resubmit failed" for an array parent with failed children."""
        job = self.tracker.jobs.get(self.selected or "")
        finished = job is None or job.get("status") in FINISHED
        self.cancel_button.disabled = self.terminate_button.disabled = finished
        self.resubmit_button.disabled = job is None
        array = (job or {}).get("arrayProperties") or {}
        failed = "index" not in array and (array.get("statusSummary") or {}).get("FAILED", 0)
        self.resubmit_failed_button.layout.display = "" if failed else "none"
        self.resubmit_failed_button.description = f"Resubmit {failed} failed" if failed else "Resubmit failed"

    def show_detail(self) -> None:
        with self._drawing:  # a card drawn for a row that a filter hid meanwhile would outlive the row
            self._show_detail()

    def _show_detail(self) -> None:
        from .. import jobs

        job_id = self.selected
        self._enable_actions()
        if not job_id:
            self.detail.value, self._card_of = "", None
            return
        try:
            if job_id not in self.tracker.described:
                self.tracker.describe([job_id])
            record = self.tracker.jobs.get(job_id)
            self._card_of = dict(record) if record is not None else None
            self.detail.value = views.Card(jobs.job(self.b, job_id, log_lines=10, record=self._card_of)).html()
        except BatchError as exc:
            self.detail.value = error_line(exc)

    # -- actions -------------------------------------------------------------------------

    def ask(self, verb: str) -> None:
        """Cancel/Terminate ask first: the confirmation buttons appear."""
        if not self.selected:
            return
        self._pending_action = (verb, self.selected)
        self.confirm_button.description = f"Yes, {verb} it"
        self.confirm_button.layout.display = self.abort_button.layout.display = ""

    def resubmit(self, failed_only: bool = False, confirmed: bool = False):
        """The selected job again (or its failed children): at once when it is one job, after Yes when more."""
        from .. import resubmit
        from .resubmitting import said

        if not self.selected:
            return None
        try:
            pending = self._pending_action
            planned = pending[1] if confirmed and pending and pending[0] == "resubmit" else \
                resubmit.plan(self.b, self.selected, failed_only=failed_only)
            resubmit.check(planned)
            if len(planned) > 1 and not confirmed:
                self._pending_action = ("resubmit", planned)
                self.confirm_button.description = f"Yes, resubmit {len(planned)} jobs"
                self.confirm_button.layout.display = self.abort_button.layout.display = ""
                self.said.value = html.escape(planned.summary)
                return None
            self._hide_confirmation()
            result = resubmit.submit(self.b, planned)
        except (BatchError, ValueError) as exc:
            self._hide_confirmation()
            self.said.value = error_line(exc)
            return None
        self.said.value = said(result)
        self.refresh()
        self.select(result.loc[0, "jobId"] if len(result) == 1 else self.selected)
        return result

    def confirm(self):
        if self._pending_action is None:
            return None
        verb, job_id = self._pending_action
        if verb == "resubmit":
            return self.resubmit(confirmed=True)
        self._hide_confirmation()
        try:
            reason = f"{'Cancelled' if verb == 'cancel' else 'Terminated'} from the batchkit monitor"
            result = getattr(self.b, verb)([job_id], reason=reason)
        except BatchError as exc:
            self.status.value = error_line(exc)
            return None
        self.refresh()
        self.show_detail()
        return result

    def _hide_confirmation(self) -> None:
        self._pending_action = None
        self._card_of = None  # the job record the card was drawn from
        self.confirm_button.layout.display = self.abort_button.layout.display = "none"

    def _repr_mimebundle_(self, **kwargs):
        bundle = self.widget._repr_mimebundle_(**kwargs)
        bundle["text/html"] = self.counts.value + self.table.html  # front ends without widgets
        return bundle


def _glob(pattern: str) -> str:
    import fnmatch

    return fnmatch.translate(pattern)


def _count_bars(counts) -> str:
    """Jobs per queue and status (array jobs as their children) as stacked bars."""
    total = max(int(counts.values.sum()), 1)
    rows = []
    for queue, row in counts.iterrows():
        bars = "".join(
            f"<span title='{s}: {n}' style='display:inline-block;height:12px;width:{max(2, 300 * n // total) if n else 0}px;"
            f"background:{COLORS[s]}'></span>" for s, n in row.items())
        text = " ".join(f"{s.lower()} {n}" for s, n in row.items() if n)
        rows.append(f"<tr><td style='text-align:left'><b>{html.escape(str(queue))}</b></td>"
                    f"<td style='text-align:left'>{bars}</td><td style='text-align:left'>{text or 'no jobs'}</td></tr>")
    return f"<table style='{views.TABLE_STYLE}'>" + "".join(rows) + "</table>"


def _figure_widget():
    import plotly.graph_objects as go

    return go.FigureWidget()
