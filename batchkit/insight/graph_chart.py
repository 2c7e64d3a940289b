"""The dependency graph drawn with plotly: a box per job left to right in dependency order.

Boxes are filled polygons, one trace per look (a status, a root cause, failed by a
dependency, folded, not found), so the legend explains them and a thousand boxes
are a few traces.  Edges are one trace per dependency type (solid: a plain
dependency, dashed: N_TO_N, dotted loop over an array: SEQUENTIAL), through the
layers they cross.  Hover comes from one text trace: the words in its template,
each box's values as customdata (a numpy object array, plotly's fast path).
"""

from __future__ import annotations

import html

import numpy as np
import pandas as pd

from .. import views
from . import charts
from .graph import Graph
from .spans import _lifecycle

BOX_W, BOX_H = 0.74, 0.6  # a box, in layers (x) and slots (y)
STUB = 0.07  # edges leave and enter boxes horizontally for this long: the arrow points into the box
ARROW = 0.025  # the arrowhead's centre, this far left of the box it points at
BAND = 0.13  # an array's progress band at the foot of its box
LAYER_PX, SLOT_PX, MIN_HEIGHT, MAX_HEIGHT = 210, 62, 300, 1600
LABEL_CHARS = 24  # longer names are cut in the box (the hover has them whole)
MIN_LAYERS = 4  # a graph of one or two layers is drawn at this scale, not stretched
ROOT_LINE = "#1a1a1a"
DOWNSTREAM_FILL = charts.tint(views.COLORS["FAILED"], 0.86)
EDGES = {  # dependsOn type -> (legend name, line)
    "STANDARD": ("depends on", {"color": "#8c8c8c", "width": 1.5}),
    "N_TO_N": ("N to N: child i after child i", {"color": "#1f77b4", "width": 2, "dash": "dash"}),
    "SEQUENTIAL": ("sequential", {"color": "#7f3fbf", "width": 1.5, "dash": "dot"}),
}
EDGE_LABELS = {"N_TO_N": "N to N", "SEQUENTIAL": "sequential"}
LOOP = ("sequential: children one after another", {"color": "#7f3fbf", "width": 1.5, "dash": "dot"})


def draw(g: Graph, title: str = "Dependency graph"):
    go = charts._go()
    fig = go.Figure()
    nodes, edges = g.nodes, g.edges
    notes: list[dict] = []  # annotations, set at once: plotly re-validates every one on each add_annotation
    for kind, part in edges.groupby("kind", sort=False):
        _edges(fig, go, kind, part, notes)
    _loops(fig, go, nodes[nodes["sequential"]])
    for (name, fill, line, pattern, _), part in _looks(nodes):
        xs, ys = _boxes(part["layer"].to_numpy(float), part["slot"].to_numpy(float))
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", fill="toself", fillcolor=fill, line=line, name=name,
                                 hoverinfo="skip", meta="box", legendgroup=name,
                                 **({"fillpattern": pattern} if pattern else {})))
    _bands(fig, go, nodes)
    _causes(notes, nodes[nodes["role"] == "root"])
    fig.update_layout(annotations=notes)
    _labels(fig, go, nodes)
    layers = int(nodes["layer"].max()) + 1 if len(nodes) else 1
    span = max(layers, MIN_LAYERS)
    fig.update_xaxes(visible=False, range=[-0.5, span - 0.5])  # a small graph keeps its scale, on the left
    fig.update_yaxes(visible=False, autorange="reversed")
    height = int(np.clip(170 + SLOT_PX * max(g.slots, 1), MIN_HEIGHT, MAX_HEIGHT))
    charts._layout(fig, title, _subtitle(g), height)
    fig.update_layout(hovermode="closest", hoverdistance=40, showlegend=True, dragmode="pan",
                      legend={"traceorder": "normal"}, margin={"l": 10, "r": 10, "t": 120, "b": 10},
                      **({"width": 60 + LAYER_PX * span} if span > 5 else {}))
    return fig


def _subtitle(g: Graph) -> str:
    nodes = g.nodes
    arrays = int((nodes["kind"] == "array").sum())
    notes = [f"{g.jobs:,} job{'s' if g.jobs != 1 else ''}",
             f"{g.dependencies:,} dependenc{'ies' if g.dependencies != 1 else 'y'}"]
    if arrays:
        notes.append(f"{arrays} array{'s' if arrays != 1 else ''} with {'their' if arrays != 1 else 'its'} children folded in")
    if (nodes["role"] == "root").any() and (nodes["role"] == "downstream").any():
        notes.append("black outline: failed of its own · hatched: failed because a dependency failed")
    elif (nodes["role"] == "root").any():
        notes.append("black outline: failed of its own")
    if g.folded:
        notes.append(f"{g.folded:,} jobs in grey boxes (b.graph(ids) draws the ones you pick)")
    return " · ".join(notes)


# --- boxes ---------------------------------------------------------------------------------------


def _looks(nodes: pd.DataFrame):
    """(legend name, fill, line, fill pattern, order) per group of nodes that look alike."""
    def look(kind, status, role):
        color = views.COLORS.get(status, "#888888")
        if kind == "more":
            return ("folded jobs", "#eeeeee", {"color": "#9a9a9a", "width": 1, "dash": "dash"}, None, 9)
        if kind == "missing":
            return ("not found", "#ffffff", {"color": "#9a9a9a", "width": 1, "dash": "dot"}, None, 10)
        if role == "root":
            return ("FAILED: the cause", color, {"color": ROOT_LINE, "width": 3.5}, None, 6)
        if role == "downstream":
            return ("FAILED: a dependency failed", DOWNSTREAM_FILL, {"color": color, "width": 1.5},
                    {"shape": "/", "fgcolor": charts.tint(color, 0.45), "size": 7, "solidity": 0.15}, 7)
        return (status or "(no status)", color, {"color": color, "width": 1}, None, _lifecycle(status))

    keys = [look(k, s, r) for k, s, r in zip(nodes["kind"], nodes["status"], nodes["role"])]
    groups: dict = {}
    for position, key in enumerate(keys):
        groups.setdefault(key[0], (key, []))[1].append(position)
    ordered = sorted(groups.values(), key=lambda item: (item[0][4], item[0][0]))
    return [(key, nodes.iloc[positions]) for key, positions in ordered]


def _boxes(x: np.ndarray, y: np.ndarray, top=-BOX_H / 2, bottom=BOX_H / 2, width=BOX_W):
    """Rectangles around (x, y) as one polygon list with None between them."""
    n = len(x)
    left, right = x - width / 2, x + width / 2
    xs = np.column_stack([left, right, right, left, left, np.full(n, np.nan)]).ravel()
    ys = np.column_stack([y + top, y + top, y + bottom, y + bottom, y + top, np.full(n, np.nan)]).ravel()
    return xs, ys


def _bands(fig, go, nodes: pd.DataFrame) -> None:
    """At the foot of an array's (or a folded node's) box: its children (jobs) by status, each its share."""
    pieces: dict[str, list] = {}
    for x, y, counts in zip(nodes["layer"], nodes["slot"], nodes["children"]):
        total = sum(counts.values()) if isinstance(counts, dict) else 0
        at = x - BOX_W / 2
        for status, n in (counts.items() if total else ()):
            width = BOX_W * n / total
            pieces.setdefault(status, []).append((at + width / 2, y, width))
            at += width
    for status, parts in pieces.items():
        cx, cy, widths = (np.array(v, float) for v in zip(*parts))
        xs, ys = [], []
        for c, yy, w in zip(cx, cy, widths):
            bx, by = _boxes(np.array([c]), np.array([yy]), top=BOX_H / 2 - BAND, width=w)
            xs.append(bx)
            ys.append(by)
        color = views.COLORS.get(status, "#888888")
        fig.add_trace(go.Scatter(x=np.concatenate(xs), y=np.concatenate(ys), mode="lines", fill="toself",
                                 fillcolor=color, line={"color": "#ffffff", "width": 0.5}, hoverinfo="skip",
                                 showlegend=False, legendgroup=status, meta="band", name=f"children {status}"))


def _causes(notes: list, roots: pd.DataFrame) -> None:
    """A tag over each job that failed of its own: how many jobs failed because of it."""
    for x, y, caused in zip(roots["layer"], roots["slot"], roots["caused"]):
        text = f"caused {caused} failure{'s' if caused != 1 else ''}" if caused else "failed"
        notes.append({"x": x + BOX_W / 2, "y": y - BOX_H / 2, "text": f"<b>✖ {text}</b>", "showarrow": False,
                      "xanchor": "right", "yanchor": "bottom", "yshift": 2, "font": {"size": 10, "color": ROOT_LINE},
                      "bgcolor": "#ffffff", "bordercolor": ROOT_LINE, "borderwidth": 1, "borderpad": 1})


# --- edges -----------------------------------------------------------------------------------------


def _edges(fig, go, kind: str, edges: pd.DataFrame, notes: list) -> None:
    """One polyline per edge, from the right of its source's box to the left of its target's, through the
    slots of the layers between (smoothed), an arrowhead at the end."""
    name, line = EDGES.get(kind, EDGES["STANDARD"])
    xs, ys, sizes = [], [], []
    labels = []
    for path, count in zip(edges["path"], edges["count"]):
        (x0, y0), (x1, y1) = path[0], path[-1]
        through = [p for x, y in path[1:-1] for p in ((x - BOX_W / 2, y), (x + BOX_W / 2, y))]  # along a column
        points = [(x0 + BOX_W / 2, y0), (x0 + BOX_W / 2 + STUB, y0), *through,
                  (x1 - BOX_W / 2 - STUB, y1), (x1 - BOX_W / 2 - ARROW, y1)]
        xs += [p[0] for p in points] + [None]
        ys += [p[1] for p in points] + [None]
        sizes += [0] * (len(points) - 1) + [11, 0]
        text = " · ".join(t for t in (EDGE_LABELS.get(kind, ""), f"×{count:,}" if count > 1 else "") if t)
        if text:
            (ax, ay), (bx, by) = points[1], points[2]
            labels.append(((ax + bx) / 2, (ay + by) / 2, text))
    fig.add_trace(go.Scatter(
        x=xs, y=ys, mode="lines+markers", line={**line, "shape": "spline", "smoothing": 0.6},
        marker={"symbol": "triangle-right", "size": sizes, "color": line["color"]}, name=name, hoverinfo="skip",
        meta={"edges": [[s, t] for s, t in zip(edges["source"].tolist(), edges["target"].tolist())], "kind": kind},
        legendgroup=f"edge {kind}"))
    notes.extend({"x": x, "y": y, "text": text, "showarrow": False, "font": {"size": 10, "color": line["color"]},
                  "bgcolor": "rgba(255,255,255,0.85)", "borderpad": 1} for x, y, text in labels)


def _loops(fig, go, arrays: pd.DataFrame) -> None:
    """A SEQUENTIAL array: a dotted loop over its box (its children wait for one another)."""
    if arrays.empty:
        return
    name, line = LOOP
    xs, ys, sizes = [], [], []
    for x, y in zip(arrays["layer"], arrays["slot"]):
        top = y - BOX_H / 2
        points = [(x + 0.2, top), (x + 0.16, top - 0.17), (x, top - 0.22), (x - 0.16, top - 0.17), (x - 0.2, top)]
        xs += [p[0] for p in points] + [None]
        ys += [p[1] for p in points] + [None]
        sizes += [0, 0, 0, 0, 8, 0]
    fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines+markers", line={**line, "shape": "spline"},
                             marker={"symbol": "triangle-down", "size": sizes, "color": line["color"]},
                             name=name, hoverinfo="skip", meta="loop"))


# --- words -----------------------------------------------------------------------------------------

HOVER = ("<b>%{customdata[0]}</b> %{customdata[1]}<br>created %{customdata[2]}<br>started %{customdata[3]}"
         "<br>stopped %{customdata[4]}<br>%{customdata[5]}<br>%{customdata[6]}<br><i>%{customdata[7]}</i>"
         "<extra></extra>")


MORE_HOVER = ("<b>%{customdata[0]}</b>, in one box: %{customdata[1]}<br>created %{customdata[2]} to %{customdata[4]}"
              "<br>b.graph(ids) draws the ones you pick<extra></extra>")


def _labels(fig, go, nodes: pd.DataFrame) -> None:
    """The words in each box (name, then status or progress) and what hovering it shows: one trace for the
    jobs (meta "labels"), one for the boxes standing for many (meta "folded", a template of their own)."""
    folded = nodes["kind"].eq("more").to_numpy()
    for part, template, meta in ((nodes[~folded], HOVER, "labels"), (nodes[folded], MORE_HOVER, "folded")):
        if part.empty:
            continue
        dark = part["kind"].isin(("more", "missing")) | part["role"].eq("downstream")
        fig.add_trace(go.Scatter(
            x=part["layer"].to_numpy(float), y=(part["slot"] - np.where(part["children"].notna(), BAND / 2, 0)).to_numpy(),
            mode="text+markers", text=[_box_text(r) for r in part.to_dict("records")], textposition="middle center",
            textfont={"size": 11, "color": np.where(dark, "#222222", "#ffffff").tolist()},
            marker={"symbol": "square", "size": 30, "opacity": 0}, customdata=_hover(part),
            hovertemplate=template, name="jobs", showlegend=False, meta=meta,
            hoverlabel={"bgcolor": "#ffffff", "font": {"color": "#222222"},
                        "bordercolor": [views.COLORS.get(s, "#888888") for s in part["status"]]}))


def _cut(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[:LABEL_CHARS - 1] + "…"


def _box_text(r: dict) -> str:
    name = f"<b>{html.escape(_cut(str(r['label'])))}</b>"
    kind, role = r["kind"], r["role"]
    if kind == "missing":
        return f"<b>not found</b><br>{html.escape(str(r['node'])[:13])}…"
    counts = r["children"] if isinstance(r["children"], dict) else {}
    if kind == "more":
        return name + "<br>" + " · ".join(f"{n:,} {s.lower()}" for s, n in list(counts.items())[:2])
    if kind == "array":
        total = sum(counts.values()) or r["size"]
        line = f"{counts.get('SUCCEEDED', 0):,}/{total:,} done"
        if counts.get("FAILED"):
            line += f" · {counts['FAILED']:,} failed"
        return name + "<br>" + line + (" · in order" if r["sequential"] else "")
    if role == "downstream":
        return name + "<br>dependency failed"
    exit_code = r["exit"]
    exits = f" · exit {int(exit_code)}" if role == "root" and exit_code is not None and exit_code == exit_code else ""
    return name + f"<br>{r['status']}{exits}"


def _hover(nodes: pd.DataFrame) -> np.ndarray:
    """customdata per box: name, status (an array's: children per status), created, started, stopped,
    why (reason, exit code, the cause of a dependency failure), dependencies, id."""
    def status(r):
        if r["kind"] == "missing":
            return "(not found: expired, or another account's)"
        counts = r["children"] if isinstance(r["children"], dict) else None
        if counts is not None:
            by = " · ".join(f"{s.lower()} {n:,}" for s, n in counts.items())
            return f"{r['status']} · children: {by}" if r["kind"] == "array" else by
        return r["status"]

    def why(r):
        exit_code = r["exit"]
        reason = str(r["reason"] or "")
        if exit_code is not None and exit_code == exit_code:
            reason += f" · exit {int(exit_code)}"
        if r["role"] == "downstream" and r["cause"]:
            reason += f" · the cause: {r['cause']} failed"
        elif r["role"] == "root":
            reason += " · failed of its own"
        return reason.strip(" ·")

    def depends(r):
        parts = [f"depends on {r['depends']} job{'s' if r['depends'] != 1 else ''}" if r["depends"] else ""]
        if r["sequential"]:
            parts.append("children one after another (SEQUENTIAL)")
        return " · ".join(p for p in parts if p)

    records = nodes.to_dict("records")
    rows = [[str(r["label"]), status(r), "", "", "", why(r), depends(r),
             "" if r["kind"] == "more" else str(r["node"])] for r in records]
    data = np.array(rows, dtype=object).reshape(len(records), 8)
    if len(records):
        data[:, 2] = charts.clock(nodes["created"].to_numpy(float))
        finished = nodes["status"].isin(("SUCCEEDED", "FAILED")).to_numpy() | nodes["kind"].eq("more").to_numpy()
        started, stopped = charts.clock(nodes["start"].to_numpy(float)), charts.clock(nodes["end"].to_numpy(float))
        data[:, 3] = np.where(started != "", started, np.where(finished, "(never)", "(not yet)"))
        data[:, 4] = np.where(finished, stopped, "(not yet)")
        more = nodes["kind"].eq("more").to_numpy()
        if more.any():  # a folded box: its jobs were created from ... to
            data[more, 4] = charts.clock(nodes.loc[more, "last"].to_numpy(float))
    return data
