"""mkdocs hooks for batchkit's documentation (``hooks:`` in mkdocs.yml).

- Before a build, the notebooks in ``notebooks/`` are executed with nbclient
  (on the embedded local backend: no AWS, no network) into ``docs/notebooks/``
  (git-ignored), where mkdocs-jupyter renders them with their outputs.  An
  executed copy is reused while neither its notebook nor batchkit's source has
  changed.  ``python docs/hooks.py`` executes them alone.
- Pages say ``<!-- generated: NAME -->`` where the code is the source of truth:
  the %batch short commands (``magics.reference()``, the list the README holds
  too), the magics' settings, every Batch operation (botocore's model) and the
  command line's ``--help``.
- The notebooks' widgets are shown as the HTML they carry for front ends
  without widgets (the monitor's table), progress bars as their final text, and
  plotly figures are drawn with a plotly.js shipped in the site (no network).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import logging
import os
import re
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from html import unescape
from pathlib import Path

log = logging.getLogger("mkdocs.hooks.batchkit")

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "notebooks"
EXECUTED = ROOT / "docs" / "notebooks"
PLOTLY_JS = "assets/javascripts/plotly.min.js"
PLOTLY_PLACEHOLDER = "BATCHKIT-PLOTLY-JS"
TIMEOUT = 300  # seconds per cell
GENERATED = re.compile(r"<!-- generated: ([a-z-]+) -->")


# --- the notebooks, executed ----------------------------------------------------------------------

def _fingerprint(source: Path) -> str:
    """The notebook's text and batchkit's source: what its outputs depend on."""
    digest = hashlib.sha256(source.read_bytes())
    for path in sorted((ROOT / "batchkit").rglob("*")):
        if path.suffix in (".py", ".yaml") and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(ROOT)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _current(target: Path, fingerprint: str) -> bool:
    try:
        return json.loads(target.read_text())["metadata"]["batchkit_docs"]["fingerprint"] == fingerprint
    except (OSError, ValueError, KeyError):
        return False


def _progress_text(model_id: str, state: dict) -> str | None:
    """A tqdm bar (an HBox of HTML, FloatProgress, HTML) as the text it finally showed."""
    box = state.get(model_id, {}).get("state", {})
    parts = []
    for child in box.get("children", ()):
        child = state.get(str(child).removeprefix("IPY_MODEL_"), {})
        values = child.get("state", {})
        if child.get("model_name") == "HTMLModel":
            parts.append(unescape(re.sub(r"<[^>]+>", "", values.get("value", ""))).replace("\xa0", " "))
        elif child.get("model_name") == "FloatProgressModel":
            done = values.get("value", 0) / (values.get("max") or 1)
            parts.append("█" * round(10 * done) + " " * (10 - round(10 * done)))
        else:
            return None
    return "|".join(parts) if len(parts) == 3 else None


def _plotly_html(figure: dict) -> str:
    import plotly.io

    html = plotly.io.to_html(plotly.io.from_json(json.dumps(figure)), include_plotlyjs=False, full_html=False,
                             config={"displaylogo": False})
    return f'<script src="{PLOTLY_PLACEHOLDER}"></script>\n{html}'


def _static(notebook) -> None:
    """Outputs a static page can show: widgets as their HTML fallback or final text, plotly drawn inline;
    the widget state (megabytes of it) dropped."""
    state = notebook.metadata.pop("widgets", {}).get("application/vnd.jupyter.widget-state+json", {})
    state = state.get("state", {})
    for cell in notebook.cells:
        for output in cell.get("outputs", ()):
            data = output.get("data", {})
            view = data.pop("application/vnd.jupyter.widget-view+json", None)
            if view and "text/html" not in data:
                text = _progress_text(view.get("model_id", ""), state)
                if text:
                    data["text/plain"] = text
            figure = data.pop("application/vnd.plotly.v1+json", None)
            if figure:
                data["text/html"] = _plotly_html(figure)
        cell.outputs = [o for o in cell.get("outputs", ()) if o.get("output_type") == "stream" or o.get("data")]


def execute(source: Path, target: Path) -> float:
    """Run one notebook top to bottom into `target`; the seconds it took."""
    import nbformat
    from nbclient import NotebookClient

    started = time.monotonic()
    fingerprint = _fingerprint(source)
    notebook = nbformat.read(source, as_version=4)
    workdir = Path(os.environ.get("TMPDIR", "/tmp")) / f"batchkit-docs-{source.stem}"
    workdir.mkdir(parents=True, exist_ok=True)  # what a notebook writes (run.html, ...) stays out of docs/
    client = NotebookClient(notebook, timeout=TIMEOUT, kernel_name="python3", store_widget_state=True,
                            resources={"metadata": {"path": str(workdir)}})
    client.execute(stderr=subprocess.DEVNULL)  # the kernel's start-up chatter is not the notebook's output
    for cell in notebook.cells:
        for output in cell.get("outputs", ()):
            if output.get("output_type") == "error":
                raise RuntimeError(f"{source.name}: {output.get('ename')}: {output.get('evalue')}")
    _static(notebook)
    notebook.metadata["batchkit_docs"] = {"fingerprint": fingerprint}
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, target)
    return time.monotonic() - started


def execute_notebooks(force: bool = False) -> list[str]:
    """Execute the notebooks whose executed copy is missing or stale, in parallel; their names."""
    stale = [(source, EXECUTED / source.name) for source in sorted(SOURCES.glob("*.ipynb"))]
    stale = [(s, t) for s, t in stale if force or not _current(t, _fingerprint(s))]
    if not stale:
        return []
    log.info("executing %d notebook(s) on the local backend: %s", len(stale), ", ".join(s.name for s, _ in stale))
    with ThreadPoolExecutor(len(stale)) as pool:  # they mostly wait on simulated time: run them side by side
        for (source, _), seconds in zip(stale, pool.map(lambda pair: execute(*pair), stale)):
            log.info("executed %s in %.0f s", source.name, seconds)
    return [s.name for s, _ in stale]


# --- generated sections ---------------------------------------------------------------------------

def _magics_reference() -> str:
    """The README's list; `<name>` outside code spans shown as text, not taken for an HTML tag."""
    from batchkit.magics.magics import reference

    parts = reference().split("`")
    return "`".join(part if i % 2 else part.replace("<", "&lt;") for i, part in enumerate(parts))


def _magics_settings() -> str:
    from batchkit.magics.magics import BatchMagics

    rows = ["| setting | default | what it sets |", "| --- | --- | --- |"]
    for name in sorted(BatchMagics.class_trait_names(config=True)):
        trait = BatchMagics.class_traits()[name]
        rows.append(f"| `{name}` | `{trait.default_value!r}` | {trait.help} |")
    return "\n".join(rows)


def _operations() -> str:
    from batchkit import catalog

    rows = ["| operation | `Batch` method | `%batch` subcommand | what it does |", "| --- | --- | --- | --- |"]
    for op in catalog.operations().values():
        summary = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", op.documentation or "")).strip()
        summary = re.split(r"(?<=\.)\s", summary, maxsplit=1)[0].replace("|", "\\|")
        rows.append(f"| {op.name} | `{op.method}` | `{op.cli_name}` | {summary} |")
    return "\n".join(rows)


def _help(*argv: str) -> str:
    from batchkit.cli import main

    out, columns = io.StringIO(), os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = "80"  # argparse wraps --help to the terminal: the same width everywhere
    try:
        with contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):
            main([*argv, "--help"])
    finally:
        if columns is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = columns
    return out.getvalue().rstrip()


def _cli_help() -> str:
    sections = [f"```text\n$ batchkit --help\n{_help()}\n```"]
    for command in ("demo", "serve", "report", "seed export", "operations"):
        sections.append(f"### `batchkit {command}`\n\n```text\n$ batchkit {command} --help\n{_help(*command.split())}\n```")
    return "\n\n".join(sections)


SECTIONS = {
    "magics-reference": _magics_reference,
    "magics-settings": _magics_settings,
    "operations": _operations,
    "cli-help": _cli_help,
}


# --- mkdocs events --------------------------------------------------------------------------------

def on_pre_build(config):
    execute_notebooks()


def on_files(files, config):
    import plotly
    from mkdocs.structure.files import File

    source = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    files.append(File.generated(config, PLOTLY_JS, abs_src_path=str(source)))
    return files


def on_page_markdown(markdown, page, config, files):
    def generated(match):
        if match.group(1) not in SECTIONS:
            raise ValueError(f"{page.file.src_path}: no generated section {match.group(1)!r}")
        return SECTIONS[match.group(1)]()

    return GENERATED.sub(generated, markdown)


def on_page_content(html, page, config, files):
    if PLOTLY_PLACEHOLDER not in html:
        return html
    from mkdocs.utils import get_relative_url

    url = get_relative_url(PLOTLY_JS, page.file.url)
    html = html.replace(f'<script src="{PLOTLY_PLACEHOLDER}"></script>', f'<script src="{url}"></script>', 1)
    return html.replace(f'<script src="{PLOTLY_PLACEHOLDER}"></script>', "")


if __name__ == "__main__":
    import sys

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    done = execute_notebooks(force="--force" in sys.argv)
    print(f"executed {len(done)} notebook(s) into {EXECUTED.relative_to(ROOT)}" if done else "the notebooks are current")
