"""The console's form for `Batch.search_logs`: which jobs (ids, or a name across the queues), a filter
pattern, since when and which attempt; the matching lines below it."""

from __future__ import annotations

import ipywidgets as w

from ..errors import BatchError
from .forms import Shows

LABEL_WIDTH = "8em"
FIELD = {"style": {"description_width": LABEL_WIDTH}, "layout": {"width": "40em", "max_width": "98%"}}
ATTEMPTS = (("the last", -1), ("the first", 0), ("every one", None))


class SearchLogsForm(Shows):
    """`b.search_logs(...)` as a form: a job id list or a job name (a glob: ``shards``, ``train-*``)."""

    name = "SearchLogs"  # how the All actions picker lists it

    def __init__(self, b):
        self.b = b
        self.ids = w.Textarea(description="job ids", placeholder="ids, space separated (array parents stand for "
                                                                "their children)", **FIELD)
        self.job_name = w.Text(description="or job name", placeholder="shards, train-* (every queue, every status)",
                               **FIELD)
        self.pattern = w.Text(description="pattern *", placeholder='MemoryError   "out of memory"   ?ERROR ?WARN',
                              **FIELD)
        self.since = w.Text(description="since", placeholder="24h, 30m, 2026-12-01 (empty: all time)", **FIELD)
        self.attempt = w.Dropdown(description="attempt", options=ATTEMPTS, value=-1, **FIELD)
        self.run_button = w.Button(description="Search logs", button_style="primary",
                                   layout={"margin": f"6px 0 0 calc({LABEL_WIDTH} + 6px)"})
        self.status = w.HTML()
        self.output = w.Output()
        self.result = None
        self.run_button.on_click(lambda _: self.run())
        about = w.HTML("<b>SearchLogs</b> <span style='color:#666'>The log lines of many jobs that match a "
                       "CloudWatch Logs filter pattern, with how many jobs have them.</span>")
        self.widget = w.VBox([about, self.ids, self.job_name, self.pattern, self.since, self.attempt,
                              self.run_button, self.status, self.output])

    def run(self):
        """Search; the frame (also shown below), or None with a one-line error."""
        ids, name, pattern = self.ids.value.split(), self.job_name.value.strip(), self.pattern.value.strip()
        if not pattern:
            return self._error("pattern: give a word, a \"quoted phrase\" or ?ERROR ?WARN")
        if bool(ids) == bool(name):
            return self._error("give job ids or a job name (one of the two)")
        try:
            jobs = ids if ids else self.b.jobs(name=name)
            result = self.b.search_logs(jobs, pattern, since=self.since.value.strip() or None,
                                        attempt=self.attempt.value, progress=False)
        except (BatchError, ValueError, TypeError) as exc:
            return self._error(str(exc))
        return self._show(result)  # no status line: the result's summary line heads it

    def close(self) -> None:
        self.widget.close()
