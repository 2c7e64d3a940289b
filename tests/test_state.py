"""State that survives a restart and a crash (#27): `batchkit.local(state=DIR)`, `batchkit serve --state DIR`.

A crash is simulated two ways: a `batchkit serve` subprocess killed with SIGKILL, and (in process)
a copy of the directory taken while the LocalBatch runs: what a `kill -9` at that instant leaves,
since every entry is in the OS's hands before its answer is returned.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import time

import boto3
import pytest

import batchkit
from batchkit.local import persistence
from batchkit.local.persistence import StateRefused

FAKE = {"aws_access_key_id": "local", "aws_secret_access_key": "local", "region_name": "us-east-1"}


@pytest.fixture(autouse=True)
def checkpoints_by_entries_only(monkeypatch):
    """Checkpoints by work depend on this machine's speed: in process, tests take them by entries only
    (`batchkit serve` subprocesses keep the rule: nothing there counts checkpoints)."""
    monkeypatch.setattr(persistence, "REPLAY_SECONDS", float("inf"))


def everything(lb) -> dict:
    """What a client can see: every job in full (array children included), resources, logs, the clock."""
    client = lb.client
    ids = []
    for queue in client.describe_job_queues()["jobQueues"]:
        for status in ("SUBMITTED", "PENDING", "RUNNABLE", "STARTING", "RUNNING", "SUCCEEDED", "FAILED"):
            for page in client.get_paginator("list_jobs").paginate(jobQueue=queue["jobQueueName"], jobStatus=status):
                ids += [job["jobId"] for job in page["jobSummaryList"]]
    jobs = []
    for start in range(0, len(ids), 100):
        jobs += client.describe_jobs(jobs=ids[start:start + 100])["jobs"]
    children = [f"{job['jobId']}:{index}" for job in jobs for index in range(job.get("arrayProperties", {}).get("size", 0))]
    for start in range(0, len(children), 100):
        jobs += client.describe_jobs(jobs=children[start:start + 100])["jobs"]
    logs = {}
    for job in jobs:
        stream = job.get("container", {}).get("logStreamName")
        if stream:
            logs[stream] = [e["message"] for e in lb.boto3_client("logs").get_log_events(
                logGroupName="/aws/batch/job", logStreamName=stream)["events"]]
    return {
        "now": lb.now,
        "jobs": sorted(jobs, key=lambda job: job["jobId"]),
        "queues": client.describe_job_queues()["jobQueues"],
        "environments": client.describe_compute_environments()["computeEnvironments"],
        "definitions": client.describe_job_definitions()["jobDefinitions"],
        "policies": client.list_scheduling_policies()["schedulingPolicies"],
        "tags": {job["jobArn"]: client.list_tags_for_resource(resourceArn=job["jobArn"])["tags"] for job in jobs},
        "logs": logs,
    }


def busy_day(lb) -> dict:
    """A bit of everything that changes state, the clock moving in between; the ids it made."""
    c = lb.client
    c.create_compute_environment(computeEnvironmentName="extra-ce", type="UNMANAGED", serviceRole="svc")
    c.create_job_queue(jobQueueName="Extra", priority=5, computeEnvironmentOrder=[
        {"order": 1, "computeEnvironment": "extra-ce"}])
    c.register_job_definition(jobDefinitionName="hello", type="container", containerProperties={
        "image": "busybox", "command": ["echo", "hello"], "resourceRequirements": [
            {"type": "VCPU", "value": "1"}, {"type": "MEMORY", "value": "512"}]})
    lb.set_outcome("flaky", exit_code=[1, 0], duration=30, logs=["trying", "done"])
    lb.set_outcome("shards", exit_code=3, index=range(1, 2))
    lb.set_outcome("long", duration=3000)
    ids = {"first": c.submit_job(jobName="first", jobQueue="HighPriority", jobDefinition="etl",
                                 tags={"team": "a"})["jobId"],
           "long": c.submit_job(jobName="long", jobQueue="HighPriority", jobDefinition="sleep",
                                retryStrategy={"attempts": 2})["jobId"]}
    lb.advance(30)
    ids["after"] = c.submit_job(jobName="after", jobQueue="HighPriority", jobDefinition="sleep",
                                dependsOn=[{"jobId": ids["first"]}])["jobId"]
    ids["shards"] = c.submit_job(jobName="shards", jobQueue="LowPriority", jobDefinition="sleep",
                                 arrayProperties={"size": 3})["jobId"]
    ids["flaky"] = c.submit_job(jobName="flaky", jobQueue="Extra", jobDefinition="hello",
                                retryStrategy={"attempts": 2})["jobId"]
    ids["share"] = c.submit_job(jobName="mine", jobQueue="FairShare", jobDefinition="sleep",
                                shareIdentifier="mlvision")["jobId"]
    ids["gone"] = c.submit_job(jobName="gone", jobQueue="Backfill", jobDefinition="sleep")["jobId"]
    c.cancel_job(jobId=ids["gone"], reason="not needed")
    lb.advance(150)
    c.update_job_queue(jobQueue="Backfill", priority=2)
    c.tag_resource(resourceArn=c.describe_job_queues(jobQueues=["Extra"])["jobQueues"][0]["jobQueueArn"],
                   tags={"owner": "me"})
    assert c.describe_jobs(jobs=[ids["long"]])["jobs"][0]["status"] == "RUNNING"
    lb.interrupt(ids["long"])  # its host goes: a second attempt
    lb.advance(45)
    return ids


def copy_as_crash(source, target):
    """The directory as a `kill -9` would leave it now (the lock is the kernel's, not the file's)."""
    shutil.copytree(source, target)


# -- the issue's check: a real `batchkit serve --state DIR`, kill -9, a new one ----------------------

def serve(state, *extra):
    process = subprocess.Popen([sys.executable, "-m", "batchkit", "serve", "--port", "0", "--seed", "demo",
                                "--state", str(state), *extra],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    endpoint = process.stdout.readline().strip()
    if not endpoint:
        process.wait(timeout=30)
        pytest.fail(f"batchkit serve did not start: {process.stderr.read()}")
    return process, boto3.client("batch", endpoint_url=endpoint, **FAKE)


def test_the_issue_check_kill_9_then_a_new_serve_describes_the_same(tmp_path):
    state = tmp_path / "state"
    process, batch = serve(state, "--clock", "realtime", "--speed", "1000")
    try:
        definition = batch.register_job_definition(
            jobDefinitionName="persisted", type="container",
            containerProperties={"image": "busybox", "command": ["true"],
                                 "resourceRequirements": [{"type": "VCPU", "value": "1"},
                                                          {"type": "MEMORY", "value": "512"}]})
        job = batch.submit_job(jobName="finish-me", jobQueue="HighPriority", jobDefinition="persisted")["jobId"]
        deadline = time.monotonic() + 60
        while batch.describe_jobs(jobs=[job])["jobs"][0]["status"] != "SUCCEEDED":
            assert time.monotonic() < deadline, batch.describe_jobs(jobs=[job])["jobs"][0]
            time.sleep(0.05)
        array = batch.submit_job(jobName="fan-out", jobQueue="LowPriority", jobDefinition="persisted",
                                 arrayProperties={"size": 4})["jobId"]
        finished = batch.describe_jobs(jobs=[job])["jobs"][0]
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    assert process.returncode == -signal.SIGKILL

    process, batch = serve(state, "--clock", "manual")  # nothing moves on: what was there, as it was
    try:
        assert "restored" in process.stderr.readline() + process.stderr.readline()
        definitions = batch.describe_job_definitions(jobDefinitionName="persisted")["jobDefinitions"]
        assert [d["jobDefinitionArn"] for d in definitions] == [definition["jobDefinitionArn"]]
        again = {j["jobId"]: j for j in batch.describe_jobs(jobs=[job, array])["jobs"]}
        assert again[job]["status"] == "SUCCEEDED"
        assert {k: again[job][k] for k in ("jobArn", "createdAt", "startedAt", "stoppedAt", "attempts")} == \
            {k: finished[k] for k in ("jobArn", "createdAt", "startedAt", "stoppedAt", "attempts")}
        assert again[array]["arrayProperties"]["size"] == 4 and again[array]["jobName"] == "fan-out"
        # the seeded jobs are there too, with their ids
        seeded = batch.list_jobs(jobQueue="HighPriority", jobStatus="SUCCEEDED")["jobSummaryList"]
        assert {"nightly-etl", "finish-me"} <= {j["jobName"] for j in seeded}
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_a_second_serve_on_the_same_directory_is_refused_with_one_line(tmp_path):
    state = tmp_path / "state"
    with batchkit.local(state=state):
        done = subprocess.run([sys.executable, "-m", "batchkit", "serve", "--state", str(state)],
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 1 and done.stdout == ""
        assert done.stderr.count("\n") == 1 and "in use by another process" in done.stderr
        assert f"pid {os.getpid()}" in done.stderr
        with pytest.raises(StateRefused, match="in use by another process"):
            batchkit.local(state=state)  # in this process too
    with batchkit.local(state=state) as lb:  # the lock went with the first
        assert lb.restored


# -- in process: round trips, crash copies, determinism ------------------------------------------------

def test_a_crash_copy_restores_everything_and_goes_on_exactly_as_the_original(tmp_path):
    original = batchkit.local(seed="demo", state=tmp_path / "live")
    try:
        ids = busy_day(original)
        seen = everything(original)
        copy_as_crash(tmp_path / "live", tmp_path / "crashed")
        original.advance(600)  # the original goes on ...
        later = everything(original)
    finally:
        original.stop()
    with batchkit.local(seed="demo", state=tmp_path / "crashed") as lb:
        assert lb.restored and lb.seed_label == "seed demo"
        assert everything(lb) == seen
        lb.advance(600)  # ... and so does the copy: the same ids, instances, log streams and outcomes
        assert everything(lb) == later
        by_id = {job["jobId"]: job for job in lb.client.describe_jobs(jobs=list(ids.values()))["jobs"]}
        statuses = {name: by_id[job_id]["status"] for name, job_id in ids.items()}
        assert statuses["shards"] == "FAILED" and statuses["flaky"] == "SUCCEEDED"  # the outcome rules held
        assert statuses["gone"] == "FAILED" and by_id[ids["gone"]]["statusReason"] == "not needed"
        assert by_id[ids["long"]]["attempts"][0]["statusReason"].startswith("Host EC2 (instance i-")
        assert len(by_id[ids["flaky"]]["attempts"]) == 2


def test_a_clean_stop_checkpoints_and_the_next_start_replays_nothing(tmp_path):
    with batchkit.local(state=tmp_path) as lb:
        busy_day(lb)
        seen = everything(lb)
        assert lb._runtime.journal.count > 0
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("base-")) == [
        "batchkit-state.json", "checkpoint-2.pickle", "journal-2.jsonl", "lock"]
    assert len(list(tmp_path.glob("base-*.pickle"))) == 1
    assert (tmp_path / "journal-2.jsonl").read_text().count("\n") == 1  # its first line only
    with batchkit.local(state=tmp_path) as lb:
        assert everything(lb) == seen


def test_checkpoints_rotate_the_journal(tmp_path, monkeypatch):
    monkeypatch.setattr(persistence, "CHECKPOINT_EVERY", 5)
    original = batchkit.local(state=tmp_path / "live")
    try:
        for number in range(12):
            original.client.submit_job(jobName=f"j{number}", jobQueue="HighPriority", jobDefinition="sleep")
        names = sorted(p.name for p in (tmp_path / "live").iterdir())
        assert "checkpoint-3.pickle" in names and "journal-3.jsonl" in names and "journal-1.jsonl" not in names
        seen = everything(original)
        copy_as_crash(tmp_path / "live", tmp_path / "crashed")
    finally:
        original.stop()
    with batchkit.local(state=tmp_path / "crashed") as lb:
        assert everything(lb) == seen


def test_a_checkpoint_follows_work_that_would_take_long_to_replay(tmp_path, monkeypatch):
    with batchkit.local(state=tmp_path) as lb:
        for number in range(300):
            lb.client.submit_job(jobName=f"j{number}", jobQueue="HighPriority", jobDefinition="sleep")
        assert lb._state.journal.generation == 1
        monkeypatch.setattr(persistence, "REPLAY_SECONDS", 0.0)  # any work above 4x what the last checkpoint took
        lb.run_until_idle()  # 300 jobs simulated: far more than writing the demo seed's state took
        assert lb._state.journal.generation == 2 and lb._state.journal.count == 0
        assert (tmp_path / "journal-2.jsonl").read_text().count("\n") == 1


def test_the_realtime_clock_goes_on_from_where_it_stopped(tmp_path):
    with batchkit.local(clock="realtime", speed=1000, state=tmp_path / "live") as lb:
        job = lb.client.submit_job(jobName="r", jobQueue="HighPriority", jobDefinition="sleep")["jobId"]
        deadline = time.monotonic() + 30
        while lb.client.describe_jobs(jobs=[job])["jobs"][0]["status"] != "SUCCEEDED":
            assert time.monotonic() < deadline
            time.sleep(0.02)
        finished = lb.client.describe_jobs(jobs=[job])["jobs"][0]
        copy_as_crash(tmp_path / "live", tmp_path / "crashed")
    with batchkit.local(clock="manual", state=tmp_path / "crashed") as lb:
        assert lb.client.describe_jobs(jobs=[job])["jobs"][0] == finished
        assert lb.now >= finished["stoppedAt"]  # not the wall clock's time, nor the first start's


# -- reset, seeds, settings --------------------------------------------------------------------

def test_reset_is_persisted_and_goes_back_to_the_stored_seed_after_a_restart(tmp_path):
    with batchkit.local(state=tmp_path) as lb:
        seeded = everything(lb)
        seed_ids = list(lb.seed_job_ids)
        mine = lb.client.submit_job(jobName="mine", jobQueue="HighPriority", jobDefinition="sleep")["jobId"]
        lb.reset()
        assert everything(lb) == seeded
    with batchkit.local(state=tmp_path) as lb:
        assert everything(lb)["jobs"] == seeded["jobs"] and not lb.client.describe_jobs(jobs=[mine])["jobs"]
        lb.client.submit_job(jobName="again", jobQueue="HighPriority", jobDefinition="sleep")
        lb.reset()  # after a restart: from base-*.pickle, not by seeding again
        assert everything(lb)["jobs"] == seeded["jobs"] and lb.seed_job_ids == seed_ids
        lb.reset(seed="empty")
    with batchkit.local(seed="demo", state=tmp_path) as lb:
        assert lb.seed_label == "seed empty" and not lb.client.describe_job_queues()["jobQueues"]
        lb.reset()
        assert not lb.client.describe_job_queues()["jobQueues"]


def test_a_crash_between_a_new_seeds_base_and_its_checkpoint_keeps_the_old_pair(tmp_path):
    batchkit.local(seed="empty", state=tmp_path / "empty").stop()
    with batchkit.local(state=tmp_path / "demo") as lb:
        queues = lb.client.describe_job_queues()["jobQueues"]
    # reset(seed="empty") writes that seed's base, then the checkpoint naming it: a crash between leaves this
    [empty_base] = (tmp_path / "empty").glob("base-*.pickle")
    shutil.copy(empty_base, tmp_path / "demo")
    with batchkit.local(state=tmp_path / "demo") as lb:
        lb.reset()
        assert lb.client.describe_job_queues()["jobQueues"] == queues and lb.seed_label == "seed demo"
        lb.reset(seed="empty")
    assert [p.name for p in (tmp_path / "demo").glob("base-*.pickle")] == [empty_base.name]  # the other one went


def test_moto_api_reset_is_persisted(tmp_path):
    with batchkit.local(state=tmp_path) as lb:
        endpoint = lb.serve(moto_api=True)
        batch = boto3.client("batch", endpoint_url=endpoint, **FAKE)
        mine = batch.submit_job(jobName="mine", jobQueue="HighPriority", jobDefinition="sleep")["jobId"]
        import urllib.request

        urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST"), timeout=10)
        assert not batch.describe_jobs(jobs=[mine])["jobs"]
        copy_as_crash(tmp_path, tmp_path.parent / "crashed")
    with batchkit.local(state=tmp_path.parent / "crashed") as lb:
        assert not lb.client.describe_jobs(jobs=[mine])["jobs"]
        assert lb.client.describe_jobs(jobs=lb.seed_job_ids)["jobs"]


def test_a_seed_given_with_an_existing_state_is_ignored_with_a_note(tmp_path, caplog):
    batchkit.local(seed="empty", state=tmp_path).stop()
    with caplog.at_level(logging.WARNING, logger="batchkit.local"), batchkit.local(seed="demo", state=tmp_path) as lb:
        assert not lb.client.describe_job_queues()["jobQueues"]
    [note] = [r.getMessage() for r in caplog.records]
    assert note == f"{tmp_path} holds a state seeded from seed empty: seed demo ignored"


def test_account_and_region_come_from_the_state(tmp_path):
    with batchkit.local(state=tmp_path, account="210987654321", region="eu-west-1") as lb:
        arn = lb.client.describe_job_queues()["jobQueues"][0]["jobQueueArn"]
    with batchkit.local(state=tmp_path) as lb:
        assert (lb.account, lb.region) == ("210987654321", "eu-west-1")
        assert lb.client.describe_job_queues()["jobQueues"][0]["jobQueueArn"] == arn
    with pytest.raises(StateRefused, match="the state is of region eu-west-1, not us-west-2"):
        batchkit.local(state=tmp_path, region="us-west-2")
    with batchkit.local(state=tmp_path):  # the refusal left nothing locked
        pass


def test_a_state_that_is_not_a_path_is_refused():
    with pytest.raises(ValueError, match=r"^state must be the path of a directory, not 3$"):
        batchkit.local(state=3)


def test_the_subprocess_executor_cannot_keep_state(tmp_path):
    with pytest.raises(ValueError, match="state= needs executor='simulated'"):
        batchkit.local(executor="subprocess", state=tmp_path)
    assert not list(tmp_path.iterdir())


# -- damaged, partial and foreign directories: refused with one line, nothing dropped -------------------

@pytest.fixture
def stored(tmp_path):
    """A state directory after a crash: a checkpoint and a journal of a few entries."""
    live = batchkit.local(state=tmp_path / "live")
    try:
        for name in ("a", "b", "c"):
            live.client.submit_job(jobName=name, jobQueue="HighPriority", jobDefinition="sleep")
        live.advance(10)
        copy_as_crash(tmp_path / "live", tmp_path / "state")
    finally:
        live.stop()
    return tmp_path / "state"


def refused(state, *words):
    before = {p.name: p.read_bytes() for p in state.iterdir() if p.name != "lock"}
    with pytest.raises(StateRefused) as caught:
        batchkit.local(state=state)
    message = str(caught.value)
    assert "\n" not in message and all(word in message for word in words), message
    assert {p.name: p.read_bytes() for p in state.iterdir() if p.name != "lock"} == before  # nothing dropped
    return message


def test_a_torn_last_line_is_an_unanswered_request_dropped_with_a_warning(stored, caplog):
    journal = stored / "journal-1.jsonl"
    whole = journal.read_bytes()
    journal.write_bytes(whole + b'{"k":"call","t":17966')
    with caplog.at_level(logging.WARNING, logger="batchkit.local"), batchkit.local(state=stored) as lb:
        assert len(lb.client.list_jobs(jobQueue="HighPriority", jobStatus="RUNNABLE")["jobSummaryList"]) == 3
        lb.client.submit_job(jobName="d", jobQueue="HighPriority", jobDefinition="sleep")  # appends after the cut
        assert journal.read_bytes().startswith(whole) and journal.read_bytes().endswith(b"}\n")
        copy_as_crash(stored, stored.parent / "again")
    [warning] = [r.getMessage() for r in caplog.records]
    assert warning == f"{journal}: its last entry was cut off by a crash (a request never answered): dropped"
    with batchkit.local(state=stored.parent / "again") as lb:
        assert len(lb.client.list_jobs(jobQueue="HighPriority", jobStatus="SUBMITTED")["jobSummaryList"]) == 1


def test_a_journal_line_that_does_not_parse_is_refused(stored):
    journal = stored / "journal-1.jsonl"
    lines = journal.read_bytes().split(b"\n")
    lines[2] = lines[2][:-5] + b"#####"
    journal.write_bytes(b"\n".join(lines))
    assert refused(stored) == f"{journal} line 3 does not parse: the journal is damaged"


def test_a_journal_that_replays_differently_is_refused(stored):
    journal = stored / "journal-1.jsonl"
    lines = journal.read_text().split("\n")
    entry = json.loads(lines[1])
    entry["a"]["jobId"] = "00000000-0000-4000-8000-000000000000"  # an id the replay will not give
    lines[1] = json.dumps(entry)
    journal.write_text("\n".join(lines))
    refused(stored, f"{journal} line 2: SubmitJob answered", "the state cannot be rebuilt as it was")


def test_a_damaged_or_missing_checkpoint_is_refused(stored):
    checkpoint = stored / "checkpoint-1.pickle"
    data = bytearray(checkpoint.read_bytes())
    data[-100] ^= 0xFF
    checkpoint.write_bytes(bytes(data))
    assert refused(stored).startswith(f"{checkpoint} is damaged")
    checkpoint.write_bytes(bytes(data[:len(data) // 2]))
    assert refused(stored).startswith(f"{checkpoint} is damaged")
    checkpoint.write_bytes(b"something else")
    assert refused(stored) == f"{checkpoint}: not a batchkit checkpoint"
    checkpoint.unlink()
    assert refused(stored) == f"state directory {stored} has no checkpoint-*.pickle: a partial state"


def test_a_journal_without_its_checkpoint_is_refused(stored):
    (stored / "journal-1.jsonl").rename(stored / "journal-7.jsonl")
    assert refused(stored) == f"{stored / 'journal-7.jsonl'}: a journal without its checkpoint (checkpoint-7.pickle)"


def test_another_version_or_format_is_refused(stored):
    header = stored / "batchkit-state.json"
    written = json.loads(header.read_text())
    header.write_text(json.dumps({**written, "batchkit": "0.1.0"}))
    assert "written by batchkit 0.1.0" in refused(stored, "cannot read it")
    header.write_text(json.dumps({**written, "format": 99}))
    refused(stored, "state format 99")
    header.write_text("{not json")
    refused(stored, f"{header} is damaged")


def test_a_partial_or_foreign_directory_is_refused(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    assert refused(tmp_path) == (f"state directory {tmp_path} has no batchkit-state.json but holds notes.txt: a partial "
                                 "state or another program's directory (use an empty one)")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]  # no lock file left in someone else's directory
    file = tmp_path / "notes.txt"
    with pytest.raises(StateRefused, match="is not a directory|File exists"):
        batchkit.local(state=file)


def test_the_cli_prints_refusals_as_one_line(stored):
    (stored / "checkpoint-1.pickle").unlink()
    done = subprocess.run([sys.executable, "-m", "batchkit", "serve", "--state", str(stored)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert done.stderr == f"batchkit: state directory {stored} has no checkpoint-*.pickle: a partial state\n"


def test_a_region_first_read_then_written_replays_the_same_ids(tmp_path):
    original = batchkit.local(seed="empty", state=tmp_path / "live")
    try:
        west = boto3.client("batch", endpoint_url=original.serve(), **{**FAKE, "region_name": "eu-west-1"})
        boto3.client("batch", endpoint_url=original.endpoint_url, **{**FAKE, "region_name": "us-west-2"}
                     ).describe_job_queues()  # regions made by reads, which are not journaled
        west.describe_job_queues()
        original.advance(5)
        west.create_compute_environment(computeEnvironmentName="ce", type="UNMANAGED", serviceRole="svc")
        west.create_job_queue(jobQueueName="q", priority=1, computeEnvironmentOrder=[{"order": 1, "computeEnvironment": "ce"}])
        west.register_job_definition(jobDefinitionName="d", type="container", containerProperties={
            "image": "busybox", "resourceRequirements": [{"type": "VCPU", "value": "1"}, {"type": "MEMORY", "value": "512"}]})
        job = west.submit_job(jobName="w", jobQueue="q", jobDefinition="d")["jobId"]
        original.advance(60)
        seen = west.describe_jobs(jobs=[job])["jobs"]
        copy_as_crash(tmp_path / "live", tmp_path / "crashed")
    finally:
        original.stop()
    with batchkit.local(state=tmp_path / "crashed") as lb:
        west = boto3.client("batch", endpoint_url=lb.serve(), **{**FAKE, "region_name": "eu-west-1"})
        assert west.describe_jobs(jobs=[job])["jobs"] == seen


def test_serve_stops_cleanly_on_sigterm_with_a_checkpoint(tmp_path):
    process, batch = serve(tmp_path, "--clock", "manual")
    job = batch.submit_job(jobName="kept", jobQueue="HighPriority", jobDefinition="sleep")["jobId"]
    process.terminate()
    assert process.wait(timeout=30) == 0
    assert (tmp_path / "checkpoint-2.pickle").exists()  # the journal was folded in: nothing to replay
    assert (tmp_path / "journal-2.jsonl").read_text().count("\n") == 1
    with batchkit.local(state=tmp_path) as lb:
        assert lb.client.describe_jobs(jobs=[job])["jobs"][0]["jobName"] == "kept"
