"""Seeds, big and small: reset restores them exactly whatever a test did; jobs enter in bulk,
validated like SubmitJob; seeded history carries its final state; job tables round-trip."""

import copy
import datetime
import gc
from importlib import resources

import boto3
import pytest
import yaml

import batchkit
from batchkit.local import seed as seeds
from batchkit.local import snapshot

DEMO = yaml.safe_load(resources.files("batchkit.local").joinpath("seeds/demo.yaml").read_text())
T0 = 1_760_000_000_000  # a recorded history's times (epoch ms)


def history(count: int) -> list[dict]:
    return [{"jobName": f"old-{i}", "jobQueue": "LowPriority", "jobDefinition": "etl", "jobId": f"old-{i:05d}",
             "status": "FAILED" if i % 7 == 0 else "SUCCEEDED", "createdAt": T0 + i * 1000,
             "startedAt": T0 + i * 1000 + 200, "stoppedAt": T0 + i * 1000 + 900, "exitCode": 1 if i % 7 == 0 else 0,
             "statusReason": "Essential container in task exited", "tags": {"team": "data"} if i % 2 else {},
             "logs": [f"row {i}"]} for i in range(count)]


def seed_with(count: int) -> dict:
    """The demo seed, a parked environment whose jobs stay RUNNABLE/PENDING, and `count` finished jobs."""
    seed = copy.deepcopy(DEMO)
    seed["computeEnvironments"].append({"computeEnvironmentName": "parked", "type": "UNMANAGED", "state": "DISABLED"})
    seed["jobQueues"].append({"jobQueueName": "Parked", "priority": 1,
                              "computeEnvironmentOrder": [{"order": 1, "computeEnvironment": "parked"}]})
    seed["jobs"] += history(count) + [{"jobName": "waiting", "jobQueue": "Parked", "jobDefinition": "sleep"}]
    return seed


def state(lb) -> dict:
    """Everything a test could look at: jobs in full, resources, tags, every log event, the clock."""
    c, logs = lb.client, lb.boto3_client("logs")
    queues = c.describe_job_queues()["jobQueues"]
    job_ids = [s["jobId"] for q in queues for status in ("SUBMITTED", "PENDING", "RUNNABLE", "STARTING", "RUNNING",
                                                          "SUCCEEDED", "FAILED")
               for page in c.get_paginator("list_jobs").paginate(jobQueue=q["jobQueueName"], jobStatus=status)
               for s in page["jobSummaryList"]]
    jobs = [job for start in range(0, len(job_ids), 100)
            for job in c.describe_jobs(jobs=job_ids[start:start + 100])["jobs"]]
    events = [(e["logStreamName"], e["message"], e["timestamp"]) for group in logs.describe_log_groups()["logGroups"]
              for page in logs.get_paginator("filter_log_events").paginate(logGroupName=group["logGroupName"])
              for e in page["events"]]
    return {"jobs": sorted(jobs, key=lambda j: j["jobId"]), "queues": queues,
            "environments": c.describe_compute_environments()["computeEnvironments"],
            "definitions": c.describe_job_definitions()["jobDefinitions"],
            "tags": [c.list_tags_for_resource(resourceArn=arn)["tags"] for arn in
                     (queues[0]["jobQueueArn"], jobs[0]["jobArn"], jobs[-1]["jobArn"])],
            "streams": sorted(s["logStreamName"] for s in logs.describe_log_streams(logGroupName="/aws/batch/job")
                              ["logStreams"]) if events else [],
            "events": sorted(events), "now": lb.now}


def change_everything(lb) -> None:
    c, logs = lb.client, lb.boto3_client("logs")
    seeded = c.describe_jobs(jobs=["old-00001"])["jobs"][0]
    waiting = c.list_jobs(jobQueue="Parked", jobStatus="RUNNABLE")["jobSummaryList"][0]["jobId"]
    c.submit_job(jobName="new", jobQueue="HighPriority", jobDefinition="sleep")
    c.tag_resource(resourceArn=seeded["jobArn"], tags={"team": "ml", "extra": "x"})
    c.untag_resource(resourceArn=c.describe_job_queues()["jobQueues"][0]["jobQueueArn"], tagKeys=["team"])
    c.tag_resource(resourceArn=c.describe_job_queues()["jobQueues"][0]["jobQueueArn"], tags={"new": "tag"})
    c.update_compute_environment(computeEnvironment="parked", state="ENABLED")  # the parked job runs
    lb.advance(3600)
    c.terminate_job(jobId=seeded["jobId"], reason="late")  # finished: nothing changes, as on AWS
    c.update_job_queue(jobQueue="HighPriority", priority=99, state="DISABLED")
    c.deregister_job_definition(jobDefinition="sleep:1")
    stream = seeded["attempts"][-1]["container"]["logStreamName"]
    logs.put_log_events(logGroupName="/aws/batch/job", logStreamName=stream,
                        logEvents=[{"timestamp": T0 + 5, "message": "written later"}])
    logs.create_log_stream(logGroupName="/aws/batch/job", logStreamName="mine")
    other = c.describe_jobs(jobs=["old-00002"])["jobs"][0]["attempts"][-1]["container"]["logStreamName"]
    logs.delete_log_stream(logGroupName="/aws/batch/job", logStreamName=other)
    with lb.intercept():
        boto3.client("s3", region_name=lb.region).create_bucket(Bucket="made-by-a-test")
    assert c.describe_jobs(jobs=[waiting])["jobs"][0]["status"] == "SUCCEEDED"


@pytest.mark.parametrize("copied", ["unpickled", "deep-copied"])
@pytest.mark.parametrize("count", [20, 10_000])
def test_reset_restores_the_seed_exactly_whatever_the_test_changed(count, copied, monkeypatch):
    if copied == "deep-copied":  # what a state that does not pickle gets
        monkeypatch.setattr(snapshot, "_pickled", lambda value, memo: None)
    with batchkit.local(seed=seed_with(count)) as lb:
        assert (next(iter(lb._snapshots.values()))._pickled is None) == (copied == "deep-copied")
        seeded = state(lb)
        assert len(seeded["jobs"]) == count + 4
        assert {j["jobName"]: j["status"] for j in seeded["jobs"]}["waiting"] == "RUNNABLE"
        for _ in range(2):  # and again from a restored state
            change_everything(lb)
            assert state(lb) != seeded
            lb.reset()
            assert state(lb) == seeded
        with lb.intercept():
            assert boto3.client("s3", region_name=lb.region).list_buckets()["Buckets"] == []


def test_seeded_history_is_recorded_as_given_not_simulated():
    with batchkit.local(seed={**DEMO, "jobs": history(3)}) as lb:
        job = lb.client.describe_jobs(jobs=["old-00000"])["jobs"][0]
        assert (job["status"], job["createdAt"], job["startedAt"], job["stoppedAt"]) == (
            "FAILED", T0, T0 + 200, T0 + 900)
        assert job["attempts"][0]["container"]["exitCode"] == 1 and job["tags"] == {}
        assert lb.client.describe_jobs(jobs=["old-00001"])["jobs"][0]["tags"] == {"team": "data"}
        assert lb.batch.logs("old-00001")["message"].tolist() == ["row 1"]
        assert lb.seed_job_ids == ["old-00000", "old-00001", "old-00002"]
        assert lb.calls.of("SubmitJob") == []  # seeded in bulk, not one request each


@pytest.mark.parametrize("entry, words", [
    ({"jobName": "x", "jobQueue": "Nope", "jobDefinition": "etl"}, "jobs[0] (x): Job queue Nope does not exist"),
    ({"jobName": 5, "jobQueue": "HighPriority", "jobDefinition": "etl"}, "jobs[0] (5): SubmitJob: Invalid type for parameter jobName"),
    ({"jobName": "x", "jobQueue": "HighPriority", "jobDefinition": "etl", "status": "RUNNING"}, "SUCCEEDED or FAILED"),
    ({"jobName": "x", "jobQueue": "HighPriority", "jobDefinition": "etl", "exitCode": 3}, "need a status"),
    ({"jobName": "x", "jobQueue": "HighPriority", "jobDefinition": "etl", "status": "FAILED", "createdAt": "noon"},
     "createdAt 'noon' is not a time"),
    ("submit everything", "jobs[0] (not a mapping)"),
])
def test_each_seeded_job_is_validated_like_submit_job_with_a_one_line_error(entry, words):
    with pytest.raises(ValueError) as caught:
        batchkit.local(seed={**DEMO, "jobs": [entry]})
    assert words in str(caught.value) and "\n" not in str(caught.value)


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".parquet"])
def test_a_job_table_exported_from_batch_round_trips_into_a_seed(tmp_path, suffix):
    with batchkit.local(seed="demo") as source:
        source.set_outcome("broken", exit_code=3, logs=["boom"])
        source.batch.submit_job(jobName="broken", jobQueue="HighPriority", jobDefinition="etl",
                                parameters={"date": "2026-11-30"})
        source.run_until_idle()
        exported = source.batch.jobs(detail=True)
    path = tmp_path / f"history{suffix}"
    if suffix == ".csv":
        exported.to_csv(path, index=False)
    elif suffix == ".jsonl":
        exported.to_json(path, orient="records", lines=True, date_format="iso")
    else:  # Parquet cannot store empty maps: df.batch.to_table writes lists and maps as JSON
        pytest.importorskip("pyarrow")
        exported.batch.to_table(path)
    seed = tmp_path / "seed.yaml"
    seed.write_text(yaml.safe_dump({**{k: v for k, v in DEMO.items() if k != "jobs"}, "jobs": path.name}))
    with batchkit.local(seed=str(seed)) as lb:
        again = lb.batch.jobs(detail=True)
    columns = ["jobId", "jobName", "status", "createdAt", "startedAt", "stoppedAt", "statusReason",
               "container.exitCode", "parameters"]
    mine = again.set_index("jobId").sort_index()
    theirs = exported.set_index("jobId").sort_index()
    assert mine.index.tolist() == theirs.index.tolist() and len(mine) == 4
    for column in columns[1:]:
        assert mine[column].tolist() == theirs[column].tolist(), column


def test_reset_restores_fair_share_state_exactly():
    """Share usage, active shares, queued jobs in fair-share order and the policies come back as seeded."""
    seed = copy.deepcopy(DEMO)
    seed["schedulingPolicies"].append({"name": "fair", "fairsharePolicy": {"shareDecaySeconds": 86_400,
                                                                           "computeReservation": 10}})
    seed["jobQueues"].append({"jobQueueName": "Fair", "priority": 5, "schedulingPolicyArn": "fair",
                              "computeEnvironmentOrder": [{"order": 1, "computeEnvironment": "ondemand-ce"}]})
    seed["jobs"] += [{"jobName": "early", "jobQueue": "Fair", "jobDefinition": "sleep", "shareIdentifier": "A"}]
    with batchkit.local(seed=seed) as lb:
        c = lb.client
        arn = next(p["arn"] for p in c.list_scheduling_policies()["schedulingPolicies"] if p["arn"].endswith("/fair"))

        def fair_state() -> dict:
            ids = [s["jobId"] for status in ("SUBMITTED", "PENDING", "RUNNABLE", "STARTING", "RUNNING", "SUCCEEDED")
                   for s in c.list_jobs(jobQueue="Fair", jobStatus=status)["jobSummaryList"]]
            snapshot = {k: v for k, v in c.get_job_queue_snapshot(jobQueue="Fair").items() if k != "ResponseMetadata"}
            return {"snapshot": snapshot,
                    "policies": c.describe_scheduling_policies(arns=[arn])["schedulingPolicies"],
                    "jobs": sorted((j["jobName"], j["status"], j.get("shareIdentifier")) for j in
                                   c.describe_jobs(jobs=ids)["jobs"])}

        seeded = fair_state()
        assert seeded["jobs"] == [("early", "SUCCEEDED", "A")]
        for _ in range(2):
            for share in ("A", "B"):
                for i in range(3):
                    c.submit_job(jobName=f"{share}{i}", jobQueue="Fair", jobDefinition="sleep", shareIdentifier=share)
            lb.advance(1)
            # A used the environment while seeded (a day's memory): B's jobs come first though submitted later
            names = {j["jobArn"]: j["jobName"] for j in c.describe_jobs(jobs=[
                s["jobId"] for s in c.list_jobs(jobQueue="Fair", jobStatus="RUNNABLE")["jobSummaryList"]])["jobs"]}
            front = [names[j["jobArn"]] for j in c.get_job_queue_snapshot(jobQueue="Fair")["frontOfQueue"]["jobs"]]
            assert front[0] == "B0"
            c.update_scheduling_policy(arn=arn, fairsharePolicy={"shareDecaySeconds": 60})
            lb.advance(600)
            assert fair_state() != seeded
            lb.reset()
            assert fair_state() == seeded


def test_a_dict_seed_is_digested_once_and_again_when_its_sections_change():
    seed = {"computeEnvironments": [{"computeEnvironmentName": "ce", "type": "UNMANAGED"}],
            "jobQueues": [{"jobQueueName": "q1", "priority": 1,
                           "computeEnvironmentOrder": [{"order": 1, "computeEnvironment": "ce"}]}]}
    with batchkit.local(seed=seed) as lb:
        key = lb._seed_key
        assert key.startswith("dict:") and len(key) < 64  # a digest, not the seed's text
        lb.reset(seed)
        assert lb._seed_key == key and len(lb._snapshots) == 1
        seed["jobQueues"] = seed["jobQueues"] + [{"jobQueueName": "q2", "priority": 1,
                                                  "computeEnvironmentOrder": [{"order": 1, "computeEnvironment": "ce"}]}]
        lb.reset(seed)  # a section replaced: a new snapshot
        assert sorted(q["jobQueueName"] for q in lb.client.describe_job_queues()["jobQueues"]) == ["q1", "q2"]
        lb.reset(dict(seed))  # an equal dict: the same digest, the same snapshot
        assert len(lb._snapshots) == 2


def test_a_dict_seed_is_keyed_by_its_content_and_order_and_persisted_by_its_sorted_json(tmp_path):
    def reordered(seed: dict) -> dict:
        return {key: [dict(reversed(entry.items())) for entry in seed[key]] for key in reversed(list(seed))}

    seed = {**copy.deepcopy(DEMO), "jobs": history(3)}
    assert reordered(seed) == seed and list(reordered(seed)) != list(seed)
    with batchkit.local(seed=seed) as lb:
        ids = lb.seed_job_ids
        lb.reset(copy.deepcopy(seed))  # the same content in the same order: the same snapshot
        assert len(lb._snapshots) == 1
        lb.reset(reordered(seed))  # in another order: a snapshot of its own, of the same scenario
        assert lb.seed_job_ids == ids and len(lb._snapshots) == 2
    # persisted: the sorted JSON digest names the state's files, whatever the order
    assert seeds.key(seed) == seeds.key(reordered(seed)) != seeds.content_key(seed)
    with batchkit.local(seed=reordered(seed), state=tmp_path / "state") as lb:
        assert lb._seed_key == seeds.key(seed)
    assert seeds.content_key({"jobs": [{"createdAt": datetime.datetime(2026, 1, 1)}]}) is None  # then: sorted JSON
    # equal to Python's == (True == 1 == 1.0), not to JSON: different keys, as the sorted JSON's are
    assert len({seeds.content_key({"n": [value]}) for value in (1, True, 1.0, "1")}) == 4


def test_resets_leave_no_earlier_state_behind():
    """A restore makes the state's objects anew; moto's record of its model instances kept every
    earlier test's state alive (~30 MB per 1,000 tests) until the LocalBatch forgets them."""
    def alive() -> int:
        gc.collect()
        return sum(1 for o in gc.get_objects() if str(type(o).__module__).startswith(("moto.batch", "moto.logs")))

    with batchkit.local(seed="demo") as lb:
        def a_test():
            lb.reset()
            lb.client.submit_job(jobName="a", jobQueue="HighPriority", jobDefinition="sleep")
            lb.run_until_idle()

        a_test()
        before = alive()
        for _ in range(50):
            a_test()
        assert alive() == before


def test_a_stored_job_keeps_few_objects_for_the_cyclic_collector():
    """Every object a stored job keeps is walked by each full collection, which runs more often the more
    each call leaves behind: a plain submitted job keeps its Job, its pending event and its lb.calls record
    (it kept eight objects when its empty lists and its copy of the definition's container were its own)."""
    def tracked() -> int:
        gc.collect()
        return len(gc.get_objects())

    with batchkit.local(seed="demo") as lb:
        lb.client.submit_job(jobName="warm", jobQueue="HighPriority", jobDefinition="sleep")
        before = tracked()
        for i in range(200):
            lb.client.submit_job(jobName=f"j{i}", jobQueue="HighPriority", jobDefinition="sleep")
        assert (tracked() - before) / 200 < 4
        lb.run_until_idle()  # and they still run: attempts, dependents and children grow as needed
        job = lb.client.submit_job(jobName="arr", jobQueue="HighPriority", jobDefinition="sleep",
                                   arrayProperties={"size": 3}, dependsOn=[{"jobId": lb.calls[-2].response["jobId"]}])
        lb.run_until_idle()
        described = lb.client.describe_jobs(jobs=[job["jobId"]])["jobs"][0]
        assert described["status"] == "SUCCEEDED" and described["arrayProperties"]["statusSummary"]["SUCCEEDED"] == 3
