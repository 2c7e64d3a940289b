"""How batchkit results show: the data stays whole, the display is curated.

Every result stays a plain DataFrame with every column of the model; this
module decides only what a person sees of it, through one pandas accessor:

    df.batch.view()   # the compact view (what notebooks show for Batch results)
    df.batch.full()   # every column
    df.batch.card()   # one job: key facts, attempts, dependencies, array, logs
    df.batch.text()   # the compact view as plain text (terminals, the demo)

The kind of a frame comes from the operation that made it (``attrs["operation"]``,
set by `Batch`): jobs, queues, compute environments, job definitions and log
events have curated columns; anything else shows its first columns, humanized.
IPython shows frames through here once batchkit is imported (`batchkit.display`).
"""

from __future__ import annotations

import datetime
import html
import re
import shlex
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd

from . import catalog
from .frames import Related, model_columns, parent_of, write_table

ROWS = 50  # rows a view shows; the frame keeps every row
GENERIC_COLUMNS = 12  # columns shown of a frame without a curated view
REASON_CHARS = 40
NODE_ROWS = 20  # nodes a card lists
LOG_TAIL = 20
LOG_LINES = 1000  # log lines a view shows, the last ones (the frame keeps every event)
LINE_CHARS = 2000  # characters of one value or log line shown (the frame keeps them all)
FINISHED = ("SUCCEEDED", "FAILED")
COLORS = {"SUBMITTED": "#9e9e9e", "PENDING": "#7f7f7f", "RUNNABLE": "#c99a00", "STARTING": "#4aa3df",
          "RUNNING": "#1f77b4", "SUCCEEDED": "#2ca02c", "FAILED": "#d62728",
          "ENABLED": "#2ca02c", "DISABLED": "#9e9e9e", "VALID": "#2ca02c", "INVALID": "#d62728",
          "ACTIVE": "#2ca02c", "INACTIVE": "#9e9e9e", "CREATING": "#4aa3df", "UPDATING": "#4aa3df",
          "DELETING": "#c99a00", "DELETED": "#9e9e9e"}
TABLE_STYLE = "border-collapse:collapse;font-size:12px"
CAPTION_STYLE = "color:#666;font-size:11px;margin:2px 0 8px"


# --- humane values -------------------------------------------------------------------


def blank(value) -> bool:
    """NaT, <NA>, nan and None read as nothing."""
    if value is None or isinstance(value, (list, dict, tuple)):
        return value is None
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def duration(value) -> str:
    """5s, 17m10s, 2h03m, 3d04h: a Timedelta or seconds, to the unit a person needs."""
    if blank(value):
        return ""
    seconds = value.total_seconds() if hasattr(value, "total_seconds") else float(value)
    s = max(int(round(seconds)), 0)
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s"
    if s < 86400:
        return f"{s // 3600}h{s % 3600 // 60:02d}m"
    return f"{s // 86400}d{s % 86400 // 3600:02d}h"


def local_zone() -> datetime.tzinfo:
    return datetime.datetime.now().astimezone().tzinfo


def zone_name() -> str:
    return datetime.datetime.now().astimezone().tzname() or "local time"


def when(value, today: datetime.date | None = None) -> str:
    """13:31:50 today, 'Nov 30 13:31' this year, '2025-11-30' before; in the local time zone."""
    if blank(value):
        return ""
    stamp = pd.Timestamp(value)
    stamp = (stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp).tz_convert(local_zone())
    today = today or datetime.datetime.now(local_zone()).date()
    if stamp.date() == today:
        return stamp.strftime("%H:%M:%S")
    if stamp.year == today.year:
        return stamp.strftime("%b %d %H:%M")
    return stamp.strftime("%Y-%m-%d")


# What a terminal would obey rather than print: C0 controls but tab (ESC starts clear-screen, title and
# hyperlink sequences; CR overwrites a line), DEL, C1 (0x9b is a one-byte CSI), and the marks that
# reorder (bidirectional overrides) or break (line separators) what is shown.  Each shows as a sign.
_SIGNS = {**{chr(c): chr(0x2400 + c) for c in range(0x20) if c != 9}, "\x7f": "\u2421",  # ␛ ␍ ␊ ... ␡
          **{chr(c): f"\\x{c:02x}" for c in range(0x80, 0xA0)},
          **{c: f"\\u{ord(c):04x}" for c in "\u2028\u2029\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"}}
CONTROLS = re.compile("[" + "".join(map(re.escape, _SIGNS)) + "]")


def visible(text: str, limit: int | None = LINE_CHARS) -> str:
    """Text safe to print or show: control characters as signs (ESC as ␛, CR as ␍, C1 as \\x9b), never
    obeyed; longer than `limit` cut, saying how much more there is.  Only the display: data stays whole."""
    if limit is not None and len(text) > limit:
        text = f"{text[:limit]}… ({len(text) - limit:,} more characters)"
    return CONTROLS.sub(lambda m: _SIGNS[m.group()], text)


def plain(value) -> str:
    """Any cell as short text: times and durations humane, lists joined, blanks empty, control
    characters visible (`visible`)."""
    if blank(value):
        return ""
    if isinstance(value, pd.Timestamp):
        return when(value)
    if isinstance(value, pd.Timedelta):
        return duration(value)
    if isinstance(value, (list, tuple)):
        return ", ".join(plain(v) for v in value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return visible(str(value))


def short(text: str, limit: int = REASON_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def name_of(arn) -> str:
    """`arn:...:job-queue/HighPriority` -> HighPriority; names stay names."""
    return "" if blank(arn) else plain(str(arn).rsplit("/", 1)[-1])


def array_counts(summary) -> dict[str, int]:
    return {s: int(n) for s, n in (summary or {}).items() if n} if isinstance(summary, dict) else {}


# --- cells: text and HTML of one value ------------------------------------------------


@dataclass
class Cell:
    text: str
    html: str | None = None  # None: the escaped text
    wrap: bool = False  # free text may wrap in a table; names, times, counts never do

    @property
    def markup(self) -> str:
        return html.escape(self.text) if self.html is None else self.html


def status_cell(status) -> Cell:
    text = plain(status)
    if not text:
        return Cell("")
    color = COLORS.get(text, "#555")
    return Cell(text, f"<span style='color:#fff;background:{color};border-radius:3px;padding:0 5px;"
                      f"font-size:11px;white-space:nowrap'>{html.escape(text)}</span>")


RUNNING_LIGHT = "#a6cbe8"  # children running: lighter than what has finished


def bar(parts: list[tuple[str, int]], total: int, width: int = 60) -> str:
    """A small bar of (colour, count) segments out of `total`; the rest is grey (not started)."""
    drawn = "".join(f"<span style='display:inline-block;height:8px;width:{width * n / total:.1f}px;"
                    f"background:{color}'></span>" for color, n in parts if n and total)
    return (f"<span style='display:inline-block;width:{width}px;height:8px;background:#e6e6e6;"
            f"vertical-align:middle;line-height:0;white-space:nowrap'>{drawn}</span>")


def progress_cell(summary, size) -> Cell:
    """An array's (or a multi-node job's) children: `12/50 done · 8 running`, `50/50 done (3 failed)`; in HTML
    with a bar: finished children solid (green, failed red), running ones lighter, the rest grey."""
    if blank(size):
        return Cell("")
    counts, total = array_counts(summary), int(size)
    succeeded, failed = counts.get("SUCCEEDED", 0), counts.get("FAILED", 0)
    running = counts.get("RUNNING", 0) + counts.get("STARTING", 0)
    text = f"{succeeded + failed}/{total} done" + (f" ({failed} failed)" if failed else "")
    text += f" · {running} running" if running else ""
    title = ", ".join(f"{s.lower()} {n}" for s, n in counts.items()) or "no children yet"
    drawn = bar([(COLORS["SUCCEEDED"], succeeded), (COLORS["FAILED"], failed), (RUNNING_LIGHT, running)], total)
    return Cell(text, f"<span title='{html.escape(title)}' style='white-space:nowrap'>{drawn} {html.escape(text)}</span>")


def short_left(text: str, limit: int) -> str:
    """Cut on the left, at a `/` where there is one: `…/library/busybox:latest` keeps an image's own name."""
    if len(text) <= limit:
        return text
    tail = text[len(text) - limit + 1:]
    cut = tail.find("/")
    return "…" + (tail[cut:] if cut >= 0 else tail)


def hover_cell(value, limit: int = REASON_CHARS, left: bool = False) -> Cell:
    """Truncated text (on the right, or on the `left`) with the full text on hover."""
    text = plain(value)
    shown = short_left(text, limit) if left else short(text, limit)
    if shown == text:
        return Cell(text, wrap=True)
    return Cell(shown, f"<span title='{html.escape(text)}'>{html.escape(shown)}</span>", wrap=True)


def short_id(job_id: str) -> str:
    """The first 8 characters; an array child or a node keeps its index (`6f1c2a9e:3`, `6f1c2a9e#3`)."""
    cut = min((i for i in (job_id.find(":"), job_id.find("#")) if i >= 0), default=len(job_id))
    return job_id[:min(cut, 8)] + job_id[cut:]


def id_cell(value) -> Cell:
    text = plain(value)
    return Cell(short_id(text), f"<code title='{html.escape(text)}' style='font-size:11px'>{html.escape(short_id(text))}</code>")


def time_cell(value) -> Cell:
    return Cell(when(value))


# --- columns per kind ----------------------------------------------------------------------

NOW = "__now__"  # keys a view adds to the rows it formats: the backend's now (`attrs["now"]`),
UNDER = "__under__"  # and a child shown under its parent


@dataclass
class Column:
    header: str
    cell: Callable[[dict], Cell]  # from the row (column name -> value)
    needs: tuple[str, ...] = ()  # shown only when the frame has these columns
    optional: bool = False  # shown only when a shown row has something in it


def node_index(row):
    """A node's index (`nodeProperties.nodeIndex` in ListJobs, `nodeDetails.nodeIndex` in DescribeJobs)."""
    for key in ("nodeDetails.nodeIndex", "nodeProperties.nodeIndex"):
        if not blank(row.get(key)):
            return int(row[key])
    return None


def array_parent(row) -> bool:
    return not blank(row.get("arrayProperties.size")) and blank(row.get("arrayProperties.index"))


def _job_name(row) -> Cell:
    index, node = row.get("arrayProperties.index"), node_index(row)
    name = plain(row.get("jobName"))
    if node is not None:
        name = f"{name}#{node}"
    elif not blank(index):
        name = f"{name}[{int(index)}]"
    if row.get(UNDER):  # a child listed under its parent
        return Cell(f"  {name}", f"<span style='padding-left:1.2em;color:#444'>{html.escape(name)}</span>")
    return Cell(name)


def _array(row) -> Cell:
    """An array's progress; a multi-node parallel job's number of nodes."""
    nodes = row.get("nodeProperties.numNodes")
    if not blank(nodes) and node_index(row) is None:
        return Cell(f"{int(nodes)} nodes")
    return progress_cell(row.get("arrayProperties.statusSummary"), row.get("arrayProperties.size"))


def _exit(row) -> Cell:
    return Cell(plain(row.get("exitCode")))


def _reason(row) -> Cell:
    reasons = [plain(row.get(k)) for k in ("statusReason", "container.reason")]
    return hover_cell(" · ".join(dict.fromkeys(r for r in reasons if r)))


def took(row) -> str:
    """How long a job ran; `running 3m12s` while it runs: from startedAt to the backend's now when the frame
    was made (an array parent whose children run is PENDING, and running too)."""
    if not blank(row.get("duration")):
        return duration(row["duration"])
    started, now = row.get("startedAt"), row.get(NOW)
    if (not isinstance(started, pd.Timestamp) or now is None or not blank(row.get("stoppedAt"))
            or plain(row.get("status")) in FINISHED):
        return ""
    return f"running {duration(now - started)}"


def _attempts(row) -> Cell:
    """An array parent has no attempts of its own (its children have): a dash, not 0."""
    return Cell("—" if array_parent(row) else plain(row.get("attempts")))


JOB_COLUMNS = (
    Column("name", _job_name),
    Column("status", lambda r: status_cell(r.get("status"))),
    Column("array", _array),
    Column("queue", lambda r: Cell(name_of(r.get("queue")))),
    Column("definition", lambda r: Cell(name_of(r.get("definition")))),
    Column("started", lambda r: time_cell(r.get("startedAt"))),
    Column("duration", lambda r: Cell(took(r))),
    Column("attempts", _attempts, needs=("attempts",)),
    Column("exit", _exit),
    Column("reason", _reason),
    Column("id", lambda r: id_cell(r.get("jobId"))),
)


def _vcpus(row, prefix="computeResources.") -> Cell:
    parts = [plain(row.get(prefix + k)) for k in ("minvCpus", "desiredvCpus", "maxvCpus")]
    return Cell("/".join(p or "–" for p in parts) if any(parts) else "")


def joined(*values) -> str:
    """The values that say something, joined: `MANAGED · SPOT`."""
    return " · ".join(text for text in map(plain, values) if text)


QUEUE_COLUMNS = (
    Column("name", lambda r: Cell(plain(r.get("jobQueueName")))),
    Column("state", lambda r: status_cell(r.get("state"))),
    Column("status", lambda r: status_cell(r.get("status"))),
    Column("priority", lambda r: Cell(plain(r.get("priority")))),
    Column("compute environments", lambda r: Cell(plain(r.get("computeEnvironments")))),
    Column("scheduling", lambda r: Cell(f"fair share ({plain(r.get('schedulingPolicyArn')).rsplit('/', 1)[-1]})"
                                        if plain(r.get("schedulingPolicyArn")) else "FIFO")),
    Column("type", lambda r: Cell(plain(r.get("jobQueueType"))), optional=True),  # ECS, EKS, SAGEMAKER_TRAINING...
    Column("reason", lambda r: hover_cell(r.get("statusReason")), optional=True),
)

ENV_COLUMNS = (
    Column("name", lambda r: Cell(plain(r.get("computeEnvironmentName")))),
    Column("type", lambda r: Cell(joined(r.get("type"), r.get("computeResources.type")))),  # MANAGED · SPOT
    Column("state", lambda r: status_cell(r.get("state"))),
    Column("status", lambda r: status_cell(r.get("status"))),
    Column("vCPUs min/desired/max", _vcpus, optional=True),  # an UNMANAGED environment has no computeResources
    Column("instance types", lambda r: hover_cell(r.get("computeResources.instanceTypes"), 30), optional=True),
    Column("reason", lambda r: hover_cell(r.get("statusReason")), optional=True),
)


def _gpus(row) -> Cell:
    requirements = row.get("containerProperties.resourceRequirements")  # blank (NaN) for a multi-node definition
    for requirement in requirements if isinstance(requirements, list) else ():
        if isinstance(requirement, dict) and requirement.get("type") == "GPU":
            return Cell(plain(requirement.get("value", "")))
    return Cell("")


def command_line(command) -> str:
    """A command list as a shell would read it."""
    return plain(shlex.join(map(str, command)) if isinstance(command, list) else command)


def _command(row) -> Cell:
    return hover_cell(command_line(row.get("containerProperties.command")), 30)


DEFINITION_COLUMNS = (
    Column("definition", lambda r: Cell(plain(r.get("definition")))),
    Column("status", lambda r: status_cell(r.get("status"))),
    Column("type", lambda r: Cell(joined(r.get("type"), r.get("platformCapabilities")))),  # container · FARGATE
    Column("image", lambda r: hover_cell(r.get("containerProperties.image"), 30, left=True)),
    Column("vCPUs", lambda r: Cell(plain(r.get("vcpus")))),
    Column("memory MiB", lambda r: Cell(plain(r.get("memory")))),
    Column("GPUs", _gpus, optional=True),
    Column("command", _command),
)


@dataclass(frozen=True)
class Kind:
    noun: str  # what one row is, for captions
    columns: tuple[Column, ...]
    newest_first: bool = False


KINDS = {  # the model's row shape -> its view
    "JobDetail": Kind("job", JOB_COLUMNS, newest_first=True),
    "JobSummary": Kind("job", JOB_COLUMNS, newest_first=True),
    "JobQueueDetail": Kind("queue", QUEUE_COLUMNS),
    "ComputeEnvironmentDetail": Kind("compute environment", ENV_COLUMNS),
    "JobDefinition": Kind("job definition", DEFINITION_COLUMNS),
}
LOGS = "GetLogEvents"


def _operation(df: pd.DataFrame) -> catalog.Operation | None:
    operation = df.attrs.get("operation")
    if not operation or operation == LOGS:
        return None
    try:
        return catalog.operation(operation)
    except LookupError:
        return None


def kind_of(df: pd.DataFrame) -> Kind | None:
    """The curated view for a frame made by `Batch`, from its operation (None: generic)."""
    operation = _operation(df)
    return None if operation is None else KINDS.get(getattr(operation.row_shape, "name", None))


def chosen_columns(df: pd.DataFrame) -> bool:
    """Whether someone chose this frame's columns (``df[["jobName", "stoppedAt"]]``): it lacks some of the
    columns its operation's model gives every frame.  A whole frame shows its curated view; a chosen one,
    exactly its columns in their order."""
    operation = _operation(df)
    if operation is None or operation.empty_output:
        return False
    return not set(model_columns(operation.row_shape)) <= set(df.columns)


def done_line(df: pd.DataFrame) -> str | None:
    """An operation whose answer is empty (DeleteJobQueue, TagResource...): what was done, in one line."""
    operation = _operation(df)
    if operation is None or not operation.empty_output or len(df.columns):
        return None
    target = name_of(df.attrs.get("target"))
    return f"{operation.name}: done" + (f" ({target})" if target else "")


# --- the views --------------------------------------------------------------------------------


@dataclass
class Rows:
    """The rows a view shows, in order: jobs newest first, each parent followed by its children."""

    frame: pd.DataFrame
    under: set[int]  # positions (in `frame`) of children shown under their parent
    parents: int  # rows of the frame that are no child of another one in it
    children: int = 0  # children in the frame whose parent is in it

    def count(self, noun: str) -> str:
        """How many rows the frame has: `58 jobs`, or `8 jobs and 50 children`."""
        if self.children:
            return f"{self.parents} {noun}{'' if self.parents == 1 else 's'} and {self.children} children"
        total = self.parents + self.children
        return f"{total} {noun}{'' if total == 1 else 's'}"

    def cut(self, first: str = "first") -> str:
        """What the caption says of the rows left out ('' when none is)."""
        if len(self.frame) >= self.parents + self.children:
            return ""
        under = len(self.under)
        if len(self.frame) - under < self.parents:
            return f"showing the {first} {len(self.frame) - under}" + (f" and {under} children" if under else "")
        return f"showing {under} of the children"


def _child_index(job_id: str) -> int:
    return int(re.split("[:#]", job_id)[-1])


def _rows(df: pd.DataFrame, kind: Kind | None, rows: int) -> Rows:
    """The rows shown: newest first for jobs (ordering the times only, not the whole frame); an array child or
    a node under its parent when the frame has both (``b.jobs(children=True)``): parents first in the `rows`."""
    if kind is None or not kind.newest_first:
        return Rows(df.head(rows), set(), len(df))
    order = np.arange(len(df))
    if "createdAt" in df and not df["createdAt"].is_monotonic_decreasing:
        order = df["createdAt"].reset_index(drop=True).sort_values(
            ascending=False, kind="stable", na_position="last").index.to_numpy()
    children = pd.Series(False, index=df.index)
    for column in ("arrayProperties.index", "nodeDetails.nodeIndex", "nodeProperties.nodeIndex"):
        if column in df:
            children |= df[column].notna()
    if "jobId" not in df or not children.any():
        return Rows(df.iloc[order[:rows]], set(), len(df))
    ids = df["jobId"].astype(object).to_numpy()
    child = children.to_numpy()
    tops = set(ids[~child])
    families: dict[str, list[int]] = {}
    for position in sorted(np.flatnonzero(child), key=lambda i: _child_index(str(ids[i]))):
        parent = parent_of(str(ids[position]))
        if parent in tops:
            families.setdefault(parent, []).append(position)
    listed = {p for members in families.values() for p in members}
    top = [i for i in order if i not in listed]
    budget = max(rows - len(top), 0)
    shown, under = [], set()
    for position in top[:rows]:
        shown.append(position)
        members = families.get(ids[position], [])[:budget]
        budget -= len(members)
        under.update(range(len(shown), len(shown) + len(members)))
        shown += members
    return Rows(df.iloc[shown], under, len(top), len(listed))


def now_of(df: pd.DataFrame) -> pd.Timestamp:
    """The backend's time when `Batch` made the frame (``attrs["now"]``, its clock), else this machine's."""
    seconds = df.attrs.get("now")
    if isinstance(seconds, (int, float)) and not isinstance(seconds, bool):
        return pd.Timestamp(seconds, unit="s", tz="UTC")
    return pd.Timestamp.now(tz="UTC")


def _records(df: pd.DataFrame) -> list[dict]:
    return df.to_dict("records")


def table(header: list[str], body: list[list[Cell]], keys: list[str] | None = None) -> str:
    """An HTML table without an index; rows carry data-job when keys are given (the monitor selects by it)."""
    head = "".join(f"<th style='text-align:left'>{html.escape(h)}</th>" for h in header)
    rows = []
    for i, cells in enumerate(body):
        key = f" data-job='{html.escape(keys[i])}'" if keys else ""
        rows.append(f"<tr{key}>" + "".join(f"<td style='text-align:left{'' if c.wrap else ';white-space:nowrap'}'>"
                                           f"{c.markup}</td>" for c in cells) + "</tr>")
    return (f"<table class='batchkit' style='{TABLE_STYLE}'><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>")


def text_table(header: list[str], body: list[list[Cell]]) -> str:
    widths = [max([len(h)] + [len(row[i].text) for row in body]) for i, h in enumerate(header)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths)).rstrip()]
    lines += ["  ".join(c.text.ljust(w) for c, w in zip(row, widths)).rstrip() for row in body]
    return "\n".join(lines)


def value_cell(column, row: dict) -> Cell:
    """A cell of a column someone chose: statuses as badges, a running job's duration as `running 3m12s` (when
    its status and startedAt are chosen too), the rest humane (`plain`), long text cut."""
    if column in ("status", "state"):
        return status_cell(row.get(column))
    if column == "duration":
        return Cell(took(row))
    return hover_cell(row.get(column))


class View:
    """The compact view of a frame: curated columns, humane values, a caption.  A frame whose columns were
    chosen (``df[["jobName", "stoppedAt"]]``) shows exactly those, in that order, humane too."""

    def __init__(self, df: pd.DataFrame, rows: int = ROWS, kind: Kind | None = None):
        self.df, self.rows = df, max(int(rows), 1)
        self.kind = kind if kind is not None else kind_of(df)
        self.chosen = self.kind is not None and chosen_columns(df)
        self._shown: Rows | None = None
        self._parts: tuple[list[str], list[list[Cell]], list[str]] | None = None

    def shown(self) -> Rows:
        if self._shown is None:
            self._shown = _rows(self.df, self.kind, self.rows)
        return self._shown

    def parts(self) -> tuple[list[str], list[list[Cell]], list[str]]:
        """Headers, cells of the shown rows, and their job ids (for jobs)."""
        if self._parts is None:
            self._parts = self._format()
        return self._parts

    def _format(self) -> tuple[list[str], list[list[Cell]], list[str]]:
        shown = self.shown()
        records, now = _records(shown.frame), now_of(self.df)
        for position, record in enumerate(records):
            record[NOW], record[UNDER] = now, position in shown.under
        jobs = self.kind is not None and self.kind.noun == "job" and "jobId" in self.df
        keys = [plain(r.get("jobId")) for r in records] if jobs else []
        if self.kind is None or self.chosen:
            names = list(self.df.columns if self.chosen else self.df.columns[:GENERIC_COLUMNS])
            return [str(n) for n in names], [[value_cell(n, r) for n in names] for r in records], keys
        columns = [c for c in self.kind.columns if all(n in self.df for n in c.needs)]
        body = [[c.cell(r) for c in columns] for r in records]
        kept = [i for i, c in enumerate(columns) if not c.optional or any(row[i].text for row in body)]
        return [columns[i].header for i in kept], [[row[i] for i in kept] for row in body], keys

    def caption(self) -> str:
        shown = self.shown()
        notes = [shown.count(self.kind.noun if self.kind else "row")]
        cut = shown.cut("newest" if self.kind and self.kind.newest_first else "first")
        if cut:
            notes.append(cut)
        if self.df.attrs.get("backend"):
            notes.append(f"backend: {self.df.attrs['backend']}")
        if self.kind is not None and self.kind.noun == "job":
            notes.append(f"times in {zone_name()}")
        if len(self.parts()[0]) < len(self.df.columns):  # what is not shown is one call away
            notes.append(f"all {len(self.df.columns)} columns: .batch.full()")
        return " · ".join(notes)

    def table_html(self) -> str:
        return table(*self.parts())

    def html(self) -> str:
        done = done_line(self.df)
        if done is not None:
            return f"<div class='batchkit-view batchkit-done'>{html.escape(self._with_backend(done))}</div>"
        return (f"<div class='batchkit-view'>{self.table_html()}"
                f"<div style='{CAPTION_STYLE}'>{html.escape(self.caption())}</div></div>")

    def text(self) -> str:
        done = done_line(self.df)
        if done is not None:
            return self._with_backend(done)
        header, body, _ = self.parts()
        return f"{text_table(header, body)}\n({self.caption()})"

    def _with_backend(self, line: str) -> str:
        backend = self.df.attrs.get("backend")
        return f"{line} · backend: {backend}" if backend else line

    def _repr_html_(self) -> str:
        return self.html()

    def __repr__(self) -> str:
        return self.text()


class Full:
    """Every column of a frame (the first `rows` rows), as pandas shows it, without the index."""

    def __init__(self, df: pd.DataFrame, rows: int = ROWS):
        self.df, self.rows = df, rows

    def _options(self):
        return pd.option_context("display.max_columns", None, "display.width", 250, "display.max_colwidth", 80)

    def _shown(self) -> pd.DataFrame:
        """The rows shown, their text visible (pandas prints control characters as they are)."""
        shown = self.df.head(self.rows).copy()  # pandas 2 would warn of setting on a copy
        for i, dtype in enumerate(shown.dtypes):
            if pd.api.types.is_string_dtype(dtype):  # str and object columns (lists, maps)
                shown.isetitem(i, shown.iloc[:, i].map(_visible_cell))
        return shown

    def _repr_html_(self) -> str:
        with self._options():
            return self._shown().to_html(index=False, na_rep="", border=0, notebook=True)

    def __repr__(self) -> str:
        with self._options():
            return self._shown().to_string(index=False, na_rep="")


def _visible_cell(value):
    """A cell with every string in it `visible` (lists and maps keep their shape)."""
    if isinstance(value, str):
        return visible(value)
    if isinstance(value, list):
        return [_visible_cell(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_visible_cell(v) for v in value)
    if isinstance(value, dict):
        return {_visible_cell(k): _visible_cell(v) for k, v in value.items()}
    return value


class LogText:
    """Log events as timestamped lines in a monospace block: the last `rows` (None: every one), each cut
    at LINE_CHARS characters, control characters shown as signs (`visible`)."""

    def __init__(self, df: pd.DataFrame, rows: int | None = LOG_LINES):
        self.whole = df
        self.df = df if rows is None else df.tail(rows)

    @property
    def hidden(self) -> int:
        """How many earlier events are left out."""
        return len(self.whole) - len(self.df)

    def lines(self) -> list[str]:
        stamps = self.df["timestamp"] if "timestamp" in self.df else [None] * len(self.df)
        return [f"{when(t)}  {plain(m)}".strip() for t, m in zip(stamps, self.df["message"])]

    def caption(self) -> str:
        stream = plain(self.whole.attrs.get("logStreamName")) or "no log stream yet"
        count = f"{len(self.whole):,} log line{'' if len(self.whole) == 1 else 's'}"
        if self.hidden:
            count += f" · showing the last {len(self.df):,}; every line: .batch.logs(None)"
        return f"{count} · {stream} · times in {zone_name()}"

    def html(self) -> str:
        body = html.escape("\n".join(self.lines())) or "(no log lines)"
        return (f"<pre style='font-size:12px;background:#f7f7f7;padding:6px;margin:0;max-height:30em;"
                f"overflow:auto'>{body}</pre><div style='{CAPTION_STYLE}'>{html.escape(self.caption())}</div>")

    def text(self) -> str:
        return "\n".join(self.lines() or ["(no log lines)"]) + f"\n({self.caption()})"

    _repr_html_ = html
    __repr__ = text


# --- one job as a card ----------------------------------------------------------------------


def _attempt_rows(attempts) -> tuple[list[str], list[list[Cell]]]:
    header = ["#", "started", "stopped", "duration", "exit", "reason", "log stream"]
    body = []
    for i, attempt in enumerate(attempts if isinstance(attempts, list) else (), 1):
        container = attempt.get("container") or {}
        started, stopped = (pd.to_datetime(attempt.get(k), unit="ms", utc=True) if attempt.get(k) else None
                            for k in ("startedAt", "stoppedAt"))
        took = stopped - started if started is not None and stopped is not None else None
        reason = " · ".join(dict.fromkeys(r for r in (attempt.get("statusReason"), container.get("reason")) if r))
        body.append([Cell(str(i)), Cell(when(started)), Cell(when(stopped)), Cell(duration(took)),
                     Cell(plain(container.get("exitCode"))), hover_cell(reason),
                     hover_cell(container.get("logStreamName"), 30)])
    return header, body


VERDICT_COLORS = {"blocking": "#d62728", "warning": "#c99a00", "ok": "#2ca02c", "info": "#7f7f7f"}
CELL_STYLE = "text-align:left;vertical-align:top;white-space:normal;padding:2px 8px 2px 0"


def verdict_cell(verdict) -> Cell:
    text = plain(verdict)
    return Cell(text, f"<span style='color:#fff;background:{VERDICT_COLORS.get(text, '#555')};border-radius:3px;"
                      f"padding:0 5px;font-size:11px;white-space:nowrap'>{html.escape(text)}</span>")


FINDING_COLUMNS = ["check", "verdict", "detail", "fix"]  # `Batch.why`'s frame


WIDTHS = (";white-space:nowrap", ";white-space:nowrap", ";width:60%",
          ";width:40%;overflow-wrap:break-word")  # verdict and check fit their words, the detail gets the room


def findings_table(findings: pd.DataFrame) -> str:
    """`Batch.why`'s findings as an HTML table: a coloured verdict, the check, the detail and the fix, wrapped."""
    rows = []
    for finding in _records(findings):
        cells = (verdict_cell(finding.get("verdict")).markup,
                 f"<b style='white-space:nowrap'>{html.escape(plain(finding.get('check')))}</b>",
                 html.escape(plain(finding.get("detail"))),
                 f"<span style='color:#333'>{html.escape(plain(finding.get('fix')))}</span>")
        rows.append("<tr>" + "".join(f"<td style='{CELL_STYLE}{width}'>{c}</td>" for c, width in zip(cells, WIDTHS))
                    + "</tr>")
    head = "".join(f"<th style='{CELL_STYLE}{width}'>{h}</th>"
                   for h, width in zip(("verdict", "check", "detail", "fix"), WIDTHS))
    return (f"<table class='batchkit-findings' style='{TABLE_STYLE};margin:4px 0;width:100%;max-width:1100px;table-layout:auto'>"
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>")


def why_cell(summary: str, findings: pd.DataFrame | None) -> Cell:
    """The why line of a card; in HTML a <details> that opens to every finding (`Batch.why`'s frame)."""
    summary = plain(summary)  # it may quote log lines
    if findings is None or not len(findings):
        return Cell(summary)
    count = f"{len(findings)} finding{'s' if len(findings) != 1 else ''}"
    return Cell(summary, f"<details class='batchkit-why'><summary style='cursor:pointer'>{html.escape(summary)} "
                         f"<span style='color:#666;font-size:11px'>({count}: click to show or hide)</span></summary>"
                         f"{findings_table(findings)}</details>")


class Findings:
    """`Batch.why` / `Batch.why_queue` as a notebook shows them: the one-line answer, then every finding
    with its detail and fix whole (pandas would cut them at 50 characters)."""

    WIDTH = 110  # characters per line of text

    def __init__(self, df: pd.DataFrame):
        self.df = df

    def caption(self) -> str:
        about = self.df.attrs.get("job") or self.df.attrs.get("queue")
        notes = [f"why {'queue ' if 'queue' in self.df.attrs else ''}{about}" if about else "why",
                 f"{len(self.df)} finding{'' if len(self.df) == 1 else 's'}"]
        if self.df.attrs.get("backend"):
            notes.append(f"backend: {self.df.attrs['backend']}")
        return " · ".join(notes)

    def html(self) -> str:
        summary = html.escape(plain(self.df.attrs.get("summary")))
        return (f"<div class='batchkit-view batchkit-why-view'><div style='font-weight:bold;margin:2px 0 4px;"
                f"max-width:1100px'>{summary}</div>{findings_table(self.df)}"
                f"<div style='{CAPTION_STYLE}'>{html.escape(self.caption())}</div></div>")

    def text(self) -> str:
        import textwrap

        lines = textwrap.wrap(plain(self.df.attrs.get("summary")), self.WIDTH) or [""]
        width = max((len(plain(f.get("check"))) for f in _records(self.df)), default=0)
        for finding in _records(self.df):
            head = f"  {plain(finding.get('verdict')):<8} {plain(finding.get('check')):<{width}}  "
            indent = " " * len(head)
            lines += textwrap.wrap(plain(finding.get("detail")), self.WIDTH, initial_indent=head,
                                   subsequent_indent=indent) or [head.rstrip()]
            if plain(finding.get("fix")):
                lines += textwrap.wrap(plain(finding.get("fix")), self.WIDTH, initial_indent=indent + "fix: ",
                                       subsequent_indent=indent + "     ", break_on_hyphens=False,
                                       break_long_words=False)  # a command line is cut between its words only
        return "\n".join(lines) + f"\n({self.caption()})"

    _repr_html_ = html
    __repr__ = text


class Card:
    """One job at a glance: facts at the top, attempts, dependencies, array, log tail, why."""

    def __init__(self, df: pd.DataFrame):
        if len(df) != 1 or "jobId" not in df:
            raise ValueError(f"a card shows one job; this frame has {len(df)} rows")
        self.df, self.row = df, df.iloc[0].to_dict()
        self.related = df.attrs.get("related") or Related()

    def facts(self) -> list[tuple[str, Cell]]:
        r = {**self.row, NOW: now_of(self.df)}
        facts = [
            ("status", status_cell(r.get("status"))),
            ("reason", Cell(_reason(r).text)),
            ("id", Cell(plain(r.get("jobId")))),
            ("queue", Cell(name_of(r.get("queue")))),
            ("definition", Cell(name_of(r.get("definition")))),
            ("created", time_cell(r.get("createdAt"))),
            ("started", time_cell(r.get("startedAt"))),
            ("stopped", time_cell(r.get("stoppedAt"))),
            ("duration", Cell(took(r))),
            ("exit code", Cell(plain(r.get("exitCode")))),
            ("attempts", Cell("" if array_parent(r) else plain(r.get("attempts")))),
            ("image", Cell(plain(r.get("container.image")))),
            ("command", Cell(command_line(r.get("container.command")))),
            ("vCPUs / memory", Cell(" / ".join(p for p in (plain(r.get("vcpus")), plain(r.get("memory"))) if p))),
        ]
        if not blank(r.get("arrayProperties.size")):
            facts.append(("array", progress_cell(r.get("arrayProperties.statusSummary"), r.get("arrayProperties.size"))))
        if not blank(r.get("arrayProperties.index")):
            facts.append(("array index", Cell(plain(r.get("arrayProperties.index")))))
        if self.related.nodes is not None:
            counts = self.related.nodes["status"].value_counts().to_dict() if len(self.related.nodes) else {}
            total = r.get("nodeProperties.numNodes")
            facts.append(("nodes", progress_cell(counts, len(self.related.nodes) if blank(total) else total)))
            facts.append(("main node", Cell(f"#{plain(r.get('nodeProperties.mainNode'))}")))
        if node_index(r) is not None:
            main = " (main node)" if r.get("nodeDetails.isMainNode") is True else ""
            facts.append(("node", Cell(f"#{node_index(r)}{main}")))
        if self.related.why:
            facts.insert(2, ("why", why_cell(self.related.why, self.related.findings)))
        return [(k, v) for k, v in facts if v.text]

    def _dependencies(self) -> tuple[list[str], list[list[Cell]]]:
        deps = self.related.dependencies
        listed = self.row.get("dependsOn") if isinstance(self.row.get("dependsOn"), list) else []
        found = {} if deps is None else {r["jobId"]: r for r in _records(deps)}
        body = []
        for dep in listed:
            job = found.get(dep.get("jobId"), {})
            body.append([id_cell(dep.get("jobId")), Cell(plain(job.get("jobName"))), status_cell(job.get("status")),
                         Cell(plain(dep.get("type")))])
        return ["id", "name", "status", "type"], body

    def _nodes(self) -> tuple[list[str], list[list[Cell]]]:
        """A multi-node parallel job's nodes, the first NODE_ROWS of them."""
        nodes = self.related.nodes
        body = []
        for row in [] if nodes is None else _records(nodes.head(NODE_ROWS)):
            main = " (main)" if row.get("nodeDetails.isMainNode") is True else ""
            body.append([Cell(f"#{node_index(row)}{main}"), status_cell(row.get("status")),
                         Cell(plain(row.get("container.instanceType"))), time_cell(row.get("startedAt")),
                         Cell(plain(row.get("exitCode"))), _reason(row),
                         hover_cell(row.get("container.logStreamName"), 30)])
        return ["node", "status", "instance", "started", "exit", "reason", "log stream"], body

    def _more_nodes(self) -> str:
        nodes = self.related.nodes
        more = 0 if nodes is None else len(nodes) - NODE_ROWS
        return f"… {more} more nodes: b.list_jobs(multiNodeJobId=...)" if more > 0 else ""

    def _title(self) -> str:
        return f"{plain(self.row.get('jobName'))}  ({plain(self.row.get('status'))})"

    def html(self) -> str:
        facts = "".join(f"<tr><th style='text-align:left;color:#555;padding-right:12px'>{html.escape(k)}</th>"
                        f"<td style='text-align:left'>{v.markup}</td></tr>" for k, v in self.facts())
        parts = [f"<div class='batchkit-card'><b style='font-size:14px'>{html.escape(plain(self.row.get('jobName')))}</b>",
                 f"<table style='{TABLE_STYLE}'>{facts}</table>"]
        header, body = _attempt_rows(self.row.get("attemptDetails"))
        if body:
            parts.append(f"<b>attempts</b>{table(header, body)}")
        header, body = self._dependencies()
        if body:
            parts.append(f"<b>depends on</b>{table(header, body)}")
        header, body = self._nodes()
        if body:
            more = self._more_nodes()
            parts.append(f"<b>nodes</b>{table(header, body)}"
                         + (f"<div style='{CAPTION_STYLE}'>{html.escape(more)}</div>" if more else ""))
        if self.related.logs is not None:
            parts.append(f"<b>log tail</b>{LogText(self.related.logs).html()}")
        parts += [f"<div style='{CAPTION_STYLE}'>{html.escape(n)}</div>" for n in self._notes()]
        return "".join(parts) + "</div>"

    def _notes(self) -> list[str]:
        notes = list(self.related.notes)
        if self.df.attrs.get("backend"):
            notes.append(f"backend: {self.df.attrs['backend']}")
        notes.append(f"times in {zone_name()} · all {len(self.df.columns)} columns: .batch.full()")
        return [" · ".join(notes)]

    def text(self) -> str:
        facts = self.facts()
        width = max(len(k) for k, _ in facts)
        lines = [self._title(), *(f"  {k.ljust(width)}  {v.text}" for k, v in facts)]
        for title, (header, body) in (("attempts", _attempt_rows(self.row.get("attemptDetails"))),
                                      ("depends on", self._dependencies()), ("nodes", self._nodes())):
            if body:
                lines += ["", f"{title}:", text_table(header, body)]
        if self._more_nodes():
            lines.append(self._more_nodes())
        if self.related.logs is not None:
            lines += ["", "log tail:", LogText(self.related.logs).text()]
        return "\n".join(lines + [f"({n})" for n in self._notes()])

    _repr_html_ = html
    __repr__ = text


# --- the accessor and what a frame shows by default ----------------------------------------


SEARCH = "FilterLogEvents"  # `Batch.search_logs`' frames
MESSAGE_CHARS = 200  # of a matching line in the table (hover shows the line; the frame keeps it whole)


class Matches:
    """`Batch.search_logs` as a notebook shows it: the one-line count, then the first `rows` matching lines
    (job name and short id, an array child's with its index; the attempt where any is not the first; time;
    message)."""

    def __init__(self, df: pd.DataFrame, rows: int = ROWS):
        self.df, self.rows = df, max(int(rows), 1)

    def parts(self) -> tuple[list[str], list[list[Cell]]]:
        records = _records(self.df.head(self.rows))
        columns = [("job", lambda r: Cell(f"{plain(r.get('jobName'))} {short_id(plain(r.get('jobId')))}".strip()))]
        if (self.df["attempt"].fillna(0) > 0).any():
            columns.append(("attempt", lambda r: Cell(plain(r.get("attempt")))))
        columns += [("time", lambda r: time_cell(r.get("timestamp"))),
                    ("message", lambda r: hover_cell(r.get("message"), MESSAGE_CHARS))]
        return [c[0] for c in columns], [[cell(r) for _, cell in columns] for r in records]

    def caption(self) -> str:
        notes = [f"{len(self.df):,} line{'' if len(self.df) == 1 else 's'}"]
        if len(self.df) > self.rows:
            notes.append(f"showing the first {self.rows}")
        if self.df.attrs.get("backend"):
            notes.append(f"backend: {self.df.attrs['backend']}")
        notes.append(f"times in {zone_name()}")
        return " · ".join(notes)

    def html(self) -> str:
        summary = html.escape(plain(self.df.attrs.get("summary")))
        body = table(*self.parts()) if len(self.df) else ""
        return (f"<div class='batchkit-view batchkit-matches'><div style='font-weight:bold;margin:2px 0 4px'>"
                f"{summary}</div>{body}<div style='{CAPTION_STYLE}'>{html.escape(self.caption())}</div></div>")

    def text(self) -> str:
        body = f"{text_table(*self.parts())}\n" if len(self.df) else ""
        return f"{plain(self.df.attrs.get('summary'))}\n{body}({self.caption()})"

    _repr_html_ = html
    __repr__ = text


def shown(df: pd.DataFrame, rows: int = ROWS):
    """What a Batch result shows: log text, a card for `b.job(id)`, or the compact view (one line for an
    operation that answers nothing, `DeleteJobQueue: done (HighPriority)`)."""
    if df.attrs.get("operation") == LOGS and "message" in df:
        return LogText(df)
    if is_findings(df):
        return Findings(df)
    if df.attrs.get("operation") == SEARCH and "message" in df:
        return Matches(df, rows)
    kind = kind_of(df)
    if "related" in df.attrs and len(df) == 1 and {"jobId", "attemptDetails"} <= set(df.columns):
        return Card(df)  # b.job(id)
    return View(df, rows, kind)


def is_batch_result(df) -> bool:
    """Frames `Batch` made (it names their operation, or they are `why`'s findings); other frames show as
    pandas shows them."""
    return isinstance(df, pd.DataFrame) and (bool(df.attrs.get("operation")) or is_findings(df))


def is_findings(df) -> bool:
    """`Batch.why`'s and `Batch.why_queue`'s frames: the findings' columns and a summary."""
    return "summary" in df.attrs and list(df.columns) == FINDING_COLUMNS


@pd.api.extensions.register_dataframe_accessor("batch")
class BatchAccessor:
    """``df.batch``: views of a batchkit frame (the data itself is never changed)."""

    def __init__(self, df: pd.DataFrame):
        self._df = df

    def view(self, rows: int = ROWS) -> View:
        """The compact view: curated columns, humane times and durations, no index, blanks for missing."""
        return View(self._df, rows)

    def full(self, rows: int = ROWS) -> Full:
        """Every column."""
        return Full(self._df, rows)

    def card(self) -> Card:
        """One job (a one-row DescribeJobs frame, e.g. ``b.job(id)``) as a card."""
        return Card(self._df)

    def logs(self, rows: int | None = LOG_LINES) -> LogText:
        """Log events (``b.logs(id)``) as timestamped text: the last `rows` (None: every one)."""
        return LogText(self._df, rows)

    def shown(self, rows: int = ROWS):
        """What a notebook shows for this frame."""
        return shown(self._df, rows)

    def text(self, rows: int = ROWS) -> str:
        """What a terminal shows for this frame."""
        return repr(shown(self._df, rows))

    def to_table(self, path) -> None:
        """Write it as CSV, Parquet or JSON lines, lists and maps kept whole (a job table is a seed)."""
        write_table(self._df, path)
