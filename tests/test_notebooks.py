"""The notebooks run top to bottom on the local backend, with no error output; committed ones hold no outputs."""

import json
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).parent.parent / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_without_errors(path, tmp_path):
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    NotebookClient(notebook, timeout=180, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    for cell in notebook.cells:
        for output in cell.get("outputs", ()):
            assert output.get("output_type") != "error", f"{path.name}: {output.get('ename')}: {output.get('evalue')}"
            assert output.get("name") != "stderr" or "Traceback" not in output.get("text", ""), output["text"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_committed_notebooks_hold_no_outputs(path):
    cells = json.loads(path.read_text())["cells"]
    assert all(not cell.get("outputs") and cell.get("execution_count") is None for cell in cells if cell["cell_type"] == "code")


def test_the_quickstart_notebook_is_the_one_the_demo_runs():
    import nbformat

    from batchkit.demo import quickstart_notebook

    committed = nbformat.read(NOTEBOOKS[0], as_version=4)
    assert [(c.cell_type, c.source) for c in committed.cells] == [(c.cell_type, c.source) for c in quickstart_notebook().cells]


def test_there_are_the_five_notebooks():
    assert [p.stem for p in NOTEBOOKS] == ["01-quickstart", "02-monitoring", "03-testing-with-pytest-batchkit",
                                           "04-every-action", "05-from-python"]
