"""`Batch.resubmit`, `%batch resubmit` and the monitor's Resubmit buttons, on the local backend's manual clock.

The jobs really run (the subprocess executor runs their command here): a unit of work prints the index it
reads the documented way (BATCHKIT_ARRAY_INDEX, else AWS_BATCH_JOB_ARRAY_INDEX) and fails for the indexes
named in its FAIL variable.  Every `Batch` case runs in-process and through the LocalBatch's served endpoint
(`batchkit.connect(endpoint_url=...)`): resubmitting needs nothing but the API.
"""

import re
import secrets
import sys

import pytest
from IPython.core.error import UsageError

import batchkit
from batchkit import resubmit
from batchkit.errors import BatchError
from tests import test_browser as browser_test
from tests.shells import batch_shell
from tests.test_browser import lab  # noqa: F401  JupyterLab serving tmp_path (the browser test below)

UNIT = ("import os, sys; i = os.environ.get('BATCHKIT_ARRAY_INDEX', os.environ.get('AWS_BATCH_JOB_ARRAY_INDEX'));"
        " print('unit', i, 'param', sys.argv[1], 'greeting', os.environ.get('GREETING'));"
        " sys.exit(3 if str(i) in os.environ.get('FAIL', '').split(',') else 0)")
SEED = {
    "computeEnvironments": [{"computeEnvironmentName": "here", "type": "UNMANAGED", "unmanagedvCpus": 64}],
    "jobQueues": [{"jobQueueName": q, "priority": 1, "computeEnvironmentOrder": [{"order": 1, "computeEnvironment": "here"}]}
                  for q in ("main", "other")],
    "jobDefinitions": [{"jobDefinitionName": "unit", "type": "container", "parameters": {"shard": "default"},
                        "containerProperties": {"image": "python", "command": [sys.executable, "-c", UNIT, "Ref::shard"],
                                                "resourceRequirements": [{"type": "VCPU", "value": "1"},
                                                                         {"type": "MEMORY", "value": "64"}],
                                                "environment": [{"name": "GREETING", "value": "hi"}]}}],
}
LOCAL_OPTIONS = {"clock": "manual", "executor": "subprocess"}  # conftest's `local`, in process and served


@pytest.fixture
def b(lb, local_batch):
    return local_batch


def submit(lb, name="work", **extra):
    return lb.client.submit_job(jobName=name, jobQueue="main", jobDefinition="unit", **extra)["jobId"]


def described(lb, *ids):
    found = {j["jobId"]: j for j in lb.client.describe_jobs(jobs=list(ids))["jobs"]}
    return [found[i] for i in ids]


def printed(b, job_id):
    return list(b.logs(job_id)["message"])


def sent(lb):
    """The SubmitJob requests the backend answered, oldest first."""
    return [call.params for call in lb.calls.of("SubmitJob")]


def test_a_finished_job_again_has_a_new_id_and_the_same_queue_parameters_and_environment(lb, b):
    job = submit(lb, parameters={"shard": "7"}, tags={"team": "ml"}, retryStrategy={"attempts": 2},
                 timeout={"attemptDurationSeconds": 600}, containerOverrides={"environment": [{"name": "EXTRA", "value": "1"}]})
    lb.run_until_idle()
    again = b.resubmit(job)
    assert list(again.columns[:3]) == ["jobArn", "jobName", "jobId"] and len(again) == 1
    new_id = again.loc[0, "jobId"]
    assert new_id != job and again.loc[0, "resubmitOf"] == job and again.loc[0, "jobName"] == "work"
    lb.run_until_idle()
    old, new = described(lb, job, new_id)
    for key in ("jobQueue", "jobDefinition", "parameters", "tags", "retryStrategy", "timeout"):
        assert new[key] == old[key], key
    assert new["container"]["environment"] == old["container"]["environment"]
    assert new["status"] == "SUCCEEDED" and printed(b, new_id) == ["unit None param 7 greeting hi"]
    request = sent(lb)[-1]  # only what the job had beyond its definition is an override
    assert request["containerOverrides"] == {"environment": [{"name": "EXTRA", "value": "1"}]}
    assert request["jobDefinition"].endswith("job-definition/unit:1")


def test_it_runs_the_revision_the_job_ran_not_the_latest(lb, b):
    job = submit(lb)
    lb.run_until_idle()
    lb.client.register_job_definition(jobDefinitionName="unit", type="container",
                                      containerProperties={"image": "python", "command": ["false"], "vcpus": 1, "memory": 64})
    new_id = b.resubmit(job).loc[0, "jobId"]
    lb.run_until_idle()
    new, = described(lb, new_id)
    assert new["jobDefinition"].endswith(":1") and new["status"] == "SUCCEEDED"


def test_overrides_are_applied_as_submit_takes_them(lb, b):
    job = submit(lb, containerOverrides={"environment": [{"name": "GREETING", "value": "hello"}]})
    lb.run_until_idle()
    again = b.resubmit(job, name="work-2", queue="other", env={"GREETING": "hey", "NEW": "x"}, memory=128,
                       parameters={"shard": "9"}, retries=3, timeout=120)
    lb.run_until_idle()
    new, = described(lb, again.loc[0, "jobId"])
    assert new["jobName"] == "work-2" and new["jobQueue"].endswith("/other")
    env = {e["name"]: e["value"] for e in new["container"]["environment"]}
    assert env["GREETING"] == "hey" and env["NEW"] == "x"
    assert {"type": "MEMORY", "value": "128"} in new["container"]["resourceRequirements"]
    assert new["parameters"]["shard"] == "9" and new["retryStrategy"]["attempts"] == 3
    assert new["timeout"] == {"attemptDurationSeconds": 120}
    assert printed(b, new["jobId"]) == ["unit None param 9 greeting hey"]
    cmd = b.resubmit(job, command=[sys.executable, "-c", "print('other work')"]).loc[0, "jobId"]
    lb.run_until_idle()
    assert printed(b, cmd) == ["other work"]


def test_failed_only_reruns_exactly_the_failed_children_each_with_its_index(lb, b):
    array = submit(lb, "shards", arrayProperties={"size": 6},
                   containerOverrides={"environment": [{"name": "FAIL", "value": "1,3"}]})
    lb.run_until_idle()
    parent, = described(lb, array)
    assert parent["status"] == "FAILED" and parent["arrayProperties"]["statusSummary"]["FAILED"] == 2
    submissions = len(sent(lb))
    again = b.resubmit(array, failed_only=True, env={"FAIL": ""})  # the cause fixed
    assert len(sent(lb)) == submissions + 2  # two units of work, no more
    assert list(again["arrayIndex"]) == [1, 3] and list(again["resubmitOf"]) == [array, array]
    assert list(again["jobName"]) == ["shards-1", "shards-3"]
    lb.run_until_idle()
    jobs = described(lb, *again["jobId"])
    assert [j["status"] for j in jobs] == ["SUCCEEDED", "SUCCEEDED"]
    assert all("arrayProperties" not in j or not j["arrayProperties"] for j in jobs)  # single jobs
    assert [printed(b, j) for j in again["jobId"]] == [["unit 1 param default greeting hi"],
                                                         ["unit 3 param default greeting hi"]]
    assert [j["parameters"][resubmit.INDEX] for j in jobs] == ["1", "3"]
    assert all(not e["name"].startswith("AWS_BATCH") for r in sent(lb)[-2:]
               for e in r["containerOverrides"]["environment"])


def test_one_array_child_again_carries_its_index(lb, b):
    array = submit(lb, "shards", arrayProperties={"size": 3})
    lb.run_until_idle()
    again = b.resubmit(f"{array}:2")
    lb.run_until_idle()
    assert again.loc[0, "arrayIndex"] == 2 and printed(b, again.loc[0, "jobId"]) == ["unit 2 param default greeting hi"]


def test_a_whole_array_again_is_an_array_of_the_same_size(lb, b):
    array = submit(lb, "shards", arrayProperties={"size": 4})
    lb.run_until_idle()
    new_id = b.resubmit(array).loc[0, "jobId"]
    lb.run_until_idle()
    new, = described(lb, new_id)
    assert new["arrayProperties"]["size"] == 4 and new["arrayProperties"]["statusSummary"]["SUCCEEDED"] == 4


def test_dependents_that_failed_for_want_of_it_follow_the_new_job(lb, b):
    first = submit(lb, "extract", containerOverrides={"environment": [{"name": "FAIL", "value": "None"}]})
    second = submit(lb, "transform", dependsOn=[{"jobId": first}])
    third = submit(lb, "load", dependsOn=[{"jobId": second}])
    unrelated = submit(lb, "elsewhere", containerOverrides={"environment": [{"name": "FAIL", "value": "None"}]})
    lb.run_until_idle()
    assert [j["status"] for j in described(lb, first, second, third, unrelated)] == ["FAILED"] * 4
    planned = resubmit.plan(b, first, dependents=True, overrides={"env": {"FAIL": ""}})
    assert len(planned) == 3 and "2 job(s) that failed because they depended" in planned.summary
    again = b.resubmit(first, dependents=True, env={"FAIL": ""})
    assert list(again["resubmitOf"]) == [first, second, third]
    new = dict(zip(again["resubmitOf"], again["jobId"]))
    lb.run_until_idle()
    jobs = described(lb, *again["jobId"])
    assert [j["status"] for j in jobs] == ["SUCCEEDED"] * 3
    assert jobs[1]["dependsOn"] == [{"jobId": new[first]}] and jobs[2]["dependsOn"] == [{"jobId": new[second]}]


def test_dependents_of_failed_children_wait_for_every_rerun(lb, b):
    array = submit(lb, "shards", arrayProperties={"size": 4},
                   containerOverrides={"environment": [{"name": "FAIL", "value": "0,2"}]})
    merge = submit(lb, "merge", dependsOn=[{"jobId": array}])
    lb.run_until_idle()
    again = b.resubmit(array, failed_only=True, dependents=True, env={"FAIL": ""})
    assert list(again["resubmitOf"]) == [array, array, merge]
    jobs = described(lb, *again["jobId"])
    assert sorted(d["jobId"] for d in jobs[2]["dependsOn"]) == sorted(again["jobId"][:2])
    lb.run_until_idle()
    assert [j["status"] for j in described(lb, *again["jobId"])] == ["SUCCEEDED"] * 3


def test_what_cannot_be_resubmitted_is_one_line_and_nothing_is_sent(lb, b):
    ok = submit(lb)
    lb.run_until_idle()
    submissions = len(sent(lb))
    cases = [
        (lambda: b.resubmit("no-such-job"), BatchError, "no job with id no-such-job"),
        (lambda: b.resubmit(ok, failed_only=True), ValueError, "SUCCEEDED, not FAILED"),
        (lambda: b.resubmit(ok, envv={"A": "1"}), TypeError, "no override 'envv' (did you mean 'env'"),
        (lambda: b.resubmit(f"{ok}#0"), ValueError, "a node of a multi-node job"),
        (lambda: b.resubmit([]), ValueError, "no job id"),
    ]
    array = submit(lb, "fine", arrayProperties={"size": 2})
    lb.run_until_idle()
    cases.append((lambda: b.resubmit(array, failed_only=True), ValueError, "has failed: nothing to rerun"))
    for call, kind, words in cases:
        with pytest.raises(kind) as caught:
            call()
        assert words in str(caught.value) and "\n" not in str(caught.value)
    assert len(sent(lb)) == submissions + 1  # the array's own submission only


def test_a_running_job_may_be_resubmitted_as_aws_allows(lb, b):
    job = submit(lb)
    new_id = b.resubmit(job).loc[0, "jobId"]
    lb.run_until_idle()
    assert [j["status"] for j in described(lb, job, new_id)] == ["SUCCEEDED", "SUCCEEDED"]


def test_a_request_from_a_record_follows_the_model():
    """The mapping alone: overrides only where the job differs from its definition, AWS_BATCH_* and aws: tags
    dropped, an instance type a single-node job ran on not asked for, a substituted command not an override."""
    definition = {"jobDefinitionArn": "arn:d:1", "parameters": {"p": "1"}, "schedulingPriority": 5,
                  "containerProperties": {"command": ["run", "Ref::p"], "environment": [{"name": "A", "value": "1"}],
                                          "resourceRequirements": [{"type": "VCPU", "value": "1"},
                                                                   {"type": "MEMORY", "value": "512"}]}}
    job = {"jobName": "n", "jobId": "i", "jobQueue": "q", "jobDefinition": "arn:d:1", "status": "FAILED",
           "parameters": {"p": "2"}, "schedulingPriority": 9, "tags": {"aws:batch:x": "y", "k": "v"},
           "dependsOn": [], "arrayProperties": {"size": 3, "statusSummary": {"FAILED": 1}},
           "container": {"command": ["run", "2"], "instanceType": "c4.large", "exitCode": 1,
                         "environment": [{"name": "A", "value": "1"}, {"name": "AWS_BATCH_JOB_ID", "value": "i"},
                                         {"name": "B", "value": "2"}],
                         "resourceRequirements": [{"type": "MEMORY", "value": "512"}, {"type": "VCPU", "value": "1"}]}}
    assert resubmit.request_of(job, definition) == {
        "jobName": "n", "jobQueue": "q", "schedulingPriorityOverride": 9, "arrayProperties": {"size": 3},
        "jobDefinition": "arn:d:1", "parameters": {"p": "2"},
        "containerOverrides": {"environment": [{"name": "B", "value": "2"}]}, "tags": {"k": "v"}}
    ecs = {"jobName": "e", "jobQueue": "q", "jobDefinition": "arn:e:1", "ecsProperties": {"taskProperties": [
        {"containers": [{"name": "main", "command": ["x"], "image": "i", "environment": [{"name": "C", "value": "3"}]},
                        {"name": "side", "command": ["y"], "image": "i"}]}]}}
    ecs_definition = {"ecsProperties": {"taskProperties": [{"containers": [
        {"name": "main", "command": ["x"], "image": "i"}, {"name": "side", "command": ["y"], "image": "i"}]}]}}
    assert resubmit.request_of(ecs, ecs_definition)["ecsPropertiesOverride"] == {"taskProperties": [
        {"containers": [{"name": "main", "environment": [{"name": "C", "value": "3"}]}]}]}
    rerun = resubmit.with_index(resubmit.request_of(ecs, ecs_definition), 4, ecs)  # each container gets the index
    assert rerun["ecsPropertiesOverride"]["taskProperties"][0]["containers"] == [
        {"name": "main", "environment": [{"name": "C", "value": "3"}, {"name": resubmit.INDEX, "value": "4"}]},
        {"name": "side", "environment": [{"name": resubmit.INDEX, "value": "4"}]}]
    assert "containerOverrides" not in rerun and rerun["jobName"] == "e-4"
    eks = {"jobName": "k", "jobQueue": "q", "jobDefinition": "arn:k:1",
           "eksProperties": {"podProperties": {"containers": [{"name": "c", "image": "i"}]}}}
    assert resubmit.with_index(resubmit.request_of(eks, {"eksProperties": eks["eksProperties"]}), 0, eks)[
        "eksPropertiesOverride"] == {"podProperties": {"containers": [{"name": "c", "env": [
            {"name": resubmit.INDEX, "value": "0"}]}]}}  # EKS spells it env


def test_a_multi_node_job_again_keeps_its_node_count(lb, b):
    lb.client.register_job_definition(jobDefinitionName="mpi", type="multinode", nodeProperties={
        "numNodes": 3, "mainNode": 0, "nodeRangeProperties": [{"targetNodes": "0:", "container": {
            "image": "mpi", "command": [sys.executable, "-c", "print('node')"],
            "resourceRequirements": [{"type": "VCPU", "value": "1"}, {"type": "MEMORY", "value": "64"}]}}]})
    job = lb.client.submit_job(jobName="gang", jobQueue="main", jobDefinition="mpi", nodeOverrides={"numNodes": 2})["jobId"]
    new_id = b.resubmit(job).loc[0, "jobId"]  # (an unmanaged environment never runs it: AWS's rule)
    assert sent(lb)[-1]["nodeOverrides"] == {"numNodes": 2} and "containerOverrides" not in sent(lb)[-1]
    new, = described(lb, new_id)
    assert new["nodeProperties"]["numNodes"] == 2 and new["jobDefinition"].endswith("mpi:1")


# --- %batch resubmit ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ip():
    with batch_shell("local --clock manual") as shell:
        yield shell


@pytest.fixture
def shell(ip):
    magics = ip.magics_manager.registry["BatchMagics"]
    magics.b  # connects
    magics._local.reset()
    return ip


def test_the_magic_resubmits_and_asks_for_yes_before_many(shell, capsys):
    lb = shell.magics_manager.registry["BatchMagics"]._local
    lb.set_outcome("shards", exit_code=1, index=[1, 3])
    done = shell.run_line_magic("batch", "submit one HighPriority sleep -- true")
    array = shell.run_line_magic("batch", "submit shards HighPriority sleep --array 6 -- true")
    shell.run_line_magic("batch", "local idle")
    again = shell.run_line_magic("batch", f"resubmit {done.loc[0, 'jobId']} --env STAGE=again")
    assert again.loc[0, "resubmitOf"] == done.loc[0, "jobId"] and again.loc[0, "jobId"] != done.loc[0, "jobId"]
    request = lb.calls.of("SubmitJob")[-1].params
    assert request["containerOverrides"] == {"command": ["true"], "environment": [{"name": "STAGE", "value": "again"}]}
    shell.run_line_magic("batch", f"resubmit {done.loc[0, 'jobId']} --queue LowPriority --memory 1024 -- echo again")
    request = lb.calls.of("SubmitJob")[-1].params
    assert request["jobQueue"] == "LowPriority" and request["containerOverrides"]["command"] == ["echo", "again"]
    assert {"type": "MEMORY", "value": "1024"} in request["containerOverrides"]["resourceRequirements"]
    with pytest.raises(UsageError, match=r"resubmit 2 jobs: 2 failed children of shards \(indexes 1, 3\) needs --yes"):
        shell.run_line_magic("batch", f"resubmit {array.loc[0, 'jobId']} --failed")
    shell.user_ns["arr"] = array
    rerun = shell.run_line_magic("batch", "resubmit arr --failed --yes")
    assert list(rerun["arrayIndex"]) == [1, 3]
    with pytest.raises(UsageError, match="no option --fialed"):
        shell.run_line_magic("batch", "resubmit arr --fialed")
    with pytest.raises(UsageError, match="no child of array job"):
        lb.set_outcome("shards", exit_code=0)
        fine = shell.run_line_magic("batch", "submit shards HighPriority sleep --array 2 -- true")
        shell.run_line_magic("batch", "local idle")
        shell.run_line_magic("batch", f"resubmit {fine.loc[0, 'jobId']} --failed")
    capsys.readouterr()
    shell.run_line_magic("batch", "--help")
    assert "  resubmit   resubmit IDS|VARIABLE [--failed]" in capsys.readouterr().out


def test_the_magic_completes_ids_after_resubmit(shell):
    from tests.test_magics import completions

    job_id = shell.run_line_magic("batch", "submit one HighPriority sleep").loc[0, "jobId"]
    assert completions(shell, f"%batch resubmit {job_id[:6]}") == [job_id]
    assert completions(shell, "%batch resubmit x --fa") == ["--failed"]
    assert completions(shell, "%batch resubmit x --queue Hi") == ["HighPriority"]


# --- the monitor's buttons and the console's form (widgets without a browser) -----------------------------


@pytest.fixture(scope="module")
def demo():
    with batchkit.local(seed="demo", launch_seconds=0, pull_seconds=0) as lb:
        yield lb


@pytest.fixture
def dlb(demo):
    demo.reset()
    return demo


def failed_array(lb):
    lb.set_outcome("shards", exit_code=1, index=[1, 3])
    array = lb.submit("shards", queue="HighPriority", arrayProperties={"size": 6})
    lb.run_until_idle()
    return array


def test_the_monitor_resubmits_a_job_at_once_and_failed_children_after_yes(dlb):
    from batchkit import widgets

    done = dlb.submit("single", queue="HighPriority")
    array = failed_array(dlb)
    monitor = widgets.monitor(dlb.batch, interval=None)
    assert monitor.resubmit_button.disabled  # nothing selected
    monitor.select(done)
    assert not monitor.resubmit_button.disabled and monitor.resubmit_failed_button.layout.display == "none"
    submissions = len(dlb.calls.of("SubmitJob"))
    monitor.resubmit_button.click()
    assert len(dlb.calls.of("SubmitJob")) == submissions + 1 and "resubmitted single:" in monitor.said.value
    assert monitor.selected != done and monitor.selected in monitor.tracker.jobs  # the new job's card
    monitor.select(array)
    assert monitor.resubmit_failed_button.layout.display == "" and monitor.resubmit_failed_button.description == \
        "Resubmit 2 failed"
    monitor.resubmit_failed_button.click()  # two jobs: asks first
    assert monitor.confirm_button.layout.display == "" and monitor.confirm_button.description == "Yes, resubmit 2 jobs"
    assert len(dlb.calls.of("SubmitJob")) == submissions + 1 and "2 failed children of shards" in monitor.said.value
    monitor.abort_button.click()
    assert monitor.confirm_button.layout.display == "none" and len(dlb.calls.of("SubmitJob")) == submissions + 1
    monitor.resubmit_failed_button.click()
    monitor.confirm_button.click()
    sent = [c.params for c in dlb.calls.of("SubmitJob")[-2:]]
    assert sorted(s["jobName"] for s in sent) == ["shards-1", "shards-3"] and "(2 jobs)" in monitor.said.value
    monitor.close()


def test_the_monitor_says_in_one_line_what_cannot_be_resubmitted(dlb):
    from batchkit import widgets

    monitor = widgets.monitor(dlb.batch, interval=None)
    job = dlb.submit("single", queue="HighPriority")
    monitor.refresh()
    monitor.select(job)
    dlb.faults.error("SubmitJob", status=400, code="ClientException", message="queue is full", times=1)
    assert monitor.resubmit() is None
    assert "queue is full" in monitor.said.value and "color:#b00" in monitor.said.value
    monitor.close()


def test_the_consoles_all_actions_has_a_resubmit_form(dlb):
    from batchkit import widgets

    array = failed_array(dlb)
    console = widgets.console(dlb.batch, interval=None)
    console.actions.choice.value = "Resubmit"
    form = console.actions.form
    form.job.value, form.failed_only.value, form.environment.value = array, True, "FIXED=1"
    submissions = len(dlb.calls.of("SubmitJob"))
    assert form.run() is None and form.confirm.layout.display == "" and len(dlb.calls.of("SubmitJob")) == submissions
    form.confirm.click()
    sent = [c.params for c in dlb.calls.of("SubmitJob")[submissions:]]
    assert sorted(s["parameters"][resubmit.INDEX] for s in sent) == ["1", "3"]  # sent in parallel
    assert all({"name": "FIXED", "value": "1"} in s["containerOverrides"]["environment"] for s in sent)
    assert "resubmitted shards-1, shards-3 (2 jobs)" in form.status.value
    form.job.value, form.failed_only.value, form.environment.value = "nope", False, "NOEQUALS"
    assert form.run() is None and "KEY=VALUE" in form.status.value
    form.environment.value = ""
    assert form.run() is None and "no job with id nope" in form.status.value
    console.close()


# --- in a real browser (JupyterLab + headless Chromium, as tests/test_browser.py) --------------------------

BROWSER_CELLS = [
    ("import batchkit\nfrom batchkit import widgets\n"
     "lb = batchkit.local(clock='manual', launch_seconds=0, pull_seconds=0)\n"
     "lb.set_outcome('shards', exit_code=1, duration=40, index=[1, 3], logs=['shard corrupt'])\n"
     "lb.batch.submit_job(jobName='shards', jobQueue='HighPriority', jobDefinition='sleep',\n"
     "                    arrayProperties={'size': 6})\n"
     "lb.run_until_idle();"),
    "widgets.monitor(lb.batch, interval=None)",
]


@browser_test.pytestmark[0]  # skipped where Chromium, JupyterLab or Playwright is missing
@browser_test.pytestmark[1]
def test_resubmit_failed_in_the_monitor_in_a_real_browser(lab, tmp_path):  # noqa: F811  (the fixture)
    """Click the array's row, "Resubmit 2 failed", see the confirmation, say yes: screenshots of both."""
    from playwright.sync_api import expect

    browser_test.write_notebook(tmp_path / "resubmit.ipynb", BROWSER_CELLS)  # beside lab's own, in the folder it serves
    base, token = lab
    with browser_test.chromium("failed-resubmit") as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        workspace = f"resubmit-{secrets.token_hex(4)}"  # of its own: the default one restores other tabs
        browser_test.run_all(page, f"{base}/lab/workspaces/{workspace}/tree/resubmit.ipynb?token={token}")
        monitor = page.locator(".jp-Notebook .jp-Cell").nth(1)
        row = monitor.locator(".batchkit-table tr", has_text="shards")
        expect(row.first).to_contain_text("FAILED", timeout=90_000)
        row.first.click()
        again = monitor.get_by_role("button", name="Resubmit 2 failed")
        expect(again).to_be_visible(timeout=30_000)
        again.click()
        yes = monitor.get_by_role("button", name="Yes, resubmit 2 jobs")
        expect(yes).to_be_visible(timeout=30_000)
        expect(monitor).to_contain_text("2 failed children of shards (indexes 1, 3)")
        browser_test.assert_not_cut(yes)
        monitor.screenshot(path=str(browser_test.ARTIFACTS / "monitor-resubmit-confirm.png"))
        yes.click()
        expect(monitor).to_contain_text("resubmitted shards-1, shards-3 (2 jobs)", timeout=30_000)
        expect(monitor.locator(".batchkit-table")).to_contain_text("shards-3")
        expect(monitor).to_contain_text("6 jobs")  # the panel's last update has arrived
        for button in (again, monitor.locator("button", has_text=re.compile(r"^\s*Resubmit\s*$"))):
            browser_test.assert_not_cut(button)
        monitor.screenshot(path=str(browser_test.ARTIFACTS / "monitor-resubmitted.png"))


def test_a_secret_override_is_sent_again_as_it_was_and_never_shown(demo, capsys):
    """The request is built from the raw answer (a masked value would break the job); what is shown is masked."""
    demo.reset()
    b = demo.batch
    job = b.submit_job(jobName="etl", jobQueue="HighPriority", jobDefinition="etl",
                       containerOverrides={"environment": [{"name": "API_TOKEN", "value": "s3cr3t-value"}]})
    demo.run_until_idle()
    again = b.resubmit(job)
    assert {"name": "API_TOKEN", "value": "s3cr3t-value"} in demo.calls.of("SubmitJob")[-1].params[
        "containerOverrides"]["environment"]
    assert "s3cr3t-value" not in again.to_string() + repr(again.attrs["responses"])
    assert "DB_PASSWORD" not in repr(demo.calls.of("SubmitJob")[-1].params)  # the definition's: not an override
