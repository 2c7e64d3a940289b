"""The documentation: a short README that keeps the two commands, and a reference (docs/reference/) that
names every public name of the contract (DESIGN.md's "Public surface") and documents every public method.

The site itself is built by `mkdocs build --strict` (CI's docs step); this checks its sources, fast.
"""

import functools
import importlib.util
import inspect
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
DOCS = ROOT / "docs"
README = ROOT / "README.md"


@functools.cache
def hooks():
    spec = importlib.util.spec_from_file_location("batchkit_docs_hooks", DOCS / "hooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@functools.cache
def reference_text() -> str:
    """The reference's index of the public surface, and the sections generated from the code (the
    %batch short commands, the command line's --help, the operations), as the site shows them."""
    return "\n".join([(DOCS / "reference" / "index.md").read_text(), *(make() for make in hooks().SECTIONS.values())])


def _batch(name):
    from batchkit import Batch

    return name == "client" or hasattr(Batch, name)  # client: set per instance


def _local(name):
    from batchkit.local import LocalBatch

    instance = {"batch", "client", "endpoint_url", "faults"}  # set per instance, not on the class
    return name in instance or hasattr(LocalBatch, name)


def _local_option(name):
    from batchkit.local import LocalBatch

    return name in inspect.signature(LocalBatch.__init__).parameters


def _cli(words):
    def present(_name):
        *command, option = words.split()
        out = hooks()._help(*command) if command else hooks()._help()
        return bool(re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", out))

    return present


def _alias(name):
    from batchkit.magics.magics import ALIASES

    return name in ALIASES


def _plugin(name):
    return name in (ROOT / "pytest_batchkit" / "plugin.py").read_text()


def _always(name):
    return True


# (how the reference names it, whether the code has it yet) for each public name of the contract
CONTRACT = [
    *[("connect", _always), ("local", _always), ("Batch", _always)],
    *[(name, _batch) for name in ("submit_job", "list_jobs", "describe_jobs", "jobs", "wait", "logs", "why",
                                  "timeline", "capacity", "report", "graph", "resubmit", "search_logs",
                                  "export_seed", "client")],
    *[(name, _local) for name in ("batch", "client", "endpoint_url", "advance", "run_until_idle", "set_outcome",
                                  "faults", "reset", "interrupt", "serve", "intercept")],
    *[(name, _always) for name in ("throttle", "latency")],  # lb.faults'
    ("state", _local_option),
    *[(name, _always) for name in ("computeEnvironments", "jobQueues", "jobDefinitions", "demo", "empty")],
    *[(name, _always) for name in ("console", "monitor", "form")],
    *[(words.split()[-1], _cli(words)) for words in ("serve", "demo", "report", "seed", "seed export", "--version",
                                                      "serve --port", "serve --seed", "serve --state",
                                                      "report --since", "report -o", "seed export --jobs")],
    *[(name, _always) for name in ("%load_ext batchkit", "%batch", "%%batch", "-o NAME")],
    *[(name, _alias) for name in ("submit", "jobs", "job", "logs", "wait", "cancel", "terminate", "queues", "envs",
                                  "defs", "monitor", "console", "use", "config", "why", "timeline", "capacity",
                                  "report", "local", "resubmit", "graph", "seed")],
    *[(name, _plugin) for name in ("batch_client", "batch_endpoint", "batch_seed", "batchkit_seed",
                                   "batchkit_clock")],
]


def test_the_readme_is_short():
    lines = README.read_text().splitlines()
    assert len(lines) <= 300, f"README.md has {len(lines)} lines: move sections into docs/ (at most 300)"


def test_the_readme_keeps_the_two_commands_and_links_into_the_docs():
    text = README.read_text()
    for marker in ("<!-- demo-command -->\n```sh\n", "<!-- test-command -->\n```sh\n"):
        assert marker in text, f"README.md lost {marker.splitlines()[0]} and its command (CI reads it)"
    assert "![" in text, "the README shows a picture"
    for link in re.findall(r"\]\((docs/[^)#]+)", text):
        assert (ROOT / link).exists(), f"README.md links to {link}, which does not exist"


@pytest.mark.parametrize("name,exists", CONTRACT, ids=[f"{i}-{name}" for i, (name, _) in enumerate(CONTRACT)])
def test_the_reference_names_each_public_name(name, exists):
    if not exists(name):
        pytest.skip(f"{name}: in the contract, not in the code yet")
    assert re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", reference_text()), \
        f"docs/reference/index.md does not name {name!r}, a public name of the contract: add it with a link"


def test_every_public_method_has_an_entry_in_the_api_reference():
    """Where a reference page lists the members it documents, a new public method is not left out."""
    from batchkit import Batch, catalog
    from batchkit.local import LocalBatch

    generated = {op.method for op in catalog.operations().values()}  # on operations.md, from the model
    for cls, page in ((Batch, "batch.md"), (LocalBatch, "local.md")):
        listed = set(re.findall(r"^\s+- (\w+)$", (DOCS / "reference" / page).read_text(), re.M))
        public = {name for name in vars(cls) if not name.startswith("_")} - generated
        public |= {name for base in cls.__mro__[1:-1] for name in vars(base) if not name.startswith("_")}
        missing = sorted(public - listed)
        assert not missing, f"docs/reference/{page} leaves out {cls.__name__}.{', '.join(missing)}: add to its members"


def test_the_site_renders_every_notebook():
    nav = (ROOT / "mkdocs.yml").read_text()
    for notebook in sorted((ROOT / "notebooks").glob("*.ipynb")):
        assert f"notebooks/{notebook.name}" in nav, f"mkdocs.yml's nav lacks {notebook.name}"


def test_generated_sections_exist():
    sections = hooks().SECTIONS
    for page in DOCS.rglob("*.md"):
        for name in re.findall(r"<!-- generated: ([a-z-]+) -->", page.read_text()):
            assert name in sections, f"{page.relative_to(ROOT)} asks for a generated section {name!r} docs/hooks.py lacks"


def test_the_docs_name_the_magics_reference_the_code_gives():
    from batchkit.magics.magics import reference

    for line in reference().splitlines():  # "- `%batch submit NAME ...` — submit a job"
        assert line.split("` — ")[0] in reference_text(), f"docs/reference/magics.md lacks {line}"
