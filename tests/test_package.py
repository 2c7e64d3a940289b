"""The installed package: lazy import, entry points, the command, the seed loader."""

import importlib.metadata
import json
import subprocess
import sys
from pathlib import Path

import pytest

import batchkit
from batchkit.local import seed as seeds


def run(*args, **kwargs):
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, timeout=120, **kwargs)


def test_import_loads_neither_pandas_nor_boto3_nor_moto():
    code = "import sys, batchkit; print(json.dumps([m for m in ('pandas', 'boto3', 'botocore', 'moto') if m in sys.modules]))"
    out = run("-c", "import json; " + code)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == []


def test_a_local_test_loads_no_pandas():
    """A downstream test that submits, runs and describes a job pays no pandas import (~0.4 s of CPU)."""
    code = ("import json, sys; from batchkit.local import LocalBatch; lb = LocalBatch(seed='demo'); "
            "job = lb.client.submit_job(jobName='a', jobQueue='HighPriority', jobDefinition='sleep')['jobId']; "
            "lb.run_until_idle(); status = lb.client.describe_jobs(jobs=[job])['jobs'][0]['status']; "
            "print(json.dumps([status, 'pandas' in sys.modules]))")
    out = run("-c", code)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == ["SUCCEEDED", False]


def test_entry_points_are_registered():
    eps = importlib.metadata.entry_points()
    assert [e.value for e in eps.select(group="pytest11", name="batchkit")] == ["pytest_batchkit.plugin"]
    assert [e.value for e in eps.select(group="console_scripts", name="batchkit")] == ["batchkit.cli:main"]


def test_python_dash_m_lists_every_operation():
    out = run("-m", "batchkit", "operations")
    assert out.returncode == 0, out.stderr
    assert len(out.stdout.splitlines()) == len(batchkit.catalog.operations())
    assert "submit-job" in out.stdout


def test_demo_runs_the_quickstart_and_writes_its_notebook_and_html(tmp_path):
    out = run("-m", "batchkit", "demo", "--quiet", "--out", str(tmp_path / "demo"))
    assert out.returncode == 0, out.stderr
    assert "batchkit demo on local (in-memory, not AWS)" in out.stdout
    assert "transform" in out.stdout and "Jobs per status: SUCCEEDED 11" in out.stdout
    assert "RUNNABLE: gpu-ce is launching instances: desiredvCpus 4" in out.stdout  # the GPU job, a minute in
    assert "SUCCEEDED: queued for 2m" in out.stdout  # then: it waited for its instance
    assert "not-a-real-password" not in out.stdout
    notebook = json.loads((tmp_path / "demo" / "01-quickstart.ipynb").read_text())
    outputs = [o for cell in notebook["cells"] for o in cell.get("outputs", ())]
    assert outputs and not [o for o in outputs if o["output_type"] == "error"]
    html = (tmp_path / "demo" / "01-quickstart.html").read_text()
    assert "report ready" in html and "gpu-ce is launching instances" in html and "batchkit-findings" in html
    assert str(tmp_path / "demo") in out.stdout


def test_one_version_in_the_metadata_the_module_the_command_and_the_changelog():
    out = run("-m", "batchkit", "--version")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == f"batchkit {batchkit.__version__}"
    assert importlib.metadata.version("batchkit") == batchkit.__version__
    changelog = Path(__file__).resolve().parents[1] / "CHANGELOG.md"
    assert f"## [{batchkit.__version__}]" in changelog.read_text()


def test_bad_command_is_one_line():
    out = run("-m", "batchkit", "nope")
    assert out.returncode == 2 and "invalid choice" in out.stderr and "Traceback" not in out.stderr


def test_seeds_from_dict_file_and_name(tmp_path):
    assert set(seeds.load("demo")) == {"computeEnvironments", "schedulingPolicies", "jobQueues", "jobDefinitions",
                                       "jobs"} < set(seeds.SECTIONS)
    as_file = tmp_path / "seed.json"
    as_file.write_text(json.dumps({"jobQueues": [{"jobQueueName": "q", "priority": 1}]}))
    assert seeds.load(str(as_file))["jobQueues"][0]["jobQueueName"] == "q"
    assert seeds.load({"jobs": []}) == {"jobs": []}
    with pytest.raises(ValueError, match="neither a built-in seed"):
        seeds.load("no-such-seed.yaml")
    with pytest.raises(ValueError, match="unknown key 'queues'; a seed has the keys"):
        seeds.load({"queues": []})


def test_local_backend_is_seeded_and_labelled():
    with batchkit.local(seed="demo") as lb:
        jobs = lb.batch.jobs()
        assert len(jobs) == len(seeds.load("demo")["jobs"]) == len(lb.seed_job_ids)
        assert jobs.attrs["backend"] == batchkit.local.LABEL
        assert "not AWS" in repr(lb.batch)
    assert "stopped" in repr(lb)
