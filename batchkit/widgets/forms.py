"""A form for any catalog operation, generated from botocore's model.

One field per input member, the required ones first and the rest under a
collapsed "Optional" section: enums as dropdowns, members naming a queue,
environment, definition or job as comboboxes of live names (free text too, for
ARNs), numbers checked against their min/max, booleans as checkboxes, strings
against the documented pattern, and lists/structures/maps in a JSON/YAML editor
that starts with the member's skeleton and is validated as you type.  Run sends
the request through `Batch.call`; the result is a DataFrame below the form,
errors one line inside it.  Destructive operations ask for confirmation.
"""

from __future__ import annotations

import html
import re
import threading

import ipywidgets as w
import yaml

from .. import catalog, yamlsafe
from ..errors import BatchError

NUMBERS = {"integer": int, "long": int, "float": float, "double": float}
CONTAINERS = ("list", "structure", "map")
LAYOUT = w.Layout(width="98%")  # 100% overflows by the label's margin
LABEL_WIDTH = "16em"
SKELETON_DEPTH = 3  # deeper structures stay one empty key: a skeleton is a guide, not the whole model
RECENT_JOBS = 100


def _recent_jobs(b) -> list[str]:
    jobs = b.jobs().sort_values("createdAt", ascending=False).head(RECENT_JOBS)
    # "(name, status)" is a label to pick by: Field.value drops it
    return [f"{j} ({n}, {s})" for j, n, s in zip(jobs["jobId"], jobs["jobName"], jobs["status"])]


# The kinds of resource a member can name, by the list member of the Describe* action that
# takes several (DescribeJobQueues' jobQueues, ...), with where their live names come from.
RESOURCES = {
    "jobQueues": lambda b: list(b.queues()["jobQueueName"]),
    "computeEnvironments": lambda b: list(b.envs()["computeEnvironmentName"]),
    "jobDefinitions": lambda b: list(b.definitions()["definition"]),
    "jobs": _recent_jobs,
}


def resource_kind(member: catalog.Member, op: catalog.Operation) -> str | None:
    """The RESOURCES kind a member names: the plural itself (jobQueues), its singular (jobQueue) or
    the singular's id (jobId, arrayJobId); never a service job's (another kind, of another API)."""
    names = member.type == "string" or (member.type == "list" and member.shape.member.type_name == "string")
    if not names or "ServiceJob" in op.name or "service job" in member.documentation.lower():
        return None
    for plural in RESOURCES:
        single = plural[:-1]
        if member.name in (plural, single) or re.fullmatch(rf"({single}|\w+{single[0].upper()}{single[1:]})Id", member.name):
            return plural
    return None


class FieldError(ValueError):
    pass


class Field:
    """One member's widget and how its text becomes a request value."""

    def __init__(self, member: catalog.Member, kind: str | None = None):
        self.member = member
        self.kind = kind  # the RESOURCES kind it names, if any
        label = member.name + (" *" if member.required else "")
        if self.kind:  # a Combobox, not a Dropdown: ARNs and names not listed yet are typed in
            self.widget = w.Combobox(description=label, placeholder="loading names…", ensure_option=False, layout=LAYOUT)
        elif member.enum:
            self.widget = w.Dropdown(options=[""] + list(member.enum), description=label)
        elif member.type == "boolean":
            self.widget = w.Checkbox(description=label, indent=False)
        elif member.type in CONTAINERS:
            lines = skeleton(member.shape)
            self.widget = w.Textarea(description=label, value="\n".join(lines), rows=min(len(lines), 12),
                                     placeholder="JSON or YAML", layout=LAYOUT)
        else:
            self.widget = w.Text(description=label, placeholder=_placeholder(member), layout=LAYOUT)
        self.widget.tooltip = member.documentation or member.name
        self.widget.style = {"description_width": LABEL_WIDTH}
        self.help = w.HTML(f"<span style='color:#666;font-size:90%'>{html.escape(_first_sentence(member.documentation))}</span>",
                           layout=w.Layout(margin=f"-2px 0 4px calc({LABEL_WIDTH} + 8px)"))
        self.message = w.HTML(layout=w.Layout(margin=f"0 0 0 calc({LABEL_WIDTH} + 8px)"))
        self.box = w.VBox([self.widget, self.help, self.message])
        if not isinstance(self.widget, w.Checkbox):
            self.widget.observe(lambda change: self.check(), names="value")

    def offer(self, names: list[str]) -> None:
        """The live names to pick from (the loader calls this once they arrive)."""
        self.widget.options = names
        several = "one or more, space separated" if self.member.type == "list" else "pick or type"
        self.widget.placeholder = f"{several}: " + ", ".join(n.split(" (")[0] for n in names[:3]) + (", …" if len(names) > 3 else "")

    def check(self) -> None:
        """Validate as the user types: the message under the field says what is wrong."""
        try:
            self.value()
            self.message.value = ""
        except FieldError as exc:
            self.message.value = error_line(exc)

    def value(self):
        """The request value, or None when the field is left empty (or its skeleton untouched)."""
        widget, member = self.widget, self.member
        if isinstance(widget, w.Checkbox):
            return True if widget.value else None
        text = widget.value.strip() if isinstance(widget.value, str) else widget.value
        if text in ("", None):
            return None
        if self.kind:
            names = re.sub(r"\([^)]*\)", " ", text).replace(",", " ").split()  # labels like "(train, RUNNING)" out
            if member.type == "list":
                return names
            if len(names) != 1:
                raise FieldError(f"{member.name}: one name, id or ARN")
            text = names[0]
        if member.type in CONTAINERS:
            try:
                data = yamlsafe.load(text)  # bounded: a form field is user input too
            except yaml.YAMLError as exc:
                raise FieldError(f"{member.name}: not valid JSON/YAML ({str(exc).splitlines()[0]})") from None
            expected = list if member.type == "list" else dict
            if not isinstance(data, (expected, type(None))):
                raise FieldError(f"{member.name}: expected a {'list' if expected is list else 'mapping'}")
            return _prune(data)
        if member.type in NUMBERS:
            try:
                number = NUMBERS[member.type](text)
            except ValueError:
                raise FieldError(f"{member.name}: {text!r} is not a number") from None
            if (member.min is not None and number < member.min) or (member.max is not None and number > member.max):
                raise FieldError(f"{member.name}: must be between {member.min} and {member.max}")
            return number
        if member.pattern and not re.fullmatch(member.pattern, text):
            raise FieldError(f"{member.name}: does not match the pattern {member.pattern}")
        return text

    def set(self, value) -> None:
        """Fill the field from a request value (used by the submit form and tests)."""
        if isinstance(self.widget, w.Checkbox):
            self.widget.value = bool(value)
        elif self.kind and self.member.type == "list":
            self.widget.value = " ".join(value)
        elif self.member.type in CONTAINERS:
            self.widget.value = yaml.safe_dump(value, default_flow_style=True).strip()
        else:
            self.widget.value = "" if value is None else str(value)


def skeleton(shape, depth: int = 0) -> list[str]:
    """A list, structure or map shape as the YAML a person fills in: a structure's keys, a list's one
    element, a map's one entry; every value left empty (null, which is never sent) with its type as a
    comment.  Deprecated members are left out: the model names what replaces them."""
    if shape.type_name == "list":
        element = skeleton(shape.member, depth + 1) if shape.member.type_name in CONTAINERS else []
        lines = ["- " + element[0], *("  " + line for line in element[1:])] if element else [f"-  # {_hint(shape.member)}"]
        return _aligned(lines) if depth == 0 else lines
    if shape.type_name == "map":
        entries = [("key", shape.value, False)]
    else:
        entries = [(name, s, name in shape.required_members) for name, s in shape.members.items()
                   if not catalog.plain_text(s.documentation).startswith("This parameter is deprecated")]
    lines = []
    for name, s, required in entries:
        inner = skeleton(s, depth + 1) if s.type_name in CONTAINERS and depth < SKELETON_DEPTH else []
        hint = _hint(s) + (", required" if required else "")
        lines += [f"{name}:", *("  " + line for line in inner)] if inner else [f"{name}:  # {hint}"]
    return _aligned(lines) if depth == 0 else lines


def _hint(shape) -> str:
    return " | ".join(shape.enum) if getattr(shape, "enum", None) else shape.type_name


def _aligned(lines: list[str]) -> list[str]:
    """Comments in one column, so the keys read as a list."""
    code = [line.split("  # ")[0] for line in lines]
    width = max(map(len, code), default=0) + 2
    return [c.ljust(width) + "# " + line.split("  # ", 1)[1] if "  # " in line else line for c, line in zip(code, lines)]


def _prune(data):
    """The request without the skeleton's empty values: nulls, and the lists/mappings that held only
    those (untouched, a skeleton is None); what was typed empty, e.g. `[{}]`, stays as typed."""
    if isinstance(data, dict):
        kept = {k: v for k, v in ((k, _prune(v)) for k, v in data.items()) if v is not None}
    elif isinstance(data, list):
        kept = [v for v in map(_prune, data) if v is not None]
    else:
        return data
    return kept if kept or not data else None


def _first_sentence(doc: str, limit: int = 160) -> str:
    sentence = doc.split(". ")[0].rstrip(".")
    return sentence if len(sentence) <= limit else sentence[:limit].rsplit(" ", 1)[0] + " …"


def _placeholder(member: catalog.Member) -> str:
    if member.type in NUMBERS:
        bounds = [f"min {member.min:g}" if member.min is not None else "", f"max {member.max:g}" if member.max is not None else ""]
        return f"{member.type} " + " ".join(b for b in bounds if b)
    return ""  # the help line under the field says what it is


def error_line(message) -> str:
    """A message or an exception as one red line: its first line, escaped."""
    return f"<span style='color:#b00'>{html.escape(str(message).splitlines()[0])}</span>"


class Shows:
    """What a form shows under its button: a result in its `output` (kept as `.result`), or a
    one-line error in its `status`."""

    def _show(self, result, status: str = ""):
        self.result = result
        self.status.value = status
        self.output.clear_output()
        with self.output:
            from IPython.display import display

            display(result)
        return result

    def _error(self, message: str):
        self.status.value = error_line(message)
        return None


class Form(Shows):
    """`form(b, "SubmitJob")`: fields, a Run button, the result or a one-line error."""

    def __init__(self, b, operation: str):
        self.b = b
        self.op = catalog.operation(operation)
        members = sorted(self.op.members, key=lambda m: not m.required)  # the model's required members first
        self.fields = {m.name: Field(m, resource_kind(m, self.op)) for m in members}
        self.run_button = w.Button(description=f"Run {self.op.name}", button_style="primary",
                                    layout=w.Layout(width="auto"))  # the name whole: "Run UpdateComputeEnvironment"
        self.confirm = w.Button(description="Yes, do it", button_style="danger", layout=w.Layout(display="none"))
        self.names_button = w.Button(description="Reload names", icon="refresh", tooltip="fetch the live names again")
        self.status = w.HTML()
        self.output = w.Output()
        self.result = None
        self.loading: threading.Thread | None = None
        self.run_button.on_click(lambda _: self.run())
        self.confirm.on_click(lambda _: self.run(confirmed=True))
        self.names_button.on_click(lambda _: self.load_names())
        doc = html.escape(_first_sentence(self.op.documentation, limit=400))  # its own period added below
        required = [f.box for f in self.fields.values() if f.member.required]
        optional = [f.box for f in self.fields.values() if not f.member.required]
        note = " &nbsp;<span style='color:#666'>(* required)</span>" if required else ""
        parts = [w.HTML(f"<b>{self.op.name}</b> <span style='color:#666'>{doc}.</span>{note}"), *required]
        if optional:  # collapsed when something is required, so the form reads at a glance
            parts.append(w.Accordion([w.VBox(optional)], titles=(f"Optional ({len(optional)})",),
                                     selected_index=0 if not required else None))
        buttons = [self.run_button, self.confirm] + ([self.names_button] if self._kinds() else [])
        self.widget = w.VBox([*parts, w.HBox(buttons), self.status, self.output])
        self.load_names()

    def _kinds(self) -> set[str]:
        return {f.kind for f in self.fields.values() if f.kind}

    def load_names(self) -> threading.Thread | None:
        """Fetch the live names for the comboboxes on a thread (the kernel stays free); `.loading` is it."""
        if not self._kinds() or (self.loading and self.loading.is_alive()):
            return self.loading
        self.loading = threading.Thread(target=self._load_names, name=f"batchkit-names-{self.op.name}", daemon=True)
        self.loading.start()
        return self.loading

    def _load_names(self) -> None:
        try:
            names = {kind: RESOURCES[kind](self.b) for kind in self._kinds()}
        except Exception as exc:  # the fields stay free text; the reason is one line
            self._error(f"live names not loaded: {exc}")
            return
        for field in self.fields.values():
            if field.kind:
                field.offer(names[field.kind])

    def close(self) -> None:
        """Wait for the names being fetched, then close the widgets."""
        if self.loading:
            self.loading.join(timeout=30)
        self.widget.close()

    def request(self) -> dict:
        errors, request = [], {}
        for name, field in self.fields.items():
            try:
                value = field.value()
            except FieldError as exc:
                errors.append(str(exc))
                continue
            if value is not None:
                request[name] = value
        missing = [n for n in self.op.required if n not in request]
        if missing:
            errors.append(f"required: {', '.join(missing)}")
        if errors:
            raise FieldError("; ".join(errors))
        return request

    def fill(self, **request) -> "Form":
        for name, value in request.items():
            self.fields[name].set(value)
        return self

    def run(self, confirmed: bool = False):
        """Send the request; the DataFrame (also shown below), or None with the error shown."""
        try:
            request = self.request()
        except FieldError as exc:
            return self._error(str(exc))
        if self.op.destructive and not confirmed:
            self.confirm.layout.display = ""
            self.status.value = f"{html.escape(self.op.name)} cannot be undone: confirm with “Yes, do it”."
            return None
        self.confirm.layout.display = "none"
        try:
            result = self.b.call(self.op.name, **request)
        except BatchError as exc:
            return self._error(str(exc))
        return self._show(result, f"{self.op.name}: {len(result)} row(s)")

    def _repr_mimebundle_(self, **kwargs):
        bundle = self.widget._repr_mimebundle_(**kwargs)
        bundle["text/html"] = f"<p>batchkit form for <b>{self.op.name}</b> (needs a widget-capable front end)</p>"
        return bundle
