"""Imports run one way, down the layers (DESIGN.md): no module of batchkit imports one that imports it back,
directly or around a circle, counting the imports made inside functions (a lazy import is still a dependency)."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parent.parent / "batchkit"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(path: Path) -> set[str]:
    """The batchkit modules a module imports, anywhere in it (`from . import views` names the module views)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("batchkit")}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([node.module] if node.module else []))
            if not base.startswith("batchkit"):
                continue
            submodules = {f"{base}.{a.name}" for a in node.names} & MODULES  # `from . import views`: views
            found |= submodules or {base}
    return found


PATHS = {module_name(p): p for p in PACKAGE.rglob("*.py")}
MODULES = set(PATHS)


def graph() -> dict[str, set[str]]:
    """Module -> the modules it imports; the package itself (``import batchkit``, run before any of them) aside."""
    return {name: {m for m in imported(path) if m in MODULES and m not in (name, "batchkit")}
            for name, path in PATHS.items()}


def reaches(edges: dict[str, set[str]], start: str, goal: str) -> bool:
    seen, todo = set(), [start]
    while todo:
        here = todo.pop()
        if here == goal:
            return True
        if here not in seen:
            seen.add(here)
            todo += edges.get(here, ())
    return False


@pytest.mark.parametrize("lower, upper", [
    ("batchkit.frames", "batchkit.views"),  # frames make the data; views show it
    ("batchkit.frames", "batchkit.jobs"),
    ("batchkit.frames", "batchkit.client"),
    ("batchkit.jobs", "batchkit.views"),  # jobs sit beside the client, under the display
    ("batchkit.views", "batchkit.jobs"),  # a card is handed what it shows (attrs["related"])
    ("batchkit.views", "batchkit.client"),
])
def test_a_layer_never_imports_one_that_should_not_be_under_it(lower, upper):
    assert upper not in graph()[lower]


@pytest.mark.parametrize("name", ["batchkit.frames", "batchkit.views", "batchkit.jobs", "batchkit.display"])
def test_the_data_and_display_modules_are_on_no_circle(name):
    edges = graph()
    circle = [m for m in edges[name] if reaches(edges, m, name)]
    assert not circle, f"{name} imports {circle}, which import {name} back"
