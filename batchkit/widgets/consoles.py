"""The console: the monitor, a submit form, resource tables, and a form for every action."""

from __future__ import annotations

import html

import ipywidgets as w

from .. import catalog, views
from ..errors import BatchError
from .forms import Form, error_line
from .monitoring import Monitor
from .resubmitting import ResubmitForm
from .searching import SearchLogsForm

LABEL_WIDTH = "8em"  # "environment", "memory MiB" whole
FIELD = {"style": {"description_width": LABEL_WIDTH}, "layout": {"width": "40em", "max_width": "98%"}}
# The resource tables are views' HTML inside a widget, where the notebook's table styles do not reach
TABLE_CSS = ("<style>.batchkit-resources .widget-html-content {line-height: 1.4}"
             ".batchkit-resources table.batchkit th, .batchkit-resources table.batchkit td "
             "{padding: 3px 12px 3px 0; text-align: left; border-bottom: 1px solid #eee}</style>")


class SubmitForm:
    """SubmitJob with the live queues and definitions, and the overrides people use every day."""

    def __init__(self, b):
        self.b = b
        self.name = w.Text(description="job name", value="job", **FIELD)
        self.queue = w.Dropdown(description="queue", **FIELD)
        self.definition = w.Dropdown(description="definition", **FIELD)
        self.command = w.Text(description="command", placeholder="python train.py --epochs 3 (empty: the definition's)",
                              **FIELD)
        self.environment = w.Textarea(description="environment", placeholder="KEY=value, one per line", **FIELD)
        self.vcpus = w.Text(description="vCPUs", **FIELD)
        self.memory = w.Text(description="memory MiB", **FIELD)
        self.array = w.BoundedIntText(description="array size", min=0, max=10_000, value=0, **FIELD)
        self.depends = w.Text(description="depends on", placeholder="job ids, space separated", **FIELD)
        self.retries = w.BoundedIntText(description="attempts", min=0, max=10, value=0, **FIELD)
        self.timeout = w.BoundedIntText(description="timeout s", min=0, max=10**7, value=0, **FIELD)
        self.button = w.Button(description="Submit", button_style="primary",
                               layout={"margin": f"6px 0 0 calc({LABEL_WIDTH} + 6px)"})  # under the inputs
        self.status = w.HTML()
        self.button.on_click(lambda _: self.submit())
        self.widget = w.VBox([self.name, self.queue, self.definition, self.command, self.environment, self.vcpus,
                              self.memory, self.array, self.depends, self.retries, self.timeout, self.button, self.status])
        self.load_choices()

    def load_choices(self) -> None:
        try:
            for dropdown, values in ((self.queue, self.b.queues()["jobQueueName"]),
                                     (self.definition, self.b.definitions()["definition"])):
                dropdown.options = list(values)
                dropdown.value = dropdown.options[0] if dropdown.options else None
        except BatchError as exc:
            self.status.value = error_line(exc)

    def request(self) -> dict:
        request = {"jobName": self.name.value.strip(), "jobQueue": self.queue.value, "jobDefinition": self.definition.value}
        overrides = {}
        if self.command.value.strip():
            import shlex

            overrides["command"] = shlex.split(self.command.value)
        lines = [line.strip() for line in self.environment.value.splitlines() if line.strip()]
        if lines:
            bad = [line for line in lines if "=" not in line]
            if bad:
                raise ValueError(f"environment: {bad[0]!r} is not KEY=value")
            overrides["environment"] = [dict(zip(("name", "value"), line.split("=", 1))) for line in lines]
        resources = [{"type": kind, "value": value.strip()} for kind, value in (("VCPU", self.vcpus.value),
                                                                                ("MEMORY", self.memory.value)) if value.strip()]
        if resources:
            overrides["resourceRequirements"] = resources
        if overrides:
            request["containerOverrides"] = overrides
        if self.array.value:
            request["arrayProperties"] = {"size": self.array.value}
        if self.depends.value.split():
            request["dependsOn"] = [{"jobId": job_id} for job_id in self.depends.value.split()]
        if self.retries.value:
            request["retryStrategy"] = {"attempts": self.retries.value}
        if self.timeout.value:
            request["timeout"] = {"attemptDurationSeconds": self.timeout.value}
        return request

    def submit(self):
        try:
            result = self.b.submit_job(**self.request())
        except (BatchError, ValueError) as exc:
            self.status.value = error_line(exc)
            return None
        self.status.value = f"submitted {html.escape(result.loc[0, 'jobName'])}: {result.loc[0, 'jobId']}"
        return result


class ResourceView:
    """A refreshable table of queues, environments or job definitions (their notebook view)."""

    def __init__(self, b, method: str):
        self.b, self.method = b, method
        self.table = w.HTML()
        self.table.add_class("batchkit-resources")
        self.button = w.Button(description="Refresh", icon="refresh")
        self.button.on_click(lambda _: self.refresh())
        self.widget = w.VBox([self.button, self.table])
        self.refresh()

    def refresh(self) -> None:
        try:
            df = getattr(self.b, self.method)()
        except BatchError as exc:
            self.table.value = error_line(exc)
            return
        self.table.value = TABLE_CSS + views.View(df).html()


EXTRA_FORMS = {  # actions of batchkit's own beside the catalog's, after them in the picker
    "Resubmit": ResubmitForm,
    SearchLogsForm.name: SearchLogsForm,
}


class ActionPicker:
    """Pick any catalog operation (or one of EXTRA_FORMS), get its form (kept while the console lives: its
    names are fetched once)."""

    def __init__(self, b):
        self.b = b
        self.choice = w.Dropdown(options=[*catalog.operations(), *EXTRA_FORMS], description="action")
        self.holder = w.VBox()
        self.forms: dict[str, Form] = {}
        self.choice.observe(lambda _: self.pick(), names="value")
        self.widget = w.VBox([self.choice, self.holder])
        self.pick()

    @property
    def form(self) -> Form:
        return self.forms[self.choice.value]

    def pick(self) -> None:
        if self.choice.value not in self.forms:
            extra = EXTRA_FORMS.get(self.choice.value)
            self.forms[self.choice.value] = extra(self.b) if extra else Form(self.b, self.choice.value)
        self.holder.children = [self.form.widget]

    def close(self) -> None:
        for form in self.forms.values():
            form.close()


class Console:
    TABS = ("Jobs", "Submit", "Queues", "Environments", "Definitions", "All actions")  # short: tabs are 144px

    def __init__(self, b, interval: float | None = 5.0):
        self.monitor = Monitor(b, interval=interval)
        self.submit = SubmitForm(b)
        self.queues = ResourceView(b, "queues")
        self.envs = ResourceView(b, "envs")
        self.definitions = ResourceView(b, "definitions")
        self.actions = ActionPicker(b)
        parts = [self.monitor, self.submit, self.queues, self.envs, self.definitions, self.actions]
        self.widget = w.Tab(children=[p.widget for p in parts], titles=self.TABS)

    def pause(self, why: str) -> None:
        self.monitor.pause(why)

    def close(self) -> None:
        self.monitor.close()
        self.actions.close()
        self.widget.close()

    def _repr_mimebundle_(self, **kwargs):
        bundle = self.widget._repr_mimebundle_(**kwargs)
        bundle["text/html"] = self.monitor.counts.value + self.monitor.table.html  # front ends without widgets
        return bundle
