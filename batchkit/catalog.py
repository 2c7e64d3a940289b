"""Every AWS Batch action, read from the service model that botocore ships.

Nothing here is written per operation: a new action in botocore appears in
the catalog, and so in the client, the magics and the widget forms.
"""

from __future__ import annotations

import difflib
import html
import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any

SERVICE = "batch"
# Actions that destroy or stop something: magics and widgets ask before running them.
DESTRUCTIVE_PREFIXES = ("Cancel", "Delete", "Deregister", "Terminate")


class UnknownOperation(LookupError):
    """A name that is not an operation of the Batch service model."""

    def __str__(self) -> str:  # KeyError-style quoting would hide the message
        return str(self.args[0])


@dataclass(frozen=True)
class Member:
    """One input member of an operation (one parameter)."""

    name: str
    type: str  # botocore type: string, integer, long, boolean, list, map, structure, ...
    required: bool
    documentation: str
    enum: tuple[str, ...] = ()
    min: float | None = None
    max: float | None = None
    pattern: str | None = None
    shape: Any = field(default=None, repr=False, compare=False)

    @property
    def cli_name(self) -> str:
        """The AWS CLI option, e.g. ``--job-queue``."""
        return "--" + _xform(self.name, "-")


@dataclass(frozen=True)
class Operation:
    """One Batch action with what its callers and forms need to know."""

    name: str  # SubmitJob
    method: str  # submit_job
    cli_name: str  # submit-job
    documentation: str
    members: tuple[Member, ...]
    output_shape: Any = field(repr=False)
    rows_key: str | None  # the output member holding one item per row, if any
    paginator: dict | None = field(default=None, repr=False)
    model: Any = field(default=None, repr=False, compare=False)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(m.name for m in self.members if m.required)

    @property
    def row_shape(self) -> Any:
        """The shape of one result row: the listed item, or the whole output."""
        if self.rows_key:
            return self.output_shape.members[self.rows_key].member
        return self.output_shape

    @property
    def destructive(self) -> bool:
        return self.name.startswith(DESTRUCTIVE_PREFIXES)

    @property
    def empty_output(self) -> bool:
        return self.output_shape is None or not self.output_shape.members

    def member(self, name: str) -> Member:
        for m in self.members:
            if name in (m.name, m.cli_name, m.cli_name[2:]):
                return m
        raise UnknownOperation(
            f"{self.name} has no parameter {name!r}{suggest(name, [m.name for m in self.members])}"
        )


def _xform(name: str, sep: str) -> str:
    from botocore import xform_name

    return xform_name(name, sep)


def plain_text(doc: str | None) -> str:
    """Model documentation (HTML) as one readable paragraph."""
    text = re.sub(r"<[^>]+>", " ", doc or "")
    return re.sub(r"\s+", " ", html.unescape(text)).strip()


def suggest(name: str, choices) -> str:
    close = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.5)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _member(name: str, shape, required: bool) -> Member:
    meta = shape.metadata
    return Member(
        name=name,
        type=shape.type_name,
        required=required,
        documentation=plain_text(shape.documentation),
        enum=tuple(getattr(shape, "enum", None) or ()),
        min=meta.get("min"),
        max=meta.get("max"),
        pattern=meta.get("pattern"),
        shape=shape,
    )


def _rows_key(output, paginator: dict | None) -> str | None:
    if paginator:
        key = paginator["result_key"]
        return key if isinstance(key, str) else key[0]
    if output is None:
        return None
    lists = [
        n
        for n, s in output.members.items()
        if s.type_name == "list" and s.member.type_name == "structure"
    ]
    others = set(output.members) - set(lists) - {"nextToken"}
    return lists[0] if len(lists) == 1 and not others else None


@cache
def _botocore_session():
    from .botodata import botocore_session

    return botocore_session()  # the process's parsed data, shared with the clients batchkit makes


@cache
def service_model():
    return _botocore_session().get_service_model(SERVICE)


@cache
def operations() -> dict[str, Operation]:
    """All operations of the Batch model, by name, in the model's order."""
    model = service_model()
    try:
        paginators = _botocore_session().get_paginator_model(SERVICE)._paginator_config
    except Exception:  # a botocore without paginators for batch: nothing is paginated
        paginators = {}
    ops = {}
    for name in model.operation_names:
        op = model.operation_model(name)
        shape = op.input_shape
        required = set(shape.required_members) if shape else set()
        members = tuple(
            _member(n, s, n in required) for n, s in (shape.members.items() if shape else ())
        )
        pager = paginators.get(name)
        ops[name] = Operation(
            name=name,
            method=_xform(name, "_"),
            cli_name=_xform(name, "-"),
            documentation=plain_text(op.documentation),
            members=members,
            output_shape=op.output_shape,
            rows_key=_rows_key(op.output_shape, pager),
            paginator=pager,
            model=op,
        )
    return ops


@cache
def _aliases() -> dict[str, str]:
    names = {}
    for op in operations().values():
        for key in (op.name, op.method, op.cli_name, op.name.lower()):
            names[key] = op.name
    return names


def operation(name: str) -> Operation:
    """Look an operation up by its API name, boto3 method or AWS CLI name."""
    aliases = _aliases()
    key = aliases.get(name) or aliases.get(str(name).lower())
    if key is None:
        raise UnknownOperation(
            f"unknown Batch operation {name!r}{suggest(name, aliases)}"
        )
    return operations()[key]
