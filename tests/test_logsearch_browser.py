"""`%batch logs ... --grep` and the console's SearchLogs form in a real browser (JupyterLab, the system's
headless Chromium, Playwright, as tests/test_browser.py runs them): what a person sees of a search over
30 jobs, kept as `test-artifacts/search-logs.png` and `console-search-logs.png`."""

from tests.test_browser import ARTIFACTS, chromium, run_all, write_notebook
from tests.test_browser import lab, pytestmark  # noqa: F401  JupyterLab serving tmp_path; the skips

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


def test_a_search_and_its_console_form_read_at_a_glance(lab, tmp_path):  # noqa: F811  (the fixture)
    from playwright.sync_api import expect

    write_notebook(tmp_path / "search.ipynb", CELLS)  # beside lab's own notebooks, in the folder it serves
    base, token = lab
    with chromium("failed-search-logs") as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        run_all(page, f"{base}/lab/workspaces/search/tree/search.ipynb?token={token}")
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
