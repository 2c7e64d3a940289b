"""The charts, as plotly figures: they show inline in JupyterLab, VS Code and exported
notebooks, and save as one HTML file that needs no network (`Figure.write_html`).

Times are drawn in the local time zone (as the views show them), durations as
people say them (`views.duration`), statuses in the views' colours.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from .. import views
from .spans import Spans, fold

ROWS = 40  # a timeline draws this many rows at most: the newest, and one row for the ones before them
LABELED_ROWS = 60  # above this many rows (rows=None) the job names are left to the hover text
ROW_PX, MIN_HEIGHT, MAX_HEIGHT = 26, 260, 1200
WAIT_SHADE = 0.6  # how much lighter the queue wait is than the status colour
TOOLBAR_PX = 32  # the top band where plotly shows its toolbar (modebar) on hover: no title there
LINE_PX = 16  # plotly lifts a title of two lines by one line (1.3 x the font size) above its anchor
FONT = dict(family="system-ui, -apple-system, 'Segoe UI', sans-serif", size=12)
CONFIG = {"displaylogo": False, "responsive": True}  # what `show`/`write_html` should pass
# bar thickness and offset from the row's centre, in rows (the y axis runs down)
BARS = {"wait": (0.22, -0.2), "run": (0.46, -0.32), "progress": (0.14, 0.24), "more": (0.8, -0.4)}
DURATION_STEPS = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400,
                  172800, 604800)


def _go():
    import plotly.graph_objects as go

    return go


def tint(color: str, amount: float) -> str:
    """color mixed with white (0: the colour, 1: white)."""
    r, g, b = (int(color[i:i + 2], 16) for i in (1, 3, 5))
    return "#" + "".join(f"{round(c + (255 - c) * amount):02x}" for c in (r, g, b))


def translucent(color: str, alpha: float = 0.15) -> str:
    r, g, b = (int(color[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def local(ms) -> pd.DatetimeIndex:
    """Epoch milliseconds as naive local times (plotly draws times as given)."""
    return pd.to_datetime(np.asarray(ms, dtype="float64"), unit="ms", utc=True).tz_convert(
        views.local_zone()).tz_localize(None)


def clock(ms) -> np.ndarray:
    """Epoch milliseconds as 'Nov 30 13:31:50' text, blank for none."""
    times = local(ms)
    return np.where(times.isna(), "", times.strftime("%b %d %H:%M:%S").astype(object))


def durations(seconds) -> np.ndarray:
    """views.duration of each value, formatted once per distinct whole second."""
    whole = pd.Series(np.asarray(seconds, dtype="float64")).round()
    return whole.map({s: views.duration(s) for s in whole.dropna().unique()}).fillna("").to_numpy(object)


def duration_axis(largest: float, ticks: int = 6) -> dict:
    """Axis ticks in seconds labelled as durations (30s, 5m00s, 2h00m)."""
    step = next((s for s in DURATION_STEPS if largest / s <= ticks), DURATION_STEPS[-1])
    values = np.arange(0, largest + step, step)
    return {"tickvals": values, "ticktext": [views.duration(v) for v in values]}


def _layout(fig, title: str, subtitle: str, height: int) -> None:
    """Title and subtitle at the top left, below the band where plotly shows its toolbar on hover.
    The subtitle is the title's second line: plotly's own `title.subtitle` is placed from the
    title's measured size, which is wrong when the figure is drawn out of view (a widget's tab)."""
    text = f"{title}<br><span style='font-size:{FONT['size']}px;color:#506784'>{subtitle}</span>"
    fig.update_layout(title={"text": text, "x": 0.01, "xanchor": "left",
                             "yref": "container", "y": 1 - (TOOLBAR_PX + LINE_PX) / height, "yanchor": "top"},
                      height=height, font=FONT, template="plotly_white", hoverlabel={"align": "left"},
                      margin={"l": 10, "r": 20, "t": 110, "b": 50},
                      legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0, "xanchor": "left"})


# --- the timeline ------------------------------------------------------------------------------


def timeline(spans: Spans, title: str = "Timeline", height: int | None = None, rows: int | None = ROWS):
    """A Gantt chart: a row per job (arrays with a band of their children by status), a thin
    light bar while it waited in the queue, a solid bar per run, coloured by status.  Beyond
    `rows` rows the newest are drawn and one row on top stands for the ones before them
    (None: every row)."""
    go = _go()
    jobs = int((spans.rows["kind"] != "child").sum())
    folded = sum(sum(c.values()) for c in spans.rows["children"].dropna()) if len(spans.rows) else 0
    expanded = (spans.rows["kind"] == "child").any()
    total = len(spans.rows)
    drawn = fold(spans, rows)
    shown, segments = drawn.rows, drawn.segments
    fig = go.Figure()
    hover = _hover(shown, segments)
    shown_legend = set()
    # a wait before a run says when and how long; the run bar next to it says the rest
    brief = (segments["phase"] == "wait") & segments["row"].isin(segments.loc[segments["phase"] == "run", "row"])
    groups = segments.groupby([segments["phase"], segments["status"], brief.rename("brief")], sort=False)
    first = {"run": 0, "more": 1, "progress": 2, "wait": 3}  # a status's legend entry shows its solid colour
    for (phase, status, short), part in sorted(groups, key=lambda group: first[group[0][0]]):
        width, offset = BARS[phase]
        color = views.COLORS.get(status, "#888888")
        fig.add_bar(
            orientation="h", y=part["row"].to_numpy(), base=local(part["start"]),
            x=(part["end"] - part["start"]).to_numpy(), width=width, offset=offset,
            marker={"color": tint(color, WAIT_SHADE) if phase == "wait" else color, "line": {"width": 0}},
            name=status, legendgroup=status, showlegend=status not in shown_legend,
            customdata=hover[part.index][:, WAIT_FIELDS] if short else hover[part.index],
            hovertemplate=WAIT_HOVER if short else MORE_HOVER if phase == "more" else JOB_HOVER, meta=phase,
            **({"texttemplate": "%{customdata[9]}", "textposition": "inside", "insidetextanchor": "middle",
                "textfont": {"color": "white", "size": 11}} if phase == "more" else {}))
        shown_legend.add(status)
    n = len(shown)
    fig.update_yaxes(autorange="reversed", showgrid=False, zeroline=False,
                     tickvals=shown["row"] if n <= LABELED_ROWS else None,
                     ticktext=shown["label"] if n <= LABELED_ROWS else None, showticklabels=n <= LABELED_ROWS,
                     title=None if n <= LABELED_ROWS else "jobs (hover for names)")
    fig.update_xaxes(type="date", title=f"time ({views.zone_name()})", showgrid=True, gridcolor="#eee")
    fig.update_layout(barmode="overlay", bargap=0, uniformtext={"mode": "hide", "minsize": 9})
    notes = [f"{jobs:,} job{'s' if jobs != 1 else ''}"]
    if folded:
        notes.append(f"{folded:,} array children {'shown' if expanded else 'folded in'}")
    if n < total:
        notes.append(f"the newest {n - 1} rows drawn, the {total - n + 1:,} before them as the top row")
    notes.append("light: waiting in the queue · solid: running · band: array children by status")
    _layout(fig, title, " · ".join(notes), height or int(np.clip(140 + ROW_PX * n, MIN_HEIGHT, MAX_HEIGHT)))
    return fig


# What hovering a bar shows: the job's name and status, its times, reason and id, then what the bar is
# (a wait before a run: when and how long, the run bar next to it says the rest).
# The words are in the template, once per trace; each bar carries only its values (customdata, one
# numpy object array per trace: a list of lists would be deep-copied by plotly, element by element).
JOB_HOVER = ("<b>%{customdata[0]}</b> %{customdata[1]}<br>created %{customdata[2]}<br>started %{customdata[3]}"
             "<br>stopped %{customdata[4]}<br>waited %{customdata[5]} · ran %{customdata[6]}<br>%{customdata[7]}"
             "<br>%{customdata[8]}<br><i>%{customdata[9]}</i><extra></extra>")
WAIT_FIELDS = [0, 1, 2, 3, 9]
WAIT_HOVER = ("<b>%{customdata[0]}</b> %{customdata[1]}<br>created %{customdata[2]}<br>started %{customdata[3]}"
              "<br><i>%{customdata[4]}</i><extra></extra>")
MORE_HOVER = ("<b>%{customdata[0]}</b>, in one row: %{customdata[1]}<br>created %{customdata[2]} to %{customdata[3]}"
              "<br>b.timeline(jobs) draws the ones you pick<br><i>%{customdata[9]}</i><extra></extra>")


def _hover(rows: pd.DataFrame, segments: pd.DataFrame) -> np.ndarray:
    """customdata per segment (JOB_HOVER's fields): the row's name, status, created, started,
    stopped, waited, ran, reason, id, and what the bar is."""
    text = lambda values: pd.Series(values, dtype=object).fillna("").astype(str).to_numpy(object)  # noqa: E731
    exits = rows["exit"].map(lambda e: "" if e is None or e != e else f" · exit {int(e)}")
    more = (rows["kind"] == "more").to_numpy()
    statuses = rows["children"].map(lambda c: " · ".join(f"{s.lower()} {n:,}" for s, n in c.items())
                                    if isinstance(c, dict) else "")
    per_row = np.column_stack([
        text(rows["label"].str.strip()),
        np.where(more, text(statuses), text(rows["status"])),
        text(clock(rows["created"])), text(np.where(more, clock(rows["end"]), clock(rows["start"]))),
        text(np.where(rows["status"].isin(("SUCCEEDED", "FAILED")), clock(rows["end"]), "(not yet)")),
        text(durations(rows["wait"])), text(durations(rows["run"])),
        text(rows["reason"]) + text(exits), text(rows["jobId"])])
    position = pd.Series(np.arange(len(rows)), index=rows["row"]).loc[segments["row"]].to_numpy()
    took = text(durations((segments["end"] - segments["start"]) / 1000))
    share = text((segments["share"] * 100).round().astype(int).astype(str))
    totals = rows["children"].map(lambda c: sum(c.values()) if isinstance(c, dict) else 0).to_numpy()[position]
    count = text([f"{n:,}" for n in (segments["share"] * totals).round().astype(int)])
    status, phase = text(segments["status"].str.lower()), segments["phase"].to_numpy()
    what = np.select([phase == "wait", phase == "run", phase == "more"],
                     ["waiting in the queue " + took, "running " + took, status + " " + count + " (" + share + "%)"],
                     "children " + status + ": " + share + "%")
    return np.column_stack([per_row[position], what]).astype(object)


def hover_texts(trace) -> list[str]:
    """What hovering each bar of a timeline trace shows: its template filled from its customdata."""
    template = trace.hovertemplate.replace("<extra></extra>", "")
    return [re.sub(r"%\{customdata\[(\d+)\]\}", lambda m: str(values[int(m.group(1))]), template)
            for values in trace.customdata]


# --- capacity --------------------------------------------------------------------------------------

RESOURCES = (("vcpus", "vCPUs"), ("memory", "memory GiB"), ("gpus", "GPUs"))
PALETTE = ("#1f77b4", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f")
HEADROOM = 1.2  # the vCPU axis reaches this far above the most vCPUs in use
NEAR = 1.5  # a maxvCpus up to this many times the most in use is drawn (dashed); a larger one is noted


def capacity(usage: pd.DataFrame, limits: dict[str, float], title: str = "Capacity in use",
             until: float | None = None):
    """vCPUs, memory and GPUs in use per compute environment over time (steps at each job's
    start and end, every environment drawn to the same right edge: the last change, or `until`
    (epoch ms, a live run's now) when later), the
    environments' maxvCpus dashed where near what was used (else noted above the panel);
    GPUs only when jobs asked for them.  Hover: the environment, the time, what it had in use
    and its maximum, and the jobs running."""
    go = _go()
    from plotly.subplots import make_subplots

    shown = [(c, label) for c, label in RESOURCES if c != "gpus" or (usage.get("gpus", pd.Series()) > 0).any()]
    fig = make_subplots(rows=len(shown), cols=1, shared_xaxes=True, vertical_spacing=0.14,
                        subplot_titles=[label for _, label in shown])
    envs = list(dict.fromkeys(usage["environment"])) if len(usage) else []
    colors = {env: PALETTE[i % len(PALETTE)] for i, env in enumerate(envs)}
    most = float(usage["vcpus"].max()) if len(usage) else 0.0
    drawn = {env: limits[env] for env in envs if env in limits and limits[env] <= max(most, 1) * NEAR}
    first, last = (usage["time"].min(), max(usage["time"].max(), until or 0)) if len(usage) else (0, 0)
    edges = local([first, last])
    for env, part in usage.groupby("environment", sort=False):
        part = _held(part, first, last)
        times, levels = local(part["time"]), part[["vcpus", "memory", "gpus", "jobs"]].to_numpy(float)
        hover = _capacity_hover(env, limits.get(env), gpus=len(shown) == 3)
        for row, (column, label) in enumerate(shown, 1):
            fig.add_trace(go.Scatter(
                x=times, y=part[column].to_numpy(), mode="lines", line={"shape": "hv", "color": colors[env], "width": 2},
                fill="tozeroy", fillcolor=translucent(colors[env]), name=env, legendgroup=env, showlegend=row == 1,
                customdata=levels, hovertemplate=hover, meta=column), row=row, col=1)
        if env in drawn:
            limit = drawn[env]
            fig.add_trace(go.Scatter(
                x=edges, y=[limit, limit], mode="lines", line={"dash": "dash", "color": colors[env], "width": 1},
                name=f"{env} maxvCpus", legendgroup=env, showlegend=False,
                hovertemplate=f"<b>{env}</b><br>maxvCpus {limit:g}<extra></extra>", meta="maxvCpus"), row=1, col=1)
            fig.add_annotation(x=edges[0], y=limit, text=f"{env} max {limit:g}", showarrow=False, xanchor="left",
                               yanchor="bottom", font={"size": 10, "color": colors[env]}, row=1, col=1)
    above = [f"{env} {limits[env]:g}" for env in envs if env in limits and env not in drawn]
    if above:
        fig.add_annotation(xref="x domain", yref="y domain", x=1, y=1, xanchor="right", yanchor="bottom",
                           text=f"maxvCpus, off the scale: {' · '.join(above)}", showarrow=False,
                           font={"size": 11, "color": "#555"})
    fig.update_xaxes(type="date", showgrid=True, gridcolor="#eee")
    fig.update_xaxes(title=f"time ({views.zone_name()})", row=len(shown), col=1)
    fig.update_yaxes(rangemode="tozero", gridcolor="#eee")
    fig.update_yaxes(range=[0, max(most * HEADROOM, *(v * 1.08 for v in drawn.values()), 1)], row=1, col=1)
    notes = ["dashed: the environment's maxvCpus"] if drawn else []
    notes.append("a job counts in its queue's first compute environment · hover for the jobs running")
    _layout(fig, title, " · ".join(notes), 170 + 190 * len(shown))
    return fig


def _held(part: pd.DataFrame, first: float, last: float) -> pd.DataFrame:
    """An environment's levels from the chart's left edge (nothing in use before its first
    change) to its right edge (its last level held)."""
    parts = [part]
    if part["time"].iloc[0] > first:
        parts.insert(0, part.iloc[:1].assign(time=first, vcpus=0.0, memory=0.0, gpus=0.0, jobs=0.0))
    if part["time"].iloc[-1] < last:
        parts.append(part.iloc[-1:].assign(time=last))
    return pd.concat(parts, ignore_index=True)


def _capacity_hover(env: str, limit: float | None, gpus: bool) -> str:
    """What an environment had in use at a step (customdata: vcpus, memory, gpus, jobs)."""
    of = f" of {limit:g} (maxvCpus)" if limit is not None else ""
    return (f"<b>{env}</b>  %{{x|%b %d %H:%M:%S}}<br>vCPUs in use: %{{customdata[0]:,.4~g}}{of}"
            "<br>memory in use: %{customdata[1]:,.4~g} GiB"
            + ("<br>GPUs in use: %{customdata[2]:,.4~g}" if gpus else "")
            + "<br>jobs running: %{customdata[3]:,}<extra></extra>")


# --- distributions (the report) --------------------------------------------------------------------


def distributions(rows: pd.DataFrame, title: str = "How long jobs waited and ran"):
    """Box plots per queue of the time in the queue before the first start and of the time running."""
    go = _go()
    from plotly.subplots import make_subplots

    fig = make_subplots(rows=1, cols=2, subplot_titles=["waiting in the queue", "running"], horizontal_spacing=0.12)
    queues = sorted(rows["queue"].dropna().unique())
    for col, column in enumerate(("wait", "run"), 1):
        for i, queue in enumerate(queues):
            values = rows.loc[rows["queue"] == queue, column].dropna()
            fig.add_trace(go.Box(
                y=values, name=queue, marker_color=PALETTE[i % len(PALETTE)], boxpoints="outliers",
                text=durations(values), hovertemplate=f"{queue}: %{{text}}<extra></extra>", showlegend=False,
                meta=column), row=1, col=col)
        largest = float(rows[column].max()) if rows[column].notna().any() else 60.0
        fig.update_yaxes(duration_axis(max(largest, 1.0)), range=[0, max(largest, 1.0) * 1.05], row=1, col=col)
    _layout(fig, title, "per queue; array children count one by one", 420)
    return fig
