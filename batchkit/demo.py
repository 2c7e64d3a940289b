"""`batchkit demo`, the main job headless: the quick start on the embedded backend.

It runs the quick-start flow with progress bars, prints the jobs and a summary,
then executes the quick-start notebook (`notebooks/01-quickstart.ipynb` is
written from `QUICKSTART` here, so the two cannot drift) into a directory,
with an HTML copy.  No AWS account and no network are needed.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

SPEED = 20.0  # simulated seconds per wall second

QUICKSTART = [
    ("markdown", """# Quick start: AWS Batch from a notebook

`%batch` speaks the AWS CLI's language and answers with pandas DataFrames.
This notebook runs on batchkit's embedded local backend (an in-memory AWS Batch
with a real job lifecycle, 20x faster than real time); every result says so.
Switch to your account with `%batch use aws`."""),
    ("code", """%load_ext batchkit
%batch use local --speed 20
# Against AWS instead: %batch use aws --profile my-profile --region eu-west-1"""),
    ("markdown", "## What is there: queues, compute environments, job definitions"),
    ("code", "%batch queues"),
    ("code", "%batch envs"),
    ("code", "%batch defs"),
    ("markdown", """## Submit a job, an array job and a job that depends on both

Any AWS CLI command line works after `%batch`; `submit` is the short form."""),
    ("code", """%batch submit-job --job-name extract --job-queue HighPriority --job-definition etl --parameters date=2026-01-01 -o extract
extract_id = extract.jobId[0]
extract_id"""),
    ("code", """%batch submit transform LowPriority sleep --array 4 --depends-on $extract_id --env STAGE=dev -o transform
transform_id = transform.jobId[0]"""),
    ("code", """%batch submit report HighPriority sleep --depends-on {transform_id} --retries 2 -o report -- echo report ready
report_id = report.jobId[0]"""),
    ("markdown", """## Watch them

`wait` polls with backoff and shows a progress bar; Ctrl-C offers to cancel or terminate."""),
    ("code", "%batch wait extract_id transform_id report_id"),
    ("code", "%batch jobs --detail --children"),
    ("markdown", "## Read the logs of an attempt"),
    ("code", "%batch logs $report_id --tail 20"),
    ("markdown", "## One job in full"),
    ("code", "%batch job $transform_id"),
    ("markdown", """## A job that waits for capacity, and why

The GPU queue's environment, `gpu-ce`, runs no instance until a job needs one
(`minvCpus` 0), and a new instance takes a couple of minutes to launch, on AWS
as here. A training job waits RUNNABLE meanwhile; `why` tells what it waits
for, from the Batch API alone."""),
    ("code", """%batch submit train-resnet GPU train-gpu -o train
train_id = train.jobId[0]"""),
    ("code", """import time
time.sleep(3)  # a simulated minute later (20x)
%batch why $train_id"""),
    ("markdown", "Once its instance is up, it starts:"),
    ("code", """%batch wait train_id
%batch why $train_id"""),
]


def quickstart_notebook():
    import nbformat

    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    for kind, source in QUICKSTART:
        make = nbformat.v4.new_markdown_cell if kind == "markdown" else nbformat.v4.new_code_cell
        notebook.cells.append(make(source))
    return notebook


def run(out: Path, quiet: bool = False) -> int:
    import batchkit
    from batchkit.views import duration

    with batchkit.local(seed="demo", clock="realtime", speed=SPEED) as lb:
        b = lb.batch
        print(f"batchkit demo on {b.label}, {SPEED:g}x real time\n")
        print(b.queues().batch.text())
        extract = b.submit_job(jobName="extract", jobQueue="HighPriority", jobDefinition="etl").loc[0, "jobId"]
        shards = b.submit_job(jobName="transform", jobQueue="LowPriority", jobDefinition="sleep",
                              arrayProperties={"size": 4}, dependsOn=[{"jobId": extract}]).loc[0, "jobId"]
        report = b.submit_job(jobName="report", jobQueue="HighPriority", jobDefinition="sleep",
                              dependsOn=[{"jobId": shards}], retryStrategy={"attempts": 2}).loc[0, "jobId"]
        print("\nSubmitted: extract -> transform (array of 4) -> report")
        b.wait([extract, shards, report], progress=not quiet)
        train = b.submit_job(jobName="train-resnet", jobQueue="GPU", jobDefinition="train-gpu").loc[0, "jobId"]
        time.sleep(60 / SPEED)  # a simulated minute
        print("\nA GPU job (gpu-ce runs no instance until one is needed), a minute after it was submitted:\n ",
              b.why(train).attrs["summary"])
        b.wait([train], progress=not quiet)
        print("Then:\n ", b.why(train).attrs["summary"])
        jobs = b.jobs(detail=True, children=True)
    print("\nJobs:")
    print(jobs.batch.text())
    print("\nJobs per status:", ", ".join(f"{k} {v}" for k, v in jobs["status"].value_counts().items()))
    ran = jobs["duration"].dropna()
    if len(ran):
        print(f"Durations: median {duration(ran.median())}, longest {duration(ran.max())} (simulated)")
    notebook, html = write_quickstart(out)
    print(f"\nThe executed quick-start notebook: {notebook}\nAn HTML copy: {html}")
    return 0


def write_quickstart(out: Path) -> tuple[Path, Path]:
    """Execute the quick-start notebook into `out`, with an HTML copy; both paths."""
    from nbclient import NotebookClient
    from nbconvert import HTMLExporter

    out.mkdir(parents=True, exist_ok=True)
    notebook = quickstart_notebook()
    client = NotebookClient(notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(out)}})
    client.execute(stderr=subprocess.DEVNULL)  # the kernel's own start-up chatter is not the demo's output
    import nbformat

    notebook_path, html_path = out / "01-quickstart.ipynb", out / "01-quickstart.html"
    nbformat.write(notebook, notebook_path)
    html_path.write_text(HTMLExporter().from_notebook_node(notebook)[0])
    return notebook_path, html_path
