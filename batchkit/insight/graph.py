"""The dependency graph of a job frame: nodes, edges and where each is drawn.

Pure data, no plotly and no API calls (`runs.graph` fetches, `graph_chart` draws).
An array job is one node, its children folded in with their statuses; its
``SEQUENTIAL`` dependency (children one after another) is a mark on the node and an
``N_TO_N`` one (child i after child i) a single edge of its own kind, never one edge
per child.  A dependency whose job is not in the frame is a stub node.

Layout (Sugiyama's steps, small enough to write out): layers by the longest path
from the roots, so every edge points right; an edge across several layers passes
through a slot in each (a dummy) so it never crosses a box; within a layer, a few
barycenter sweeps order the slots to reduce crossings.  Large graphs are folded
before they are ordered: at most `LAYERS` layers (the last ones; the earlier as one
node) and `PER_LAYER` nodes a layer (the rest as one node), like the timeline's rows.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .spans import _lifecycle, column, epoch_ms, is_child, is_parent, parent_id

LAYERS = 16  # layers drawn at most: the last 15 and one node for the jobs before them
PER_LAYER = 12  # nodes drawn per layer at most: 11 and one node for the rest
SWEEPS = 4  # barycenter passes (down, up, down, up): more rarely changes a drawing people read
DEPENDENCY_FAILED = "dependent job failed"  # AWS's statusReason for a job failed by its dependency
KINDS = ("STANDARD", "N_TO_N", "SEQUENTIAL")  # dependsOn types; none given is STANDARD
# which jobs keep their own node when a layer is folded, first to last
KEEP = ("FAILED", "RUNNING", "STARTING", "RUNNABLE", "PENDING", "SUBMITTED", "SUCCEEDED")


@dataclass
class Graph:
    nodes: pd.DataFrame  # node, label, kind (job|array|child|more|missing), status, role (root|downstream|""),
    #                      reason, exit, children (per status), size, sequential, cause (a root's label),
    #                      caused (a root's downstream failures), created, start, end,
    #                      depends (how many), layer, slot (its place down the layer)
    edges: pd.DataFrame  # source, target, kind (STANDARD|N_TO_N|SEQUENTIAL), count, path [(layer, slot) ...]
    jobs: int  # jobs in the frame (array children count in their parent)
    dependencies: int  # edges before folding
    folded: int = 0  # jobs drawn inside a "more" node
    slots: int = 0  # the most slots in a layer (the drawing's height)
    notes: list = field(default_factory=list)


def is_dependency_failure(status, reason) -> bool:
    return status == "FAILED" and str(reason or "").strip().lower().startswith(DEPENDENCY_FAILED)


def graph(df: pd.DataFrame, layers: int | None = LAYERS, per_layer: int | None = PER_LAYER) -> Graph:
    """The graph of a DescribeJobs frame (with ``dependsOn``); None: no folding."""
    nodes, edges = _nodes_and_edges(df.reset_index(drop=True))
    _layer(nodes, edges)
    _blame(nodes, edges)
    jobs, dependencies = int((nodes["kind"] != "missing").sum()), len(edges)
    nodes, edges, folded = _fold(nodes, edges, layers, per_layer)
    slots = _order(nodes, edges)
    return Graph(nodes, edges, jobs, dependencies, folded, slots)


# --- nodes and edges ---------------------------------------------------------------------------


def _nodes_and_edges(df: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    ids = df["jobId"].astype(str).tolist()
    parents = is_parent(df).tolist()
    array_ids = {i for i, p in zip(ids, parents) if p}
    children = (is_child(df) & df["jobId"].astype(str).str.contains(":")).tolist()
    # a child is folded into its parent when the parent is drawn; else it is a node of its own
    folded = [c and parent_id(i) in array_ids for i, c in zip(ids, children)]
    created, started, stopped = (epoch_ms(column(df, c).astype("datetime64[ms, UTC]"))
                                 for c in ("createdAt", "startedAt", "stoppedAt"))
    statuses = column(df, "status").astype(object).tolist()
    reasons = column(df, "statusReason").astype(object).where(lambda s: s.notna(), "").tolist()
    names = column(df, "jobName").astype(object).where(lambda s: s.notna(), "").tolist()
    exits = [None if pd.isna(e) else int(e) for e in column(df, "exitCode").tolist()]
    sizes = column(df, "arrayProperties.size").astype(object).tolist()
    indexes = column(df, "arrayProperties.index").astype(object).tolist()
    summaries = column(df, "arrayProperties.statusSummary").tolist()
    depends_on = column(df, "dependsOn").tolist()

    kids: dict[str, list[str]] = defaultdict(list)  # parent -> its children's statuses in the frame
    rows, position = [], {}
    for i, job_id in enumerate(ids):
        if folded[i]:
            kids[parent_id(job_id)].append(statuses[i])
            continue
        if job_id in position:
            continue  # listed twice
        array, child = parents[i], children[i]
        label = (f"{names[i]} [{int(sizes[i])}]" if array else
                 f"{names[i]}[{int(indexes[i])}]" if child and indexes[i] == indexes[i] else names[i])
        position[job_id] = len(rows)
        rows.append({"node": job_id, "label": label, "kind": "array" if array else "child" if child else "job",
                     "status": statuses[i], "reason": reasons[i], "exit": exits[i],
                     "children": None, "size": int(sizes[i]) if array else 0, "sequential": False,
                     "created": created[i], "start": started[i], "end": stopped[i],
                     "summary": summaries[i] if array else None})
    for row in rows:
        if row["kind"] == "array":
            row["children"] = _counts(kids.get(row["node"], []), row.pop("summary"))
        else:
            row.pop("summary")

    def resolve(job_id: str) -> str:
        """The node a dependency's job is drawn as: itself, its array parent, or a stub."""
        if job_id in position:
            return job_id
        if parent_id(job_id) in position:
            return parent_id(job_id)
        position[job_id] = len(rows)
        rows.append({"node": job_id, "label": "not found", "kind": "missing", "status": "", "reason": "",
                     "exit": None, "children": None, "size": 0, "sequential": False,
                     "created": np.nan, "start": np.nan, "end": np.nan})
        return job_id

    seen: dict[tuple[str, str, str], None] = {}
    for i, job_id in enumerate(ids):
        listed = depends_on[i]
        if not isinstance(listed, (list, tuple)) or not listed:
            continue
        node = parent_id(job_id) if folded[i] else job_id
        for dependency in listed:
            kind = (dependency.get("type") or "STANDARD") if isinstance(dependency, dict) else "STANDARD"
            target = dependency.get("jobId") if isinstance(dependency, dict) else None
            source = resolve(str(target)) if target else node  # SEQUENTIAL with no job: the array's own children
            if source == node:  # within one array: its children run one after another
                rows[position[node]]["sequential"] = True
                continue
            seen[(source, node, kind if kind in KINDS else "STANDARD")] = None
    nodes = pd.DataFrame(rows, columns=["node", "label", "kind", "status", "reason", "exit", "children", "size",
                                        "sequential", "created", "start", "end"])
    edges = pd.DataFrame(list(seen), columns=["source", "target", "kind"]).assign(count=1)
    nodes["depends"] = nodes["node"].map(edges["target"].value_counts()).fillna(0).astype(int)
    return nodes, edges


def _counts(statuses: list[str], summary) -> dict[str, int]:
    """An array's children per status: from the children in the frame, else the parent's statusSummary."""
    if statuses:
        counts = Counter(statuses)
    elif isinstance(summary, dict):
        counts = Counter({s: int(n) for s, n in summary.items() if n})
    else:
        counts = Counter()
    return {s: counts[s] for s in sorted(counts, key=_lifecycle)}


# --- layers and blame --------------------------------------------------------------------------


def _layer(nodes: pd.DataFrame, edges: pd.DataFrame) -> None:
    """Each node's layer: the longest path to it from a job with no dependencies (Kahn's order)."""
    index = {n: i for i, n in enumerate(nodes["node"].tolist())}
    succ: list[list[int]] = [[] for _ in index]
    indegree = [0] * len(index)
    for s, t in zip(edges["source"].tolist(), edges["target"].tolist()):
        succ[index[s]].append(index[t])
        indegree[index[t]] += 1
    layer = [0] * len(index)
    ready = [i for i, d in enumerate(indegree) if d == 0]
    done = 0
    while ready:
        i = ready.pop()
        done += 1
        for j in succ[i]:
            layer[j] = max(layer[j], layer[i] + 1)
            indegree[j] -= 1
            if indegree[j] == 0:
                ready.append(j)
    if done < len(index):  # a cycle (Batch refuses them; a hand-made frame may not): after the rest
        top = max(layer, default=0) + 1
        layer = [top if d else v for v, d in zip(layer, indegree)]
    nodes["layer"] = layer


def _blame(nodes: pd.DataFrame, edges: pd.DataFrame) -> None:
    """A FAILED job that failed of its own is a root cause; one failed because a dependency failed is
    downstream, with the root cause it comes from (followed back through other downstream jobs)."""
    failed = nodes["status"].eq("FAILED").to_numpy()
    downstream = np.array([is_dependency_failure(s, r) for s, r in zip(nodes["status"], nodes["reason"])], bool)
    nodes["role"] = np.select([failed & ~downstream, downstream], ["root", "downstream"], "")
    ids = nodes["node"].tolist()
    role = dict(zip(ids, nodes["role"].tolist()))
    upstream = defaultdict(list)
    for s, t in zip(edges["source"].tolist(), edges["target"].tolist()):
        upstream[t].append(s)
    cause: dict[str, str] = {}
    for node in nodes.sort_values("layer", kind="stable")["node"].tolist():  # dependencies first
        if role[node] == "downstream":
            found = [u if role[u] == "root" else cause.get(u, "") for u in upstream[node]]
            cause[node] = next((c for c in found if c), "")
    labels = dict(zip(ids, nodes["label"].tolist()))
    caused = Counter(cause.values())
    nodes["cause"] = [labels.get(cause.get(n, ""), "") for n in ids]
    nodes["caused"] = [caused.get(n, 0) for n in ids]  # a root's downstream failures


# --- folding -----------------------------------------------------------------------------------


def _fold(nodes: pd.DataFrame, edges: pd.DataFrame, layers: int | None, per_layer: int | None):
    """At most `layers` layers and `per_layer` nodes a layer; the rest as "more" nodes, edges to
    them merged (their count says how many)."""
    into: dict[str, str] = {}  # folded node -> its "more" node
    folded = 0
    top = int(nodes["layer"].max()) + 1 if len(nodes) else 0
    if layers is not None and top > layers:
        # the last layers as they are; the earlier ones as one node at layer 0, but for the jobs that failed
        # of their own there: they stay, at layer 0 beside it (the cause of what is drawn is not hidden)
        cut = top - max(layers, 2) + 1
        early = (nodes["layer"] < cut).to_numpy()
        roots = early & nodes["role"].eq("root").to_numpy()
        parts = [nodes[~early].assign(layer=lambda d: d["layer"] - cut + 1), nodes[roots].assign(layer=0)]
        if (early & ~roots).any():
            more = _more(nodes[early & ~roots], "earlier jobs", 0)
            folded += more.pop("jobs")
            into.update(dict.fromkeys(nodes.loc[early & ~roots, "node"].tolist(), more["node"]))
            parts.append(pd.DataFrame([more]))
        nodes = pd.concat(parts, ignore_index=True)
    if per_layer is not None:
        crowded = nodes[nodes.groupby("layer")["layer"].transform("size") > per_layer]
        if len(crowded):
            degree = Counter(edges["source"].tolist()) + Counter(edges["target"].tolist())
            rank = pd.DataFrame({
                "layer": crowded["layer"], "more": crowded["kind"].ne("more"), "root": crowded["role"].ne("root"),
                "alone": [degree[n] == 0 for n in crowded["node"].tolist()],
                "status": crowded["status"].map(dict(zip(KEEP, range(len(KEEP))))).fillna(len(KEEP)),
                "newest": -crowded["created"].fillna(0)}, index=crowded.index)
            place = rank.sort_values(list(rank.columns), kind="stable").groupby("layer").cumcount()
            extra = []
            for layer, rest in crowded.loc[place[place >= max(per_layer, 2) - 1].index].groupby("layer"):
                extra.append(_more(rest, "more jobs", layer))
                folded += extra[-1].pop("jobs")
                into.update(dict.fromkeys(rest["node"].tolist(), extra[-1]["node"]))
            nodes = pd.concat([nodes[[n not in into for n in nodes["node"].tolist()]], pd.DataFrame(extra)],
                              ignore_index=True)
    if not into:
        return nodes, edges, 0
    nodes["depends"] = nodes["depends"].fillna(0).astype(int)
    into = {n: into.get(more, more) for n, more in into.items()}  # an "earlier jobs" node folded again
    merged = edges.assign(source=[into.get(n, n) for n in edges["source"].tolist()],
                          target=[into.get(n, n) for n in edges["target"].tolist()])
    layer = dict(zip(nodes["node"].tolist(), nodes["layer"].tolist()))
    merged = merged[[layer[a] < layer[b] for a, b in zip(merged["source"], merged["target"])]]  # within a fold: gone
    merged = merged.groupby(["source", "target", "kind"], as_index=False, sort=False)["count"].sum()
    return nodes.reset_index(drop=True), merged, folded


def _more(members: pd.DataFrame, what: str, layer: int) -> dict:
    """One node standing for `members`: how many, and how many in each status."""
    jobs = members[members["kind"] != "missing"]
    counts = Counter(jobs["status"].tolist())
    counts = {s: counts[s] for s in sorted(counts, key=_lifecycle)}
    key = f"({len(members):,} {what}, layer {layer})"
    return {"node": key, "label": f"{len(members):,} {what}", "kind": "more", "status": "", "role": "",
            "reason": "", "exit": None, "children": counts, "size": 0, "sequential": False, "cause": "", "caused": 0,
            "created": members["created"].min(), "last": members["created"].max(), "start": members["start"].min(),
            "end": members["end"].max(),
            "depends": 0, "layer": layer, "jobs": len(jobs)}


# --- order within layers -----------------------------------------------------------------------


def _order(nodes: pd.DataFrame, edges: pd.DataFrame) -> int:
    """Each node's slot in its layer (nodes["slot"], centred on 0) and each edge's path through
    the layers it crosses (edges["path"]); returns the most slots in a layer."""
    layer = dict(zip(nodes["node"], nodes["layer"]))
    slots: dict[int, list] = defaultdict(list)
    # first guess: oldest first, jobs with dependencies before those alone
    linked = set(edges["source"].tolist()) | set(edges["target"].tolist())
    for node in nodes.assign(alone=[n not in linked for n in nodes["node"].tolist()]).sort_values(
            ["alone", "created"], kind="stable")["node"]:
        slots[layer[node]].append(node)
    up, down = defaultdict(list), defaultdict(list)  # neighbours in the layer before / after
    chains = []
    for k, (s, t) in enumerate(zip(edges["source"], edges["target"])):
        chain = [s]
        for between in range(layer[s] + 1, layer[t]):  # a dummy per layer crossed
            dummy = ("dummy", k, between)
            slots[between].append(dummy)
            chain.append(dummy)
        chain.append(t)
        for a, b in zip(chain, chain[1:]):
            down[a].append(b)
            up[b].append(a)
        chains.append(chain)
    order = [slots[i] for i in range(max(slots, default=-1) + 1)]
    place = {v: i for members in order for i, v in enumerate(members)}
    best, fewest = [list(m) for m in order], _crossings(order, place, down)
    for sweep in range(SWEEPS):
        downward = sweep % 2 == 0
        for i in (range(1, len(order)) if downward else range(len(order) - 2, -1, -1)):
            near = up if downward else down
            keyed = [(np.mean([place[u] for u in near[v]]) if near[v] else place[v], place[v], v)
                     for v in order[i]]
            order[i] = [v for _, _, v in sorted(keyed, key=lambda x: (x[0], x[1]))]
            place.update({v: j for j, v in enumerate(order[i])})
        _transpose(order, place, up, down)
        crossings = _crossings(order, place, down)
        if crossings < fewest:  # a sweep may undo what the one before it won: keep the best seen
            best, fewest = [list(m) for m in order], crossings
    order = best
    y = _places(order, up, down)
    nodes["slot"] = [y[n] for n in nodes["node"].tolist()]
    edges["path"] = [[(layer[c] if not isinstance(c, tuple) else c[2], y[c]) for c in chain] for chain in chains]
    return int(np.ceil(max(y.values(), default=0))) + 1


def _transpose(order: list[list], place: dict, up: dict, down: dict, rounds: int = 4) -> None:
    """Swap neighbours in a layer while that uncrosses edges (the sweeps leave ties as they were)."""
    def crossed(u, v) -> int:  # edges of u crossing edges of v, u drawn above v
        return sum(place[a] > place[b] for near in (up, down) for a in near[u] for b in near[v])

    for _ in range(rounds):
        improved = False
        for members in order:
            for j in range(len(members) - 1):
                u, v = members[j], members[j + 1]
                if crossed(v, u) < crossed(u, v):
                    members[j], members[j + 1] = v, u
                    place[u], place[v] = j + 1, j
                    improved = True
        if not improved:
            return


def _crossings(order: list[list], place: dict, down: dict) -> int:
    """How many pairs of edges cross between neighbouring layers."""
    total = 0
    for members in order[:-1]:
        pairs = np.array([(place[a], place[b]) for a in members for b in down[a]], dtype=float).reshape(-1, 2)
        if len(pairs) > 1:
            da = np.sign(pairs[:, None, 0] - pairs[None, :, 0])
            db = np.sign(pairs[:, None, 1] - pairs[None, :, 1])
            total += int((da * db < 0).sum()) // 2
    return total


def _places(order: list[list], up: dict, down: dict) -> dict:
    """Where each slot is drawn down its layer, in the order given, at least 1 apart: as near as can be to
    the mean of its neighbours' (before, after, before again), so a chain runs straight and a job sits
    level with what it depends on.  Each layer is an isotonic fit (pool adjacent violators)."""
    y = {v: float(j) for j, v in enumerate(order[0])} if order else {}
    passes = ((range(1, len(order)), up), (range(len(order) - 2, -1, -1), down), (range(1, len(order)), up))
    for layers, near in passes:
        for i in layers:
            wanted = [np.mean([y[u] for u in near[v]]) if near[v] and all(u in y for u in near[v])
                      else y.get(v, 0.0) for v in order[i]]
            blocks: list[list[float]] = []  # each: the wanted tops of a run of slots pushed together
            for j, w in enumerate(wanted):
                blocks.append([w - j])
                while len(blocks) > 1 and np.mean(blocks[-2]) >= np.mean(blocks[-1]):
                    blocks[-2:] = [blocks[-2] + blocks[-1]]
            tops = [np.mean(b) for b in blocks for _ in b]  # slot j sits at top + j
            y.update({v: top + j for j, (v, top) in enumerate(zip(order[i], tops))})
    low = min(y.values(), default=0.0)
    return {v: p - low for v, p in y.items()}
