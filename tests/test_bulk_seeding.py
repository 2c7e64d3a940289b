"""Bulk seeding's shortcuts (#26): a seed's history checked, split and written faster, and nothing else changed.

- each distinct SubmitJob request of a seed is checked once: alike requests (the same members,
  values and types, any valid jobName) pass alike, and every refusal is worded as a full check words it;
- a seeded job's log stream is made without moto's per-call costs: every Logs reader sees what moto's
  own create_log_stream + put_log_events would have given;
- ids are moto's uuid4 draws, spelled without building UUID objects;
- YAML without aliases skips the alias count, and its nesting is still bounded.
"""

from __future__ import annotations

import copy
from datetime import datetime
from importlib import resources

import pytest
import yaml
from moto.core.utils import unix_time_millis  # the test's own look at moto's clock arithmetic

import batchkit
from batchkit import yamlsafe
from batchkit.local import lifecycle, moto_adapter, validation
from batchkit.local import seed as seeds

DEMO = yaml.safe_load(resources.files("batchkit.local").joinpath("seeds/demo.yaml").read_text())
T0 = 1_760_000_000_000


def job(i: int, **extra) -> dict:
    return {"jobName": f"old-{i}", "jobQueue": "LowPriority", "jobDefinition": "etl", "status": "SUCCEEDED",
            "createdAt": T0 + i * 1000, "startedAt": T0 + i * 1000 + 200, "stoppedAt": T0 + i * 1000 + 900,
            "exitCode": 0, "logs": [f"row {i}", {"timestamp": T0 + i * 1000 + 500, "message": "done *"}], **extra}


def refusal(data) -> str:
    with pytest.raises(ValueError) as caught:
        seeds.check(data)
    return str(caught.value)


# -- each distinct request checked once, refusals as before -------------------------------------------


def test_alike_requests_are_checked_once(monkeypatch):
    checked = []
    full = validation.check
    monkeypatch.setattr(validation, "check", lambda op, params, *a: checked.append(params) or full(op, params, *a))
    entries = [job(i) for i in range(500)] + [job(i, jobQueue="HighPriority") for i in range(500, 600)]
    seeds.check({"jobs": entries})
    assert [r["jobName"] for r in checked] == ["old-0", "old-500"]  # two distinct requests, one check each
    # and seeding takes the entries as the check split them, once
    handed = seeds.split_jobs({"jobs": entries})
    assert [request["jobName"] for _, request, _ in handed] == [e["jobName"] for e in entries]
    assert handed[7][2]["attempts"][0]["container"] == {"exitCode": 0}
    again = seeds.split_jobs({"jobs": entries})  # split anew: the same
    assert again == handed and again[7][1] is not handed[7][1]
    with pytest.raises(ValueError, match=r"^seed file s.yaml: jobs\[1\] \(old-1\): status 'DONE': a seeded job's status"):
        seeds.split_jobs({"jobs": [job(0), job(1, status="DONE")]}, "seed file s.yaml")


@pytest.mark.parametrize("bad, words", [
    ({"jobName": "old 7"}, "is not valid: the first character must be alphanumeric"),  # a name among valid ones
    ({"jobName": 7}, "Invalid type for parameter jobName"),
    ({"schedulingPriorityOverride": True}, "expected a number, got a boolean"),  # 1 passed: True is not 1
    ({"schedulingPriorityOverride": 1.0}, "Invalid type for parameter schedulingPriorityOverride"),
    ({"schedulingPriorityOverride": 10_000}, "is not valid"),
    ({"parameters": {"row": 1}}, "Invalid type for parameter parameters.row"),  # "1" passed
    ({"tags": {"aws:team": "data"}}, "reserved for AWS"),
    ({"jobQueue": ["LowPriority"]}, "Invalid type for parameter jobQueue"),
])
def test_a_bad_job_among_alike_good_ones_is_refused_as_alone(bad, words):
    good = {"schedulingPriorityOverride": 1, "parameters": {"row": "1"}, "tags": {"team": "data"}}
    entries = [job(i, **good) for i in range(50)] + [job(50, **{**good, **bad})] + [job(i, **good) for i in range(51, 60)]
    message = refusal({"jobs": entries})
    alone = refusal({"jobs": [job(50, **{**good, **bad})]})
    assert message == alone.replace("jobs[0]", "jobs[50]")
    assert message.startswith("seed: jobs[50]") and words in message and "\n" not in message


def test_a_large_or_unusual_request_is_checked_in_full(monkeypatch):
    checked = []
    full = validation.check
    monkeypatch.setattr(validation, "check", lambda op, params, *a: checked.append(params) or full(op, params, *a))
    big = {"containerOverrides": {"command": ["echo"] * (seeds.ALIKE_VALUES + 1)}}
    seeds.check({"jobs": [job(i, **big) for i in range(3)]})
    assert len(checked) == 3
    assert seeds._alike({"jobName": "a", "n": 1}, validation.NAME) != seeds._alike({"jobName": "b", "n": True},
                                                                                 validation.NAME)
    assert seeds._alike({"jobName": "a", "n": 1}, validation.NAME) == seeds._alike({"jobName": "b", "n": 1},
                                                                                 validation.NAME)
    assert seeds._alike({"jobName": "a b"}, validation.NAME) != seeds._alike({"jobName": "ab"}, validation.NAME)


def test_job_names_pass_alike_only_while_the_name_rule_is_their_only_rule():
    assert seeds._name_rule() is validation.NAME  # the model states nothing else for SubmitJob's jobName
    shape = seeds._submit_shape().members["jobName"]
    assert shape.metadata == {} and validation._creating_names()["SubmitJobRequest"] == "jobName"


# -- log streams: what every reader sees ---------------------------------------------------------------


def test_a_seeded_job_s_log_stream_reads_as_one_moto_wrote():
    seed = copy.deepcopy(DEMO)
    seed["jobs"] = [job(i) for i in range(5)]
    with batchkit.local(seed=seed) as lb:
        logs, c = lb.boto3_client("logs"), lb.client
        group = "/aws/batch/job"
        streams = {j["jobName"]: j["container"]["logStreamName"]
                   for j in c.describe_jobs(jobs=lb.seed_job_ids[-5:])["jobs"]}
        # the same streams again, written into another group as seeding wrote them before: moto's calls
        # (its Logs API would refuse events this old)
        mirror = lb._backend.logs_backend.create_log_group("/mirror", {})
        for name, stream in streams.items():
            i = int(name[4:])
            mirror.create_log_stream(stream)
            mirror.streams[stream].put_log_events([{"timestamp": T0 + i * 1000 + 200, "message": f"row {i}"},
                                                   {"timestamp": T0 + i * 1000 + 500, "message": "done *"}])

        def seen(group_name, stream=None):
            described = logs.describe_log_streams(logGroupName=group_name)["logStreams"]
            events = {s: logs.get_log_events(logGroupName=group_name, logStreamName=s, startFromHead=True)["events"]
                      for s in streams.values()}
            found = logs.filter_log_events(logGroupName=group_name, filterPattern="done")["events"]
            clock = ("creationTime", "lastIngestionTime", "ingestionTime", "eventId", "arn")
            strip = lambda items: [{k: v for k, v in item.items() if k not in clock} for item in items]  # noqa: E731
            return strip(described), {s: strip(e) for s, e in events.items()}, strip(found), described, found

        ours, copied = seen(group), seen("/mirror")
        assert ours[:3] == copied[:3]
        assert len(ours[0]) == 5 and all(len(e) == 2 for e in ours[1].values()) and len(ours[2]) == 5
        for described in ours[3]:
            assert described["arn"].endswith(f":log-group:{group}:log-stream:{described['logStreamName']}")
            assert described["arn"].replace(group, "/mirror") in {d["arn"] for d in copied[3]}
            assert abs(described["lastIngestionTime"] - described["creationTime"]) < 60_000
        assert len({e["eventId"] for e in ours[4]}) == 5  # moto's event ids, one each
        tail = lb.batch.logs(lb.seed_job_ids[-1])
        assert list(tail["message"]) == ["row 4", "done *"]
        lb.reset()  # the snapshot's shared streams read the same after a restore
        assert seen(group)[:3] == ours[:3]


def test_new_stream_makes_what_moto_s_calls_make():
    backend = moto_adapter.logs_backends["000000000044"]["eu-west-3"]
    try:
        group = backend.create_log_group("/contract/bulk", {})
        events = [{"timestamp": 10, "message": "one"}, {"timestamp": 11, "message": "two"}]
        moto_adapter.new_stream(group, "first", events, 0)  # moto's own calls: the ARN's spelling is learned
        moto_adapter.new_stream(group, "second", events, 0)
        moto_adapter.new_stream(group, "empty", [], 0)
        first, second = group.streams["first"], group.streams["second"]
        if type(first.creation_time) is datetime:  # moto >= 5.2 stamps streams with datetimes: the second is made
            assert moto_adapter._ARN_PREFIXES[("000000000044", "eu-west-3", "/contract/bulk")]  # fast (older: its calls)
        assert type(second) is type(first) and list(vars(second)) == list(vars(first))
        same = ("account_id", "region", "log_group", "first_event_timestamp", "last_event_timestamp",
                "stored_bytes", "upload_sequence_token")
        assert {k: vars(second)[k] for k in same} == {k: vars(first)[k] for k in same}
        assert second.arn == first.arn[: -len("first")] + "second"
        assert [e.to_response_dict() | {"ingestionTime": 0} for e in second.events] == \
               [e.to_response_dict() | {"ingestionTime": 0} for e in first.events]
        if type(first.creation_time) is datetime:
            assert second.events[0].ingestion_time == int(unix_time_millis(second.last_ingestion_time))
            assert second.creation_time == second.last_ingestion_time and second.creation_time.tzinfo is None
        assert second.events[1].event_id == second.events[0].event_id + 1
        assert second.to_describe_dict().keys() == first.to_describe_dict().keys()
        assert group.streams["empty"].to_describe_dict().keys() == {"arn", "creationTime", "logStreamName", "storedBytes"}
        moto_adapter.new_stream(group, "second", [{"timestamp": 12, "message": "three"}], 0)  # an existing stream: appended
        assert [e.message for e in group.streams["second"].events] == ["one", "two", "three"]
        # texts are stamped from `at` by their position, as moto's calls get them from the lifecycle
        moto_adapter.new_stream(group, "texts", ["a", {"timestamp": 5, "message": "bb"}, "c"], 100)
        texts = group.streams["texts"]
        assert [(e.timestamp, e.message) for e in texts.events] == [(100, "a"), (5, "bb"), (102, "c")]
        assert texts.stored_bytes == 4 and [e.event_id - texts.events[0].event_id for e in texts.events] == [0, 1, 2]
        assert moto_adapter.log_events_of(["a", {"timestamp": 5, "message": "bb"}], 100) == [
            {"timestamp": 100, "message": "a"}, {"timestamp": 5, "message": "bb"}]
    finally:
        moto_adapter.forget(moto_adapter.logs_backends, "eu-west-3", backend)


# -- ids -------------------------------------------------------------------------------------------------


def test_ids_are_moto_s_uuid4_draws():
    for seed in range(500):
        moto_made, ours = type(moto_adapter.random)(seed), type(moto_adapter.random)(seed)
        assert str(moto_made.uuid4()) == lifecycle.uuid4_text(ours)
        assert moto_made.uuid4().hex == lifecycle.uuid4_hex(ours)


# -- YAML ------------------------------------------------------------------------------------------------


def test_yaml_without_aliases_is_still_bounded_and_with_them_counted():
    assert yamlsafe.load("a: '*not an alias*'\nb: [1, 2]\n") == {"a": "*not an alias*", "b": [1, 2]}
    deep = "".join(f"{' ' * i}a:\n" for i in range(yamlsafe.MAX_DEPTH + 1)) + " " * (yamlsafe.MAX_DEPTH + 1) + "b: 1\n"
    with pytest.raises(yamlsafe.Refused, match="^it nests too deeply$"):
        yamlsafe.load(deep)
    shallow = "".join(f"{' ' * i}a:\n" for i in range(yamlsafe.MAX_DEPTH - 2)) + " " * (yamlsafe.MAX_DEPTH - 2) + "b: 1\n"
    assert yamlsafe.load(shallow)["a"]["a"]["a"] is not None
    lol = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{b}: &{b} [{', '.join([f'*{a}'] * 10)}]\n" for a, b in zip("abcdefg", "bcdefgh"))
    with pytest.raises(yamlsafe.Refused, match="aliases expand"):
        yamlsafe.load(lol)


def test_a_dict_seed_is_checked_once_per_local_batch(monkeypatch):
    checked, check = [], seeds.check
    monkeypatch.setattr(seeds, "check", lambda data, where="seed": checked.append(where) or check(data, where))
    seed = {**copy.deepcopy(DEMO), "jobs": [job(i) for i in range(3)]}
    with batchkit.local(seed=seed) as lb:
        assert len(checked) == 1 and lb._checked is None
        assert len(lb.client.list_jobs(jobQueue="LowPriority", jobStatus="SUCCEEDED")["jobSummaryList"]) == 3
        lb.reset({**seed, "jobs": seed["jobs"][:2]})  # another seed: checked
        assert len(checked) == 2
