"""The dependency graph (batchkit.insight.graph, graph_chart; `b.graph`, `%batch graph`) on the local
backend's manual clock: real pipelines submitted with dependsOn (plain, N_TO_N, SEQUENTIAL), a failure
and the jobs failed because of it; the layout's properties; large graphs folded."""

import itertools

import numpy as np
import pandas as pd
import pytest
from IPython.core.error import UsageError

import batchkit
from batchkit.insight import charts, graph, graph_chart
from tests.shells import batch_shell

OOM = "Out of memory loading the model"


@pytest.fixture(scope="module")
def local():
    with batchkit.local(seed="demo", clock="manual", launch_seconds=0, pull_seconds=0) as lb:
        yield lb


def submit(b, name, depends=(), size=None, queue="HighPriority"):
    request = {"jobName": name, "jobQueue": queue, "jobDefinition": "sleep"}
    if depends:
        request["dependsOn"] = list(depends)
    if size:
        request["arrayProperties"] = {"size": size}
    return b.submit_job(**request).loc[0, "jobId"]


@pytest.fixture
def pipeline(local):
    """prep fails (exit 2); train waits on prep and post, evaluate on train, publish on evaluate and shard:
    those three fail because prep did.  shard [50] -> post [50] N_TO_N; seq [3] SEQUENTIAL."""
    local.reset()
    b = local.batch
    local.set_outcome("prep", exit_code=2, duration=30, reason=OOM)
    local.set_outcome("shard", duration=60)
    ids = {"shard": submit(b, "shard", size=50)}
    ids["post"] = submit(b, "post", [{"jobId": ids["shard"], "type": "N_TO_N"}], size=50)
    ids["seq"] = submit(b, "seq", [{"type": "SEQUENTIAL"}], size=3)
    ids["prep"] = submit(b, "prep")
    ids["train"] = submit(b, "train", [{"jobId": ids["prep"]}, {"jobId": ids["post"]}])
    ids["evaluate"] = submit(b, "evaluate", [{"jobId": ids["train"]}])
    ids["publish"] = submit(b, "publish", [{"jobId": ids["evaluate"]}, {"jobId": ids["shard"]}])
    local.run_until_idle()
    return ids


DEPENDENCIES = {("shard", "post"), ("prep", "train"), ("post", "train"), ("train", "evaluate"),
                ("evaluate", "publish"), ("shard", "publish")}


def names(fig) -> list[str]:
    """Each box's full name, as its hover says it."""
    (labels,) = [t for t in fig.data if t.meta == "labels"]
    return [row[0] for row in labels.customdata]


def edges(fig) -> dict[str, list]:
    """dependsOn type -> [(source id, target id)] as the figure draws them."""
    return {t.meta["kind"]: [tuple(e) for e in t.meta["edges"]] for t in fig.data if isinstance(t.meta, dict)}


def segments(trace) -> int:
    """How many lines (or polygons) a trace draws: runs of points between gaps."""
    gaps = [x is None or x != x for x in trace.x]
    return sum(1 for gap, group in itertools.groupby(gaps) if not gap)


def test_every_job_is_named_with_an_edge_per_dependency(local, pipeline):
    b = local.batch
    listed = b.jobs()  # a listing: no dependsOn in it, so the graph describes the jobs
    fig = b.graph(listed)
    assert isinstance(fig, batchkit.insight.charts._go().Figure)
    shown = names(fig)
    assert sorted(shown) == sorted(["nightly-etl", "warmup", "train-baseline", "shard [50]", "post [50]", "seq [3]",
                                    "prep", "train", "evaluate", "publish"])
    assert sorted(name.split(" [")[0] for name in shown) == sorted(listed["jobName"])  # every job listed
    by_id = {v: k for k, v in pipeline.items()}
    drawn = [(by_id[s], by_id[t]) for pairs in edges(fig).values() for s, t in pairs]
    assert sorted(drawn) == sorted(DEPENDENCIES)  # one edge per dependency, none per array child
    lines = {t.meta["kind"]: t for t in fig.data if isinstance(t.meta, dict)}
    assert {kind: segments(t) for kind, t in lines.items()} == {"STANDARD": 5, "N_TO_N": 1}
    (labels,) = [t for t in fig.data if t.meta == "labels"]
    assert all(name.split(" [")[0] in text for name, text in zip(shown, labels.text))  # the names in the boxes
    assert "10 jobs · 6 dependencies · 3 arrays" in fig.layout.title.text


def test_layers_run_left_to_right_in_dependency_order(local, pipeline):
    df = local.batch.jobs(detail=True)
    g = graph.graph(df)
    layer = dict(zip(g.nodes["label"].str.split(" ").str[0], g.nodes["layer"]))
    for source, target in DEPENDENCIES:
        assert layer[target] > layer[source]
    # the longest path from a job with no dependencies: shard 0, post 1, train 2, evaluate 3, publish 4
    assert [layer[n] for n in ("shard", "prep", "post", "train", "evaluate", "publish")] == [0, 0, 1, 2, 3, 4]
    assert layer["seq"] == layer["nightly-etl"] == 0
    fig = graph_chart.draw(g)
    for trace in (t for t in fig.data if isinstance(t.meta, dict)):  # every edge drawn rightwards
        xs = [x for x in trace.x if x is not None]
        runs = [list(group) for gap, group in itertools.groupby(trace.x, key=lambda x: x is None) if not gap]
        assert xs and all(run == sorted(run) for run in runs)


def test_the_order_within_layers_avoids_crossings(local):
    """a1 is older than b1 and x2 older than y2, but x2 depends on b1 and y2 on a1: the sweep swaps them."""
    local.reset()
    b = local.batch
    a1, b1 = submit(b, "a1"), submit(b, "b1")
    submit(b, "x2", [{"jobId": b1}])
    submit(b, "y2", [{"jobId": a1}])
    g = graph.graph(b.jobs(detail=True, queue="HighPriority", status="ALL").pipe(
        lambda d: d[d["jobName"].isin(["a1", "b1", "x2", "y2"])]))
    slot = dict(zip(g.nodes["label"], g.nodes["slot"]))
    assert (slot["a1"] < slot["b1"]) == (slot["y2"] < slot["x2"])  # no crossing


def test_arrays_fold_with_their_progress_mid_run(local):
    local.reset()
    b = local.batch
    local.set_outcome("shard", duration=60)
    local.set_outcome("late", duration=60, exit_code=1, index=[49])  # only the last child fails
    shard = submit(b, "shard", size=20)
    submit(b, "late", [{"jobId": shard}], size=50)
    local.advance(100)  # shard's 20 children (8 vCPUs free at a time?) part done
    with_children = b.jobs(detail=True, children=True)
    g = graph.graph(with_children)
    assert not g.nodes["node"].str.contains(":").any()  # no child is a node of its own
    row = g.nodes.set_index("label").loc["shard [20]"]
    statuses = with_children[with_children["jobId"].str.startswith(shard + ":")]["status"].value_counts().to_dict()
    assert row["children"] == {s: statuses[s] for s in row["children"]} and sum(row["children"].values()) == 20
    (labels,) = [t for t in graph_chart.draw(g).data if t.meta == "labels"]
    text = dict(zip([r[0] for r in labels.customdata], labels.text))
    assert f"{statuses.get('SUCCEEDED', 0)}/20 done" in text["shard [20]"]
    # the parents alone (no children in the frame) say the same, from their statusSummary
    alone = graph.graph(b.jobs(detail=True)).nodes.set_index("label")
    assert alone.loc["shard [20]", "children"] == row["children"]
    local.run_until_idle()
    done = graph.graph(b.jobs(detail=True)).nodes.set_index("label")
    assert done.loc["late [50]", "children"] == {"SUCCEEDED": 49, "FAILED": 1}
    assert "49/50 done · 1 failed" in graph_chart._box_text({**done.loc["late [50]"].to_dict(), "label": "late [50]"})


def test_n_to_n_and_sequential_are_drawn_as_such(local, pipeline):
    fig = local.batch.graph()
    kinds = edges(fig)
    assert kinds["N_TO_N"] == [(pipeline["shard"], pipeline["post"])]  # one edge, not 50
    assert any(a.text == "N to N" for a in fig.layout.annotations)
    (n_to_n,) = [t for t in fig.data if isinstance(t.meta, dict) and t.meta["kind"] == "N_TO_N"]
    (plain,) = [t for t in fig.data if isinstance(t.meta, dict) and t.meta["kind"] == "STANDARD"]
    assert n_to_n.line.dash == "dash" and plain.line.dash is None and n_to_n.name.startswith("N to N")
    (loop,) = [t for t in fig.data if t.meta == "loop"]
    assert segments(loop) == 1 and loop.name.startswith("sequential")  # seq's children one after another
    g = graph.graph(local.batch.jobs(detail=True, children=True))
    assert g.nodes.set_index("label").loc["seq [3]", "sequential"]
    assert not g.nodes["sequential"].drop(g.nodes.index[g.nodes["label"] == "seq [3]"]).any()


def test_the_failure_that_caused_the_rest_stands_out(local, pipeline):
    fig = local.batch.graph()
    g = graph.graph(local.batch.jobs(detail=True))
    role = dict(zip(g.nodes["label"], g.nodes["role"]))
    assert role["prep"] == "root"
    assert [role[n] for n in ("train", "evaluate", "publish")] == ["downstream"] * 3
    cause = dict(zip(g.nodes["label"], g.nodes["cause"]))
    assert cause["publish"] == cause["evaluate"] == cause["train"] == "prep"  # followed back through train
    assert [a.text for a in fig.layout.annotations if "caused" in a.text] == ["<b>✖ caused 3 failures</b>"]
    boxes = {t.name: t for t in fig.data if t.meta == "box"}
    root, downstream = boxes["FAILED: the cause"], boxes["FAILED: a dependency failed"]
    assert segments(root) == 1 and segments(downstream) == 3
    assert root.line.width >= 3 and root.line.color == graph_chart.ROOT_LINE  # a heavy outline
    assert downstream.fillpattern.shape == "/" and downstream.fillcolor != root.fillcolor  # hatched, pale
    hover = dict(zip(names(fig), charts.hover_texts([t for t in fig.data if t.meta == "labels"][0])))
    assert OOM in hover["prep"] and "exit 2" in hover["prep"] and "failed of its own" in hover["prep"]
    assert "Dependent Job failed · the cause: prep failed" in hover["publish"]
    assert "started (never)" in hover["publish"] and "depends on 2 jobs" in hover["publish"]
    assert "black outline: failed of its own · hatched: failed because a dependency failed" in fig.layout.title.text


def test_a_cancelled_job_is_the_cause_of_its_dependents_failure(local):
    local.reset()
    b = local.batch
    first = submit(b, "first", queue="Backfill")
    submit(b, "second", [{"jobId": first}], queue="Backfill")
    b.cancel([first], reason="not needed")
    local.advance(5)
    fig = b.graph()
    hover = dict(zip(names(fig), charts.hover_texts([t for t in fig.data if t.meta == "labels"][0])))
    assert "not needed · failed of its own" in hover["first"] and "exit" not in hover["first"]  # no exit code
    assert "the cause: first failed" in hover["second"]
    assert [a.text for a in fig.layout.annotations] == ["<b>✖ caused 1 failure</b>"]


def test_dependencies_outside_the_frame_are_fetched_or_stubbed(local, pipeline):
    b = local.batch
    calls = []
    b.client.meta.events.register("before-call.batch.DescribeJobs", lambda **kw: calls.append(kw["params"]))
    try:
        fig = b.graph([pipeline["evaluate"]])  # its dependencies' dependencies too, a step at a time
    finally:
        b.client.meta.events.unregister("before-call.batch.DescribeJobs")
    assert sorted(names(fig)) == ["evaluate", "post [50]", "prep", "shard [50]", "train"]
    assert len(calls) == 4  # evaluate; train; prep and post; shard
    frame = b.describe_jobs(jobs=[pipeline["train"]])
    frame.at[0, "dependsOn"] = [{"jobId": "0000-gone"}]  # expired, say: drawn as a stub
    g = graph.graph(frame)
    (stub,) = g.nodes[g.nodes["kind"] == "missing"].to_dict("records")
    assert stub["node"] == "0000-gone" and g.jobs == 1 and len(g.edges) == 1
    assert "not found" in graph_chart._box_text(stub)


def test_through_an_endpoint_as_on_aws(pipeline, local):
    served = batchkit.local(seed="demo", clock="manual", launch_seconds=0, pull_seconds=0, server=True)
    with served as lb:
        lb.set_outcome("prep", exit_code=2, duration=30)
        b = batchkit.connect(region="us-east-1", endpoint_url=lb.endpoint_url)
        prep = submit(b, "prep")
        submit(b, "train", [{"jobId": prep}])
        lb.run_until_idle()
        fig = b.graph()
    assert {"prep", "train"} <= set(names(fig))
    assert list(edges(fig)) == ["STANDARD"] and len(edges(fig)["STANDARD"]) == 1


def wide_and_deep(chains=40, depth=30, fan=300) -> pd.DataFrame:
    """A frame of 40 chains of 30 jobs (the first link of each failed) and 300 jobs alone."""
    rows = []
    start = pd.Timestamp("2026-01-01", tz="UTC")
    for c in range(chains):
        for d in range(depth):
            failed = d == 0 and c % 10 == 0
            rows.append({"jobId": f"c{c}-{d}", "jobName": f"chain{c}-step{d}",
                         "status": "FAILED" if failed or (c % 10 == 0) else "SUCCEEDED",
                         "statusReason": "Essential container in task exited" if failed else
                         "Dependent Job failed" if c % 10 == 0 else "",
                         "createdAt": start + pd.Timedelta(seconds=c * depth + d),
                         "dependsOn": [{"jobId": f"c{c}-{d - 1}"}] if d else []})
    for i in range(fan):
        rows.append({"jobId": f"alone-{i}", "jobName": f"alone-{i}", "status": "SUCCEEDED", "statusReason": "",
                     "createdAt": start + pd.Timedelta(seconds=i), "dependsOn": []})
    return pd.DataFrame(rows)


def test_a_large_graph_is_folded_into_labelled_nodes():
    df = wide_and_deep()
    g = graph.graph(df)
    assert g.jobs == len(df) and g.dependencies == 40 * 29
    assert g.nodes["layer"].max() + 1 <= graph.LAYERS
    assert g.nodes.groupby("layer").size().max() <= graph.PER_LAYER
    more = g.nodes[g.nodes["kind"] == "more"]
    drawn = int((g.nodes["kind"] != "more").sum())
    assert drawn + g.folded == len(df) and sum(sum(c.values()) for c in more["children"]) == g.folded
    assert (more["label"].str.endswith("more jobs") | more["label"].str.endswith("earlier jobs")).all()
    kept = set(g.nodes.loc[g.nodes["kind"] != "more", "node"])
    assert any(n.startswith("c0-1") for n in kept)  # the failed chains kept before the ones that succeeded
    assert {"c0-0", "c10-0", "c20-0", "c30-0"} <= kept  # their causes too, from the layers folded as "earlier"
    assert (g.nodes.set_index("node").loc[["c0-0", "c10-0"], "layer"] == 0).all()
    assert not any(n.startswith("alone-") for n in kept)  # jobs alone fold first
    fig = graph_chart.draw(g)
    assert f"{g.folded:,} jobs in grey boxes" in fig.layout.title.text
    (folded,) = [t for t in fig.data if t.meta == "folded"]
    hover = charts.hover_texts(folded)
    assert len(hover) == len(more) and all(", in one box: " in h and " to " in h for h in hover)
    assert not set(names(fig)) & set(more["label"])  # the jobs' own boxes are named; folded ones say how many
    every = graph.graph(df, layers=None, per_layer=None)  # no folding: every job its own box
    assert len(every.nodes) == len(df) and every.nodes["layer"].max() == 29


def test_the_report_draws_the_graph_when_jobs_depend_on_others(local, pipeline, tmp_path):
    page = local.batch.report(tmp_path / "run.html").path.read_text()
    assert "<h2>Dependencies</h2>" in page and "Dependency graph" in page
    local.reset()
    page = local.batch.report(tmp_path / "plain.html").path.read_text()
    assert "<h2>Dependencies</h2>" not in page


def test_bad_input_is_one_clear_line(local):
    with pytest.raises(ValueError, match="^no jobs to draw"):
        local.batch.graph([])
    with pytest.raises(TypeError, match="^jobs holds 5 \\(int\\)"):
        local.batch.graph(5)
    with pytest.raises(LookupError, match="^no job found with id not-a-job$"):
        local.batch.graph(["not-a-job"])
    with batchkit.local(seed="empty", clock="manual") as empty:  # nothing to draw is said, not raised
        assert "0 jobs · 0 dependencies" in empty.batch.graph().layout.title.text


def test_the_magic(pipeline, local, capsys):
    with batch_shell("local --clock manual") as ip:
        magics = ip.magics_manager.registry["BatchMagics"]
        magics.b  # connects: the local backend starts on first use
        lb = magics._local
        lb.set_outcome("prep", exit_code=2, duration=30)
        ip.user_ns["prep"] = ip.run_line_magic("batch", "submit prep HighPriority sleep")
        ip.run_line_magic("batch", "submit train HighPriority sleep --depends-on {prep.jobId[0]} -o train")
        lb.run_until_idle()
        fig = ip.run_line_magic("batch", "graph")
        assert {"prep", "train", "nightly-etl"} <= set(names(fig))
        assert ip.run_line_magic("batch", "graph train -o g") is None  # kept, not shown
        assert sorted(names(ip.user_ns["g"])) == ["prep", "train"]
        ip.run_line_magic("batch", "--help")
        assert "  graph " in capsys.readouterr().out
        for line, words in (("graph --since someday", "cannot read since"), ("graph --bogus", "no option --bogus"),
                            ("graph nothing_here", "nothing_here")):
            with pytest.raises(UsageError) as caught:
                ip.run_line_magic("batch", line)
            assert "\n" not in str(caught.value) and words in str(caught.value), str(caught.value)
