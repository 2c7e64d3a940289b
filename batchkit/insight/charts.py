"""The charts, as plotly figures: they show inline in JupyterLab, VS Code and exported
notebooks, and save as one HTML file that needs no network (`Figure.write_html`).

Times are drawn in the local time zone (as the views show them), durations as
people say them (`views.duration`), statuses in the views' colours.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import views
from .spans import Spans

LABELED_ROWS = 60  # above this many rows the job names are left to the hover text
ROW_PX, MIN_HEIGHT, MAX_HEIGHT = 26, 260, 1200
WAIT_SHADE = 0.6  # how much lighter the queue wait is than the status colour
FONT = dict(family="system-ui, -apple-system, 'Segoe UI', sans-serif", size=12)
CONFIG = {"displaylogo": False, "responsive": True}  # what `show`/`write_html` should pass
# bar thickness and offset from the row's centre, in rows (the y axis runs down)
BARS = {"wait": (0.22, -0.2), "run": (0.46, -0.32), "progress": (0.14, 0.24)}
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
    fig.update_layout(title={"text": title, "subtitle": {"text": subtitle}, "x": 0.01, "xanchor": "left"},
                      height=height, font=FONT, template="plotly_white", hoverlabel={"align": "left"},
                      margin={"l": 10, "r": 20, "t": 110, "b": 50},
                      legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0, "xanchor": "left"})


# --- the timeline ------------------------------------------------------------------------------


def timeline(spans: Spans, title: str = "Timeline", height: int | None = None):
    """A Gantt chart: a row per job (arrays with a band of their children by status), a thin
    light bar while it waited in the queue, a solid bar per run, coloured by status."""
    go = _go()
    rows, segments = spans.rows, spans.segments
    fig = go.Figure()
    hover = _hover(rows, segments)
    shown_legend = set()
    groups = segments.groupby(["phase", "status"], sort=False)
    first = {"run": 0, "progress": 1, "wait": 2}  # a status's legend entry shows its solid colour
    for (phase, status), part in sorted(groups, key=lambda group: first[group[0][0]]):
        width, offset = BARS[phase]
        color = views.COLORS.get(status, "#888888")
        fig.add_bar(
            orientation="h", y=part["row"].to_numpy(), base=local(part["start"]),
            x=(part["end"] - part["start"]).to_numpy(), width=width, offset=offset,
            marker={"color": tint(color, WAIT_SHADE) if phase == "wait" else color, "line": {"width": 0}},
            name=status, legendgroup=status, showlegend=status not in shown_legend,
            hovertext=hover[part.index], hovertemplate="%{hovertext}<extra></extra>", meta=phase)
        shown_legend.add(status)
    jobs = int((rows["kind"] != "child").sum())
    folded = sum(sum(c.values()) for c in rows["children"].dropna()) if len(rows) else 0
    n = len(rows)
    fig.update_yaxes(autorange="reversed", showgrid=False, zeroline=False,
                     tickvals=rows["row"] if n <= LABELED_ROWS else None,
                     ticktext=rows["label"] if n <= LABELED_ROWS else None, showticklabels=n <= LABELED_ROWS,
                     title=None if n <= LABELED_ROWS else "jobs (hover for names)")
    fig.update_xaxes(type="date", title=f"time ({views.zone_name()})", showgrid=True, gridcolor="#eee")
    fig.update_layout(barmode="overlay", bargap=0)
    notes = [f"{jobs} job{'s' if jobs != 1 else ''}"]
    if folded:
        notes.append(f"{folded} array children {'shown' if (rows['kind'] == 'child').any() else 'folded in'}")
    notes.append("light: waiting in the queue · solid: running · band: array children by status")
    _layout(fig, title, " · ".join(notes), height or int(np.clip(140 + ROW_PX * n, MIN_HEIGHT, MAX_HEIGHT)))
    return fig


def _hover(rows: pd.DataFrame, segments: pd.DataFrame) -> np.ndarray:
    """Hover text per segment: the job's name and status, what the bar is, its times, reason and id."""
    text = lambda values: pd.Series(values, dtype=object).fillna("").astype(str)  # noqa: E731
    exits = rows["exit"].map(lambda e: "" if e is None or e != e else f" · exit {int(e)}")
    per_row = ("<b>" + text(rows["label"].str.strip()) + "</b> " + text(rows["status"]) +
               "<br>created " + text(clock(rows["created"])) + "<br>started " + text(clock(rows["start"])) +
               "<br>stopped " + text(np.where(rows["status"].isin(("SUCCEEDED", "FAILED")), clock(rows["end"]),
                                              "(not yet)")) +
               "<br>waited " + text(durations(rows["wait"])) + " · ran " + text(durations(rows["run"])) +
               "<br>" + text(rows["reason"]) + text(exits) + "<br>" + text(rows["jobId"]))
    per_row.index = rows["row"]
    took = text(durations((segments["end"] - segments["start"]) / 1000)).to_numpy(object)
    share = text((segments["share"] * 100).round().astype(int).astype(str))
    what = np.where(segments["phase"] == "wait", "waiting in the queue " + took,
                    np.where(segments["phase"] == "run", "running " + took,
                             "children " + text(segments["status"].str.lower()) + ": " + share + "%"))
    return (per_row.loc[segments["row"]].to_numpy(object) + "<br><i>" + what + "</i>").astype(object)


# --- capacity --------------------------------------------------------------------------------------

RESOURCES = (("vcpus", "vCPUs"), ("memory", "memory GiB"), ("gpus", "GPUs"))
PALETTE = ("#1f77b4", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f")


def capacity(usage: pd.DataFrame, limits: dict[str, float], title: str = "Capacity in use"):
    """vCPUs, memory and GPUs in use per compute environment over time (steps at each job's
    start and end), the environments' maxvCpus as dashed lines; GPUs only when jobs asked for them."""
    go = _go()
    from plotly.subplots import make_subplots

    shown = [(c, label) for c, label in RESOURCES if c != "gpus" or (usage.get("gpus", pd.Series()) > 0).any()]
    fig = make_subplots(rows=len(shown), cols=1, shared_xaxes=True, vertical_spacing=0.14,
                        subplot_titles=[label for _, label in shown])
    envs = list(dict.fromkeys(usage["environment"])) if len(usage) else []
    colors = {env: PALETTE[i % len(PALETTE)] for i, env in enumerate(envs)}
    for env, part in usage.groupby("environment", sort=False):
        times = local(part["time"])
        for row, (column, label) in enumerate(shown, 1):
            fig.add_trace(go.Scatter(
                x=times, y=part[column].to_numpy(), mode="lines", line={"shape": "hv", "color": colors[env], "width": 2},
                fill="tozeroy", fillcolor=translucent(colors[env]), name=env, legendgroup=env, showlegend=row == 1,
                hovertemplate=f"{env}: %{{y:,.4~g}} {label} in use<br>%{{x|%b %d %H:%M:%S}}<extra></extra>",
                meta=column), row=row, col=1)
        limit = limits.get(env)
        if limit is not None and len(part):
            fig.add_trace(go.Scatter(
                x=[times.min(), times.max()], y=[limit, limit], mode="lines",
                line={"dash": "dash", "color": colors[env], "width": 1}, name=f"{env} maxvCpus",
                legendgroup=env, showlegend=False, hovertemplate=f"{env}: maxvCpus {limit:g}<extra></extra>",
                meta="maxvCpus"), row=1, col=1)
            fig.add_annotation(x=times.min(), y=limit, text=f"{env} max {limit:g}", showarrow=False, xanchor="left",
                               yanchor="bottom", font={"size": 10, "color": colors[env]}, row=1, col=1)
    fig.update_xaxes(type="date", showgrid=True, gridcolor="#eee")
    fig.update_xaxes(title=f"time ({views.zone_name()})", row=len(shown), col=1)
    fig.update_yaxes(rangemode="tozero", gridcolor="#eee")
    note = "dashed: the environment's maxvCpus · a job counts in its queue's first compute environment"
    _layout(fig, title, note, 170 + 190 * len(shown))
    return fig


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
