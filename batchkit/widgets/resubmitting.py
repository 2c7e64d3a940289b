"""Resubmit from the widgets: the console's form (All actions), and what the monitor's buttons share with it.

More than one job (an array's failed children, dependents) is submitted only after "Yes, resubmit N jobs".
"""

from __future__ import annotations

import html

import ipywidgets as w

from .. import resubmit
from ..errors import BatchError
from .forms import error_line

FIELD = {"style": {"description_width": "8em"}, "layout": {"width": "40em", "max_width": "98%"}}


def said(result) -> str:
    """What was submitted, in a line: "resubmitted shards-1, shards-3 (2 jobs): id1, id2"."""
    names = ", ".join(map(str, result["jobName"].head(5))) + (", ..." if len(result) > 5 else "")
    ids = ", ".join(map(str, result["jobId"].head(5))) + (", ..." if len(result) > 5 else "")
    many = f" ({len(result)} jobs)" if len(result) > 1 else ""
    return f"resubmitted {html.escape(names)}{many}: {html.escape(ids)}"


class ResubmitForm:
    """A job id, failed children only, dependents, and the overrides people change (as %batch resubmit takes)."""

    def __init__(self, b):
        self.b = b
        self.job = w.Text(description="job id", placeholder="a job id, or an array child's id:index", **FIELD)
        self.failed_only = w.Checkbox(description="failed children only (array jobs)", indent=False)
        self.dependents = w.Checkbox(description="and the jobs that failed for want of it", indent=False)
        self.queue = w.Text(description="queue", placeholder="(the job's)", **FIELD)
        self.environment = w.Textarea(description="environment", placeholder="KEY=value, one per line: set or changed",
                                      **FIELD)
        self.memory = w.Text(description="memory MiB", placeholder="(the job's)", **FIELD)
        self.button = w.Button(description="Resubmit", button_style="primary", icon="redo")
        self.confirm = w.Button(description="Yes", button_style="warning", layout=w.Layout(display="none"))
        self.abort = w.Button(description="No", layout=w.Layout(display="none"))
        self.status = w.HTML()
        self.pending: resubmit.Plan | None = None
        self.button.on_click(lambda _: self.run())
        self.confirm.on_click(lambda _: self.run(confirmed=True))
        self.abort.on_click(lambda _: self._ask(None))
        self.widget = w.VBox([self.job, w.HBox([self.failed_only, self.dependents]), self.queue, self.environment,
                              self.memory, w.HBox([self.button, self.confirm, self.abort]), self.status])

    def overrides(self) -> dict:
        found = {}
        if self.queue.value.strip():
            found["queue"] = self.queue.value.strip()
        lines = [line.strip() for line in self.environment.value.splitlines() if line.strip()]
        if lines:
            found["env"] = lines  # KEY=value, checked by resubmit.apply
        if self.memory.value.strip():
            try:
                found["memory"] = int(self.memory.value.strip())
            except ValueError:
                raise ValueError(f"memory MiB: {self.memory.value.strip()!r} is not a number") from None
        return found

    def run(self, confirmed: bool = False):
        """Plan; submit at once when it is one job, after Yes when it is more."""
        try:
            planned = self.pending if confirmed and self.pending else resubmit.plan(
                self.b, self.job.value.strip(), self.failed_only.value, self.dependents.value, self.overrides())
            resubmit.check(planned)
            if len(planned) > 1 and not confirmed:
                self._ask(planned)
                return None
            self._ask(None)
            result = resubmit.submit(self.b, planned)
        except (BatchError, ValueError, TypeError) as exc:
            self._ask(None)
            self.status.value = error_line(exc)
            return None
        self.status.value = said(result)
        return result

    def _ask(self, planned) -> None:
        self.pending = planned
        shown = "" if planned else "none"
        if planned:
            self.confirm.description = f"Yes, resubmit {len(planned)} jobs"
            self.status.value = html.escape(planned.summary)
        self.confirm.layout.display = self.abort.layout.display = shown

    def close(self) -> None:
        self.widget.close()
