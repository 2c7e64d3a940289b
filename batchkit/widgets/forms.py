"""A form for any catalog operation, generated from botocore's model.

One field per input member: enums as dropdowns, numbers checked against their
min/max, booleans as checkboxes, strings against the documented pattern, and
lists/structures/maps in a JSON/YAML editor validated as you type.  Run sends
the request through `Batch.call`; the result is a DataFrame below the form,
errors one line inside it.  Destructive operations ask for confirmation.
"""

from __future__ import annotations

import html
import re

import ipywidgets as w
import yaml

from .. import catalog
from ..errors import BatchError

NUMBERS = {"integer": int, "long": int, "float": float, "double": float}
LAYOUT = w.Layout(width="100%")


class FieldError(ValueError):
    pass


class Field:
    """One member's widget and how its text becomes a request value."""

    def __init__(self, member: catalog.Member):
        self.member = member
        label = member.name + (" *" if member.required else "")
        tip = member.documentation or member.name
        if member.enum:
            self.widget = w.Dropdown(options=[""] + list(member.enum), description=label)
        elif member.type == "boolean":
            self.widget = w.Checkbox(description=label, indent=False)
        elif member.type in ("list", "structure", "map"):
            self.widget = w.Textarea(description=label, placeholder="JSON or YAML", layout=LAYOUT)
        else:
            self.widget = w.Text(description=label, placeholder=_placeholder(member), layout=LAYOUT)
        self.widget.tooltip = tip
        self.widget.style = {"description_width": "16em"}
        self.message = w.HTML()
        self.box = w.VBox([self.widget, self.message])
        if not isinstance(self.widget, w.Checkbox):
            self.widget.observe(lambda change: self.check(), names="value")

    def check(self) -> None:
        """Validate as the user types: the message under the field says what is wrong."""
        try:
            self.value()
            self.message.value = ""
        except FieldError as exc:
            self.message.value = f"<span style='color:#b00'>{html.escape(str(exc))}</span>"

    def value(self):
        """The request value, or None when the field is left empty."""
        widget, member = self.widget, self.member
        if isinstance(widget, w.Checkbox):
            return True if widget.value else None
        text = widget.value.strip() if isinstance(widget.value, str) else widget.value
        if text in ("", None):
            return None
        if member.type in ("list", "structure", "map"):
            try:
                data = yaml.safe_load(text)
            except yaml.YAMLError as exc:
                raise FieldError(f"{member.name}: not valid JSON/YAML ({str(exc).splitlines()[0]})") from None
            expected = list if member.type == "list" else dict
            if not isinstance(data, expected):
                raise FieldError(f"{member.name}: expected a {'list' if expected is list else 'mapping'}")
            return data
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
        elif self.member.type in ("list", "structure", "map"):
            self.widget.value = yaml.safe_dump(value, default_flow_style=True).strip()
        else:
            self.widget.value = "" if value is None else str(value)


def _placeholder(member: catalog.Member) -> str:
    if member.type in NUMBERS:
        bounds = [f"min {member.min:g}" if member.min is not None else "", f"max {member.max:g}" if member.max is not None else ""]
        return f"{member.type} " + " ".join(b for b in bounds if b)
    return member.type


class Form:
    """`form(b, "SubmitJob")`: fields, a Run button, the result or a one-line error."""

    def __init__(self, b, operation: str):
        self.b = b
        self.op = catalog.operation(operation)
        self.fields = {m.name: Field(m) for m in self.op.members}
        self.run_button = w.Button(description=f"Run {self.op.name}", button_style="primary")
        self.confirm = w.Button(description="Yes, do it", button_style="danger", layout=w.Layout(display="none"))
        self.status = w.HTML()
        self.output = w.Output()
        self.result = None
        self.run_button.on_click(lambda _: self.run())
        self.confirm.on_click(lambda _: self.run(confirmed=True))
        doc = html.escape(self.op.documentation.split(". ")[0])
        self.widget = w.VBox([
            w.HTML(f"<b>{self.op.name}</b> <span style='color:#666'>{doc}.</span>"),
            *(f.box for f in self.fields.values()),
            w.HBox([self.run_button, self.confirm]), self.status, self.output,
        ])

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
            self.result = self.b.call(self.op.name, **request)
        except BatchError as exc:
            return self._error(str(exc))
        self.status.value = f"{self.op.name}: {len(self.result)} row(s)"
        self.output.clear_output()
        with self.output:
            from IPython.display import display

            display(self.result)
        return self.result

    def _error(self, message: str):
        self.status.value = f"<span style='color:#b00'>{html.escape(message.splitlines()[0])}</span>"
        return None

    def _repr_mimebundle_(self, **kwargs):
        bundle = self.widget._repr_mimebundle_(**kwargs)
        bundle["text/html"] = f"<p>batchkit form for <b>{self.op.name}</b> (needs a widget-capable front end)</p>"
        return bundle
