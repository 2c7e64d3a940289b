"""The notebook face in a real browser: JupyterLab on 127.0.0.1, the system's headless Chromium, Playwright.

The jobs view, two cards and the monitor with an array in progress, a failed job's card with its
why opened to the findings; a click on a monitor row selects the job; the console's All actions form for SubmitJob, filled
in and run; `%batch why` of a GPU job waiting for its instance and of a job on a fair-share queue.  Skipped where Chromium, JupyterLab or Playwright is missing
(`.ci/run` installs them).  Screenshots are kept in `test-artifacts/`.
"""

import contextlib
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run", "--disable-sync"]
ARTIFACTS = Path(__file__).parent.parent / "test-artifacts"

pytestmark = [
    pytest.mark.skipif(CHROMIUM is None, reason="no chromium on this machine"),
    pytest.mark.skipif(not shutil.which("jupyter-lab", path=os.path.dirname(sys.executable)), reason="no JupyterLab"),
]

NOTEBOOK_CELLS = [
    "%load_ext batchkit\n"
    "%batch use local --clock manual\n"
    "%batch update-compute-environment --compute-environment spot-ce --state DISABLED\n"
    "%batch local outcome shards --duration 60 --logs 'loading shard' 'shard done'\n"
    "%batch local outcome broken --exit-code 2 --duration 75 --reason 'Out of memory loading the model' "
    "--logs 'loading model' 'CUDA out of memory'\n"
    "%batch local outcome crash --exit-code 2 --duration 5 --logs 'loading shard 7' 'shard 7 missing in s3://data'\n"
    "%batch submit broken HighPriority train --retries 2 -o broken\n"
    "%batch submit crash HighPriority sleep -o crash\n"
    "%batch submit shards HighPriority sleep --array 50 --vcpus 8 -o shards\n"
    "%batch submit report HighPriority sleep --depends-on {shards.jobId[0]} -o report\n"
    "%batch submit stuck-job Backfill sleep -o stuck\n"  # spot-ce is disabled: it stays RUNNABLE
    "%batch local advance 200s",
    "%batch jobs",
    "%batch job {broken.jobId[0]}",
    "%batch job {report.jobId[0]}",
    "%batch monitor --interval 1",
    "%batch timeline",
    "%batch report -o run.html --since 24h",
    "%batch job {crash.jobId[0]}",  # FAILED: its why line opens to the findings
    "%batch jobs --detail -o jobs\njobs[['jobName', 'queue', 'status', 'startedAt', 'stoppedAt', 'duration']]",
]
CHOSEN = ["jobName", "queue", "status", "startedAt", "stoppedAt", "duration"]
CONSOLE_CELLS = [  # a notebook of its own: a console replaces the monitor above (one refreshing panel at a time)
    "%load_ext batchkit\n%batch use local --clock manual",
    "%batch console --interval 0",
]
WHY_CELLS = [  # the demo seed: a GPU job while gpu-ce launches an instance; a research job behind analytics' share
    "%load_ext batchkit\n"
    "%batch use local --clock manual\n"
    "%batch local outcome 'nightly-*' --duration 1h\n"
    "for i in range(10):  # analytics fills ondemand-ce (64 vCPUs) and keeps a backlog\n"
    "    %batch submit-job --job-name nightly-{i} --job-queue FairShare --job-definition train --share-identifier analytics\n"
    "%batch local advance 5m\n"
    "%batch submit-job --job-name study --job-queue FairShare --job-definition train --share-identifier research -o study\n"
    "%batch submit train-resnet GPU train-gpu -o train\n"
    "%batch local advance 40s",
    "%batch why {train.jobId[0]}",
    "%batch why {study.jobId[0]}",
]
VIEWS = {1: "jobs-view.png", 2: "card.png", 3: "card-dependencies.png", 8: "jobs-chosen.png"}  # cell -> screenshot


def free_port() -> int:
    """Any free port, or the first free one of BATCHKIT_TEST_PORTS ("18400-18499") where ports are shared."""
    first, _, last = os.environ.get("BATCHKIT_TEST_PORTS", "0-0").partition("-")
    for port in range(int(first), int(last) + 1):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return s.getsockname()[1]
    raise OSError(f"no free port in {first}-{last}")


def write_notebook(path: Path, cells: list[str]) -> None:
    """A notebook of these code cells for the python3 kernel."""
    import nbformat

    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in cells]
    nbformat.write(notebook, path)


@pytest.fixture
def lab(tmp_path):
    """JupyterLab serving tmp_path on a loopback port; (base URL, token).  A test may write notebooks of its
    own there (`write_notebook`) beside this module's."""
    for name, cells in (("monitor.ipynb", NOTEBOOK_CELLS), ("console.ipynb", CONSOLE_CELLS), ("why.ipynb", WHY_CELLS)):
        write_notebook(tmp_path / name, cells)
    port, token = free_port(), secrets.token_hex(16)
    server = subprocess.Popen(
        [os.path.join(os.path.dirname(sys.executable), "jupyter-lab"), "--no-browser", "--ip=127.0.0.1",
         f"--port={port}", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={tmp_path}", "--allow-root",
         "--ServerApp.open_browser=False", "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=tmp_path)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2) as answer:
                    json.load(answer)
                break
            except OSError:
                assert time.monotonic() < deadline, "JupyterLab did not start"
                time.sleep(0.5)
        yield base, token
    finally:
        server.terminate()
        server.wait(timeout=30)


def run_all(page, url):
    """Open a notebook in JupyterLab and run all its cells."""
    from playwright.sync_api import expect

    page.goto(url)
    expect(page.get_by_text(re.compile(r"\| Idle$"))).to_be_visible(timeout=60_000)  # the kernel is up
    page.locator(".jp-Notebook .jp-Cell").first.click()  # focus the notebook, or Run is greyed out
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name=re.compile(r"^Run All( Cells)?$")).click()
    news = page.get_by_role("button", name="No", exact=True)
    if news.count():  # JupyterLab asks about its news feed: not in the screenshots
        news.first.click()


@contextlib.contextmanager
def chromium(failed: str):
    """Headless Chromium driven by Playwright, closed afterwards; when the test fails, each page it has open
    is kept as a screenshot, `failed`-N.png in ARTIFACTS."""
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            yield browser
        except Exception:
            for index, shown in enumerate(p for context in browser.contexts for p in context.pages):
                shown.screenshot(path=str(ARTIFACTS / f"{failed}-{index}.png"), full_page=True)
            raise
        finally:
            browser.close()


def assert_not_cut(element) -> None:
    """The element's text fits in it (nothing hidden behind an ellipsis)."""
    assert element.evaluate("e => e.scrollWidth <= e.clientWidth"), element.inner_text()


def overlaps(a: dict, b: dict) -> bool:
    return a["x"] < b["x"] + b["width"] and b["x"] < a["x"] + a["width"] and \
        a["y"] < b["y"] + b["height"] and b["y"] < a["y"] + a["height"]


def assert_titles_clear_of_the_modebar(plot) -> None:
    """Hovered, plotly shows its toolbar (modebar) top right: the title and subtitle (its second line) stay
    clear of it."""
    plot.hover(position={"x": 200, "y": 150})
    modebar = plot.locator(".modebar").first
    expect_visible(modebar)
    bar = modebar.bounding_box()
    for text in plot.locator(".infolayer .gtitle").all():
        assert not overlaps(bar, text.bounding_box()), text.text_content()


def expect_visible(locator) -> None:
    from playwright.sync_api import expect

    expect(locator).to_be_visible(timeout=30_000)


def look_at_console_tabs(console) -> None:
    """The console's tabs as a person sees them: the Jobs tab's timeline with its toolbar showing, the
    Submit form's labels whole, the resource tables with their cell padding."""
    from playwright.sync_api import expect

    output = console.locator(".jp-OutputArea-output").first
    console.get_by_role("tab", name="Jobs").click()
    plot = console.locator(".js-plotly-plot").first
    expect(plot.locator("g.trace.bars").first).to_be_attached(timeout=30_000)
    plot.scroll_into_view_if_needed()
    assert_titles_clear_of_the_modebar(plot)
    output.screenshot(path=str(ARTIFACTS / "console-jobs.png"))
    console.get_by_role("tab", name="Submit").click()
    labels = console.locator(".widget-label:visible")
    expect(labels.filter(has_text="memory MiB")).to_be_visible()
    for label in labels.all():
        assert_not_cut(label)
    output.screenshot(path=str(ARTIFACTS / "console-submit.png"))
    for tab in ("Queues", "Environments", "Definitions"):
        console.get_by_role("tab", name=tab).click()
        cell = console.locator("table.batchkit:visible td").first
        expect(cell).to_be_visible()
        assert cell.evaluate("e => parseFloat(getComputedStyle(e).paddingRight)") >= 6  # not glued together
        output.screenshot(path=str(ARTIFACTS / f"console-{tab.lower()}.png"))


def test_views_card_monitor_timeline_and_report_in_a_real_browser(lab, tmp_path):
    from playwright.sync_api import expect

    base, token = lab
    with chromium("failed") as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        try:
            run_all(page, f"{base}/lab/tree/monitor.ipynb?token={token}")
            rows = page.locator(".batchkit-table tr", has_text="stuck-job")
            expect(rows.first).to_contain_text("RUNNABLE", timeout=90_000)
            cells = page.locator(".jp-Notebook .jp-Cell")
            for index, name in VIEWS.items():
                output = cells.nth(index).locator(".jp-OutputArea-output")
                expect(output.first).to_be_visible()
                output.first.screenshot(path=str(ARTIFACTS / name))
            jobs = cells.nth(1).locator(".jp-OutputArea-output").first
            expect(jobs).to_contain_text("shards")
            expect(jobs.locator("tr", has_text="shards")).to_contain_text(re.compile(r"\d+/50 done · \d+ running"))
            chosen = cells.nth(8).locator(".jp-OutputArea-output").first  # df[[...]]: exactly those, in order
            assert [h.strip() for h in chosen.locator("thead th").all_inner_texts()] == CHOSEN
            expect(chosen).to_contain_text("running ")  # the broken job, still running
            for clutter in ("NaT", "<NA>", "0 days", "+00:00"):
                expect(chosen).not_to_contain_text(clutter)
            assert len(jobs.locator("thead th").all()) <= 12
            for clutter in ("NaT", "<NA>", "0 days", "+00:00"):
                expect(jobs).not_to_contain_text(clutter)
            expect(cells.nth(2)).to_contain_text("CUDA out of memory")  # the card's log tail
            monitor = cells.nth(4)
            expect(monitor.locator(".batchkit-table")).to_contain_text("/50 done")  # the array in progress
            monitor.scroll_into_view_if_needed()
            monitor.screenshot(path=str(ARTIFACTS / "monitor-array.png"))
            rows.first.click()  # a click on the row selects the job: its card follows
            expect(monitor.locator(".batchkit-selected")).to_contain_text("stuck-job")
            expect(monitor.locator(".batchkit-card")).to_contain_text("stuck-job")
            page.get_by_role("button", name="Cancel job").click()
            page.get_by_role("button", name="Yes, cancel it").click()
            expect(rows.first).to_contain_text("FAILED", timeout=30_000)
            expect(monitor.locator(".batchkit-card")).to_contain_text("FAILED", timeout=30_000)
            expect(page.get_by_role("button", name="Cancel job")).to_be_disabled()  # a finished job
            monitor.locator("select").nth(1).select_option("STARTING")  # a status no job has (manual clock)
            expect(monitor.locator(".batchkit-card")).to_have_count(0)  # the selected job filtered out: no card
            expect(monitor.locator("g.trace.bars")).to_have_count(0)  # and no chart of nothing
            expect(monitor).to_contain_text("no job matches status STARTING")
            monitor.screenshot(path=str(ARTIFACTS / "monitor-filtered.png"))
            monitor.locator("select").nth(1).select_option("(all)")
            cells.nth(5).scroll_into_view_if_needed()  # JupyterLab renders the cells in view only
            timeline = cells.nth(5).locator(".jp-OutputArea-output.js-plotly-plot")  # plotly's JupyterLab renderer
            expect(timeline).to_be_visible(timeout=30_000)
            expect(timeline.locator("g.trace.bars").first).to_be_attached()  # it drew the bars
            expect(timeline).to_contain_text("shards [50]")
            timeline.screenshot(path=str(ARTIFACTS / "timeline.png"))
            cells.nth(6).scroll_into_view_if_needed()
            expect(cells.nth(6)).to_contain_text("run.html:", timeout=30_000)
            cells.nth(7).scroll_into_view_if_needed()
            card = cells.nth(7).locator(".jp-OutputArea-output").first
            expect(card).to_contain_text("FAILED: exit 2", timeout=30_000)
            expect(card.locator(".batchkit-findings")).to_be_hidden()  # the why line, closed
            card.locator("details.batchkit-why > summary").click()  # opens to every finding
            findings = card.locator(".batchkit-findings")
            expect(findings).to_be_visible()
            expect(findings).to_contain_text("shard 7 missing")  # the attempt's last log lines
            card.screenshot(path=str(ARTIFACTS / "card-why.png"))
            report = browser.new_page(viewport={"width": 1300, "height": 900})
            report.route("**/*", lambda route: route.abort() if not route.request.url.startswith("file:")
                         else route.continue_())  # it must open with no network
            report.goto((tmp_path / "run.html").as_uri())
            expect(report.locator(".js-plotly-plot")).to_have_count(4, timeout=30_000)  # report depends on shards[0]:
            expect(report.locator("h2", has_text="Dependencies")).to_be_visible()  # the graph is the fourth
            expect(report.locator("body")).to_contain_text("shards [50]")  # the timeline, drawn offline
            report.screenshot(path=str(ARTIFACTS / "report.png"), full_page=True)
            forms = browser.new_page(viewport={"width": 1400, "height": 1000})
            run_all(forms, f"{base}/lab/workspaces/forms/tree/console.ipynb?token={token}")  # a workspace of its own
            console = forms.locator(".jp-Notebook .jp-Cell").nth(1)
            console.get_by_role("tab", name="All actions").click(timeout=60_000)
            console.locator("select").last.select_option("SubmitJob")  # the action picker
            expect(console.locator("input[placeholder*='HighPriority']")).to_be_visible(timeout=30_000)  # live names
            expect(console.get_by_text("Optional (14)")).to_be_visible()  # the rest, collapsed
            console.locator(".jp-OutputArea-output").first.screenshot(path=str(ARTIFACTS / "console-actions.png"))
            for label, value in (("jobName", "from-browser"), ("jobQueue", "HighPriority"), ("jobDefinition", "sleep:1")):
                console.get_by_label(f"{label} *", exact=True).fill(value)
            console.get_by_role("button", name="Run SubmitJob").click()
            expect(console).to_contain_text("SubmitJob: 1 row(s)", timeout=30_000)
            expect(console).to_contain_text("from-browser")  # the job, shown below the form
            console.locator("select").last.select_option("UpdateJobQueue")
            run = console.get_by_role("button", name="Run UpdateJobQueue")
            expect(run).to_be_visible(timeout=30_000)
            assert_not_cut(run)
            console.locator(".jp-OutputArea-output").first.screenshot(path=str(ARTIFACTS / "console-update.png"))
            look_at_console_tabs(console)
            why = browser.new_page(viewport={"width": 1400, "height": 1000})
            run_all(why, f"{base}/lab/workspaces/why/tree/why.ipynb?token={token}")
            for index, name, words in ((1, "why-capacity.png", ("gpu-ce is launching instances", "desiredvCpus 4")),
                                       (2, "why-fairshare.png", ("share analytics", "weightFactor 2"))):
                cell = why.locator(".jp-Notebook .jp-Cell").nth(index)
                cell.scroll_into_view_if_needed()
                shown = cell.locator(".batchkit-why-view")
                for word in words:
                    expect(shown).to_contain_text(word, timeout=60_000)
                shown.screenshot(path=str(ARTIFACTS / name))
        finally:
            page.screenshot(path=str(ARTIFACTS / "monitor.png"), full_page=True)


def five_thousand_jobs():
    import pandas as pd

    created = pd.Timestamp("2025-10-09 08:00", tz="UTC") + pd.to_timedelta([i * 500 for i in range(5000)], unit="ms")
    return pd.DataFrame({"jobId": [f"id-{i}" for i in range(5000)], "jobName": [f"step-{i}" for i in range(5000)],
                         "status": ["FAILED" if i % 10 == 0 else "SUCCEEDED" for i in range(5000)],
                         "createdAt": created, "startedAt": created + pd.Timedelta(seconds=20),
                         "stoppedAt": created + pd.to_timedelta([20 + (i % 7 + 1) * 60 for i in range(5000)], unit="s"),
                         "statusReason": "Essential container in task exited", "queue": "HighPriority"})


POINT = """(gd, curve) => {  // where a trace's last but one point is drawn, in pixels from the plot's corner
  const trace = gd._fullData[curve], xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
  const i = trace.x.length - 2;
  return [xa._offset + xa.d2p(trace.x[i]), ya._offset + ya.d2p(trace.y[i])];
}"""


def test_the_capacity_chart_and_a_5000_job_timeline_read_at_a_glance(tmp_path):
    """Drawn by plotly.js offline in Chromium (no JupyterLab): the timeline of 5,000 jobs has every row's
    label and the rows before the newest in one labelled band; the capacity chart's vCPU axis is scaled to
    what was used; their titles clear of the toolbar; hovers as a person sees them.  Kept as PNGs."""
    from playwright.sync_api import expect

    import batchkit
    from batchkit.insight import charts, spans

    with batchkit.local(seed="demo", clock="manual", launch_seconds=0, pull_seconds=0) as lb:
        b = lb.batch
        lb.set_outcome("shards", duration=600)
        lb.set_outcome("etl-*", duration=900)
        b.submit_job(jobName="shards", jobQueue="HighPriority", jobDefinition="sleep", arrayProperties={"size": 14})
        lb.advance(120)
        for i in range(3):
            b.submit_job(jobName=f"etl-{i}", jobQueue="LowPriority", jobDefinition="train")
        lb.advance(400)
        capacity = b.capacity()
    timeline = charts.timeline(spans.spans(five_thousand_jobs()))
    with chromium("failed-charts") as browser:
        page = browser.new_page(viewport={"width": 1100, "height": 1300})
        for name, fig in (("capacity", capacity), ("timeline-5000", timeline)):
            fig.write_html(tmp_path / f"{name}.html", include_plotlyjs=True, config=charts.CONFIG)
            page.goto((tmp_path / f"{name}.html").as_uri())
            plot = page.locator(".js-plotly-plot")
            expect(plot).to_be_visible(timeout=30_000)
            assert_titles_clear_of_the_modebar(plot)
            plot.screenshot(path=str(ARTIFACTS / f"{name}.png"))
            if name == "capacity":
                expect(plot.locator(".annotation-text", has_text="maxvCpus, off the scale")).to_be_visible()
                ticks = [float(t) for t in plot.locator(".yaxislayer-above .ytick text").first.locator(
                    "xpath=..").locator("text").all_text_contents() if t.strip().isdigit()]
                assert ticks and max(ticks) < 64  # scaled to the 24 vCPUs used, not to 256
                x, y = plot.evaluate(POINT, 0)  # ondemand-ce's vCPUs, the step before the last
                box = plot.bounding_box()
                page.mouse.move(box["x"] + x, box["y"] + y)
            else:
                labels = plot.locator(".yaxislayer-above .ytick text")
                expect(labels).to_have_count(charts.ROWS)
                expect(labels.first).to_have_text("4,961 earlier jobs")
                expect(plot.locator(".bartext", has_text="failed 497 (10%)")).to_be_visible()
                bar = plot.locator(".barlayer .trace").first.locator("g.point").last.bounding_box()
                page.mouse.move(bar["x"] + bar["width"] / 2, bar["y"] + bar["height"] / 2)
            expect(plot.locator(".hoverlayer .hovertext").first).to_be_visible()
            plot.screenshot(path=str(ARTIFACTS / f"{name}-hover.png"))


GRAPH_CELLS = [  # a pipeline: prep fails, three jobs fail because of it; shard -> post N_TO_N; tiles SEQUENTIAL
    "%load_ext batchkit\n"
    "%batch use local --clock manual\n"
    "%batch local outcome prep --exit-code 2 --duration 30 --reason 'Out of memory loading the model'\n"
    "%batch local outcome 'shard' --duration 60\n"
    "%batch submit shard HighPriority sleep --array 50 -o shard\n"
    "%batch submit-job --job-name post --job-queue HighPriority --job-definition sleep --array-properties size=50 "
    "--depends-on jobId={shard.jobId[0]},type=N_TO_N -o post\n"
    "%batch submit prep HighPriority sleep -o prep\n"
    "%batch submit train HighPriority sleep --depends-on {prep.jobId[0]} --depends-on {post.jobId[0]} -o train\n"
    "%batch submit evaluate HighPriority sleep --depends-on {train.jobId[0]} -o evaluate\n"
    "%batch submit publish HighPriority sleep --depends-on {evaluate.jobId[0]} --depends-on {shard.jobId[0]} -o publish\n"
    "%batch submit-job --job-name tiles --job-queue LowPriority --job-definition sleep --array-properties size=4 "
    "--depends-on type=SEQUENTIAL\n"
    "%batch local advance 300s",
    "%batch graph",
]


def test_the_dependency_graph_after_a_pipeline_with_a_failure(lab, tmp_path):
    """`%batch graph` in JupyterLab: every job a box left to right, the job that failed of its own tagged with
    the failures it caused, the jobs failed by it hatched, hover naming the cause.  Kept as graph.png and
    graph-hover.png."""
    from playwright.sync_api import expect

    write_notebook(tmp_path / "graph.ipynb", GRAPH_CELLS)
    base, token = lab
    with chromium("failed-graph") as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        run_all(page, f"{base}/lab/workspaces/graph/tree/graph.ipynb?token={token}")
        cell = page.locator(".jp-Notebook .jp-Cell").nth(1)
        cell.scroll_into_view_if_needed()
        plot = cell.locator(".jp-OutputArea-output.js-plotly-plot")
        expect(plot).to_be_visible(timeout=90_000)
        for words in ("prep", "FAILED · exit 2", "caused 3 failures", "post [50]", "50/50 done", "N to N",
                      "tiles [4]", "dependency failed", "10 jobs · 6 dependencies"):
            expect(plot).to_contain_text(words)
        assert_titles_clear_of_the_modebar(plot)
        page.mouse.move(0, 0)
        plot.screenshot(path=str(ARTIFACTS / "graph.png"))
        box = plot.bounding_box()
        x, y = plot.evaluate("""gd => {  // where the publish box's label is drawn
          const trace = gd._fullData.find(t => t.meta === "labels");
          const i = trace.customdata.findIndex(row => row[0] === "publish");
          const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
          return [xa._offset + xa.d2p(trace.x[i]), ya._offset + ya.d2p(trace.y[i])];
        }""")
        page.mouse.move(box["x"] + x, box["y"] + y)
        hover = plot.locator(".hoverlayer .hovertext").first
        expect(hover).to_contain_text("the cause: prep failed")
        plot.screenshot(path=str(ARTIFACTS / "graph-hover.png"))
