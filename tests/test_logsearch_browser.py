"""`%batch logs ... --grep` and the console's SearchLogs form in a real browser (JupyterLab, the system's
headless Chromium, Playwright, as tests/test_browser.py runs them): what a person sees of a search over
30 jobs, kept as `test-artifacts/search-logs.png` and `console-search-logs.png`."""

import json
import os
import secrets
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.test_browser import ARGS, ARTIFACTS, CHROMIUM, free_port, pytestmark, run_all  # noqa: F401  (the skips)

CELLS = [
    "%load_ext batchkit\n"
    "%batch use local --clock manual\n"
    "%batch local outcome 'shard-*' --duration 60 --logs 'loading shard' 'rows written: 1000'\n"
    "%batch local outcome 'shard-*7' --exit-code 1 --duration 60 --logs 'loading shard' "
    "'MemoryError: cannot allocate 2.0 GiB for an array with shape (16384, 16384) and data type float64' "
    "'Traceback (most recent call last):'\n"
    "for i in range(30):\n"
    "    %batch submit shard-{i} HighPriority sleep\n"
    "%batch local advance 10m",
    "%batch jobs --name shard-* -o shards\n"
    "%batch logs shards --grep MemoryError",
    "%batch console --interval 0",
]


@pytest.fixture
def lab(tmp_path):
    """JupyterLab serving a notebook of CELLS on a loopback port; (base URL, token)."""
    import nbformat

    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in CELLS]
    nbformat.write(notebook, tmp_path / "search.ipynb")
    port, token = free_port(), secrets.token_hex(16)
    server = subprocess.Popen(
        [os.path.join(os.path.dirname(sys.executable), "jupyter-lab"), "--no-browser", "--ip=127.0.0.1",
         f"--port={port}", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={tmp_path}", "--allow-root",
         "--ServerApp.open_browser=False", "--LabApp.news_url=",
         "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
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


def test_a_search_and_its_console_form_read_at_a_glance(lab):
    from playwright.sync_api import expect, sync_playwright

    base, token = lab
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        try:
            run_all(page, f"{base}/lab/tree/search.ipynb?token={token}")
            cells = page.locator(".jp-Notebook .jp-Cell")
            shown = cells.nth(1).locator(".batchkit-matches")
            expect(shown).to_contain_text("MemoryError: 3 of 30 jobs, 3 lines", timeout=90_000)
            assert [h.strip() for h in shown.locator("thead th").all_inner_texts()] == ["job", "time", "message"]
            expect(shown.locator("tbody tr")).to_have_count(3)
            for name in ("shard-7", "shard-17", "shard-27"):
                expect(shown).to_contain_text(name)
            expect(shown).to_contain_text("backend: local")
            shown.screenshot(path=str(ARTIFACTS / "search-logs.png"))

            console = cells.nth(2)
            console.scroll_into_view_if_needed()
            console.get_by_role("tab", name="All actions").click(timeout=60_000)
            console.locator("select").last.select_option("SearchLogs")
            console.get_by_label("or job name", exact=True).fill("shard-*")
            console.get_by_label("pattern *", exact=True).fill("?MemoryError ?Traceback")
            console.get_by_role("button", name="Search logs").click()
            expect(console).to_contain_text("?MemoryError ?Traceback: 3 of 30 jobs, 6 lines", timeout=30_000)
            console.locator(".jp-OutputArea-output").first.screenshot(path=str(ARTIFACTS / "console-search-logs.png"))
        except Exception:
            page.screenshot(path=str(ARTIFACTS / "failed-search-logs.png"), full_page=True)
            raise
        finally:
            browser.close()
