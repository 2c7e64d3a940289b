"""The monitor in a real browser: JupyterLab on 127.0.0.1, the system's headless Chromium, Playwright.

Skipped where Chromium, JupyterLab or Playwright is missing (`.ci/run` installs them).
The screenshot is kept in `test-artifacts/`.
"""

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
    "import batchkit\nfrom batchkit import widgets\n"
    "lb = batchkit.local(seed='demo')\n"
    "lb.client.update_compute_environment(computeEnvironment='spot-ce', state='DISABLED')  # it stays RUNNABLE\n"
    "job_id = lb.submit('stuck-job', queue='Backfill')\n"
    "lb.advance(5)",
    "m = widgets.monitor(lb.batch, interval=1)\nm.selected.value = job_id\nm.widget",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def lab(tmp_path):
    """JupyterLab serving tmp_path on a loopback port; (base URL, token)."""
    import nbformat

    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in NOTEBOOK_CELLS]
    nbformat.write(notebook, tmp_path / "monitor.ipynb")
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


def test_monitor_renders_jobs_and_cancels_one_in_a_real_browser(lab):
    from playwright.sync_api import expect, sync_playwright

    base, token = lab
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        try:
            page.goto(f"{base}/lab/tree/monitor.ipynb?token={token}")
            expect(page.get_by_text(re.compile(r"\| Idle$"))).to_be_visible(timeout=60_000)  # the kernel is up
            page.locator(".jp-Notebook .jp-Cell").first.click()  # focus the notebook, or Run is greyed out
            page.get_by_role("menuitem", name="Run", exact=True).click()
            page.get_by_role("menuitem", name=re.compile(r"^Run All( Cells)?$")).click()
            rows = page.locator(".widget-html table tr", has_text="stuck-job")
            expect(rows.first).to_contain_text("RUNNABLE", timeout=90_000)
            page.get_by_role("button", name="Cancel job").click()
            page.get_by_role("button", name="Yes, cancel it").click()
            expect(rows.first).to_contain_text("FAILED", timeout=30_000)
            expect(page.locator(".widget-html", has_text="stuck-job FAILED").first).to_be_visible()  # the detail pane
        finally:
            page.screenshot(path=str(ARTIFACTS / "monitor.png"), full_page=True)
            browser.close()
