"""The fast paths give what the plain ones give, and step aside when they cannot be sure to.

Both parsers run on the same responses: canned and generated from botocore's models
(parser level), and the same served backend's bytes turned into frames (frame level).
The switching tests change botocore itself (monkeypatched, restored after) and let
`fastparse.available()` and `connect()` decide as they would on a user's machine.
"""

import json
import logging
import os
import subprocess
import sys

import boto3
import botocore.parsers
import botocore.session
import pandas as pd
import pytest
from botocore.exceptions import ClientError

import batchkit
from batchkit import catalog, fastparse
from tests.conftest import REGION


@pytest.fixture
def decide_again():
    """available() decides once per process: forget its decision before and after the test."""
    fastparse.available.cache_clear()
    yield
    fastparse.available.cache_clear()


def parse_both(shape, body: bytes, status: int = 200) -> list:
    def response():
        headers = {"x-amzn-requestid": "r"}
        if status >= 300:
            headers["x-amzn-errortype"] = "ClientException"
        return {"status_code": status, "headers": headers, "body": body, "context": {}}

    def outcome(parser):
        try:
            return parser().parse(response(), shape)
        except Exception as exc:  # botocore cannot take some bodies (a null in a map of integers): nor may we
            return type(exc)

    return [outcome(parser) for parser in (botocore.parsers.RestJSONParser, fastparse.FastRestJSONParser)]


def parser_of(b: batchkit.Batch):
    return type(b.client._endpoint._response_parser_factory.create_parser("rest-json"))


# --- parser level -------------------------------------------------------------------


def test_this_botocore_passes_the_checks_and_connect_uses_the_fast_parser(decide_again):
    on, reason = fastparse.available()
    assert on, reason
    assert parser_of(batchkit.connect(region=REGION)) is fastparse.FastRestJSONParser


@pytest.mark.parametrize("sample", fastparse._SAMPLES, ids=lambda s: f"{s[0]}-{s[1]}")
def test_the_self_checks_responses_parse_alike(sample):
    shape_name, status, body = sample
    plain, fast = parse_both(catalog.service_model().shape_for(shape_name), body, status)
    assert fast == plain


def example(shape, variant: str, depth: int = 0):
    """A value of `shape` as the service would send it: 'full', with 'nulls' here and there, or 'sparse'."""
    kind = shape.type_name
    if kind == "structure":
        members = [(n, m) for n, m in shape.members.items() if "location" not in m.serialization]
        if depth > 8 or variant == "sparse":
            members = members[:1] if depth <= 8 else []
        return {m.serialization.get("name", n): None if variant == "nulls" and i % 3 == 1 else
                example(m, variant, depth + 1) for i, (n, m) in enumerate(members)}
    if kind == "list":
        return [] if variant == "sparse" else [example(shape.member, variant, depth + 1)] * 2 + [None] * (variant == "nulls")
    if kind == "map":
        value = example(shape.value, variant, depth + 1)
        return {} if variant == "sparse" else {"k1": value, "k2": None if variant == "nulls" else value}
    return {"string": (getattr(shape, "enum", None) or ["text"])[0], "integer": 7, "long": 1700000000000, "boolean": True,
            "float": 2 if variant == "full" else 2.5, "double": 2 if variant == "full" else 2.5,
            "timestamp": 1700000000.5, "blob": "aGk="}[kind]


def outputs(service: str):
    model = botocore.session.get_session().get_service_model(service)
    for name in model.operation_names:
        shape = model.operation_model(name).output_shape
        if shape is not None and shape.members:
            yield pytest.param(shape, id=f"{service}-{name}")


# every Batch operation, and operations of two other REST-JSON services with timestamps, blobs and
# renamed members, where the fast parser must leave the walk to botocore
@pytest.mark.parametrize("variant", ["full", "nulls", "sparse"])
@pytest.mark.parametrize("shape", [*outputs("batch"), *list(outputs("lambda"))[:15], *list(outputs("eks"))[:10]])
def test_generated_responses_parse_alike(shape, variant):
    body = json.dumps(example(shape, variant)).encode()
    plain, fast = parse_both(shape, body)
    assert fast == plain
    # dispatch.Shortcut's answer without a parser: botocore's, or none (then it parses)
    answer = fastparse.plain_answer({"status_code": 200, "headers": {"x-amzn-requestid": "r"}, "body": body}, shape)
    assert answer is None or answer == plain
    # and from the handler's own text and headers (the Shortcut's, when no before-parse handler saw them)
    own = fastparse.plain_answer({"status_code": 200, "headers": {"x-amzn-RequestId": "r"}, "body": body.decode()}, shape)
    assert own == answer
    if variant != "nulls" and shape.name in {"DescribeJobsResponse", "SubmitJobResponse", "ListJobsResponse"}:
        assert answer is not None  # the calls a test suite makes most take the short way


def test_a_body_without_nulls_skips_botocores_walk(monkeypatch):
    """What makes it fast: DescribeJobs' structures are not walked (and a body with nulls is)."""
    walked = []
    handle = botocore.parsers.RestJSONParser._handle_structure
    monkeypatch.setattr(botocore.parsers.RestJSONParser, "_handle_structure",
                        lambda self, shape, value: walked.append(shape.name) or handle(self, shape, value))
    shape = catalog.operation("DescribeJobs").output_shape
    job = example(shape.members["jobs"].member, "full")
    fastparse.FastRestJSONParser().parse(
        {"status_code": 200, "headers": {}, "body": json.dumps({"jobs": [job] * 3}).encode()}, shape)
    assert walked == []
    fastparse.FastRestJSONParser().parse(
        {"status_code": 200, "headers": {}, "body": json.dumps({"jobs": [{**job, "tags": None}]}).encode()}, shape)
    assert "JobDetail" in walked


def test_fields_the_model_lacks_are_the_one_difference_kept():
    """On purpose: a newer service's fields reach the frames (frames.py) before botocore knows them."""
    shape = catalog.operation("DescribeJobs").output_shape
    job = {**example(shape.members["jobs"].member, "full"), "newField": {"x": 1}}
    job["container"] = {**job["container"], "newToo": "y"}
    plain, fast = parse_both(shape, json.dumps({"jobs": [job]}).encode())
    assert fast["jobs"][0]["newField"] == {"x": 1} and fast["jobs"][0]["container"]["newToo"] == "y"
    assert {**described(fast, shape), "ResponseMetadata": fast["ResponseMetadata"]} == plain


# --- frame level --------------------------------------------------------------------


@pytest.fixture(scope="module")
def served():
    with batchkit.local(seed="demo", server=True) as lb:
        yield lb


def described(value, shape):
    """`value` without the fields `shape` does not describe, which botocore's parser leaves out."""
    if shape.type_name == "structure" and isinstance(value, dict):
        return {k: described(v, shape.members[k]) for k, v in value.items() if k in shape.members}
    if shape.type_name == "list" and isinstance(value, list):
        return [described(v, shape.member) for v in value]
    if shape.type_name == "map" and isinstance(value, dict):
        return {k: described(v, shape.value) for k, v in value.items()}
    return value


def recording(b: batchkit.Batch) -> list:
    """The bodies b's client parses, reduced to what the model describes (see the test below)."""
    bodies = []

    def record(operation_model, response_dict, **kw):
        if response_dict["status_code"] < 300 and response_dict["body"]:
            body = described(json.loads(response_dict["body"]), operation_model.output_shape)
            response_dict["body"] = json.dumps(body).encode()
        bodies.append((operation_model.name, response_dict["body"]))

    b.client.meta.events.register("before-parse.batch.*", record)
    return bodies


def items(bodies) -> list[str]:
    """Each listed item of the recorded bodies: parallel listings may group them in other pages."""
    found = []
    for operation, body in bodies:
        for key, value in json.loads(body or b"{}").items():
            values = value if isinstance(value, list) else [value]
            found += [json.dumps([operation, key, v], sort_keys=True) for v in values]
    return sorted(found)


def pages(df) -> list[str]:
    return items(("page", json.dumps({k: v for k, v in page.items() if k != "ResponseMetadata"}))
                 for page in df.attrs.get("responses", ()))


def test_the_same_responses_give_the_same_frames(served):
    """The local backend also sends fields this botocore's model lacks (attempts' instanceType):
    those the fast parser keeps (see the next test), so both clients see the bodies without them."""
    fast = batchkit.connect(endpoint_url=served.endpoint_url, region=REGION)
    plain = batchkit.connect(endpoint_url=served.endpoint_url, session=boto3.Session(region_name=REGION))
    assert (parser_of(fast), parser_of(plain)) == (fastparse.FastRestJSONParser, botocore.parsers.RestJSONParser)
    bodies = [recording(fast), recording(plain)]
    ids = served.client.list_jobs(jobQueue="HighPriority", jobStatus="SUCCEEDED")["jobSummaryList"]
    calls = [("jobs", {"detail": True}), ("jobs", {}), ("describe_jobs", {"jobs": [j["jobId"] for j in ids]}),
             ("describe_job_queues", {}), ("describe_compute_environments", {}),
             ("describe_job_definitions", {}), ("list_scheduling_policies", {})]
    for method, kwargs in calls:
        frames = [getattr(b, method)(**kwargs) for b in (fast, plain)]
        assert items(bodies[0]) == items(bodies[1]), method  # the same answers, so
        pd.testing.assert_frame_equal(*frames, obj=method)  # the same frames
        assert len(frames[0]) and frames[0].attrs["operation"] == frames[1].attrs["operation"]
        assert pages(frames[0]) == pages(frames[1])  # and the same raw responses
        bodies[0].clear(), bodies[1].clear()
    errors = []
    for b in (fast, plain):
        with pytest.raises(ClientError) as caught:
            b.client.describe_job_queues(jobQueues=["x"] * 101)  # over the service's cap of 100
        errors.append({k: v for k, v in caught.value.response.items() if k != "ResponseMetadata"})
    assert errors[0] == errors[1]


# --- switching off ------------------------------------------------------------------


def test_a_botocore_without_a_method_the_parser_overrides_gets_its_own_parser(decide_again, monkeypatch, caplog):
    lacking = type("RestJSONParser", (botocore.parsers.BaseJSONParser,), {})  # say, a botocore that renamed it
    monkeypatch.setattr(botocore.parsers, "RestJSONParser", lacking)
    caplog.set_level(logging.DEBUG, logger="batchkit.fastparse")
    assert fastparse.available() == (False, "botocore.parsers.RestJSONParser._initial_body_parse is missing")
    b = batchkit.connect(region=REGION)
    assert type(b.client._endpoint._response_parser_factory) is botocore.parsers.ResponseParserFactory
    fastparse.available()
    [record] = caplog.records  # once, as one line, without a traceback
    assert "_initial_body_parse is missing" in record.getMessage() and not record.exc_info


def test_a_botocore_whose_methods_take_other_arguments_gets_its_own_parser(decide_again, monkeypatch):
    monkeypatch.setattr(botocore.parsers.RestJSONParser, "_parse_shape", lambda self, shape, node, context: node)
    assert fastparse.available() == (False, "botocore.parsers.RestJSONParser._parse_shape takes other arguments")


def test_a_botocore_that_parses_differently_gets_its_own_parser_and_the_same_frames(decide_again, monkeypatch,
                                                                                     served):
    """Say a botocore starts converting strings: the self-check sees it, and frames keep botocore's answer."""
    monkeypatch.setattr(botocore.parsers.RestJSONParser, "_handle_string", lambda self, shape, value: value.upper())
    on, reason = fastparse.available()
    assert not on and "parses differently" in reason
    b = batchkit.connect(endpoint_url=served.endpoint_url, region=REGION)
    assert parser_of(b) is botocore.parsers.RestJSONParser
    plain = batchkit.connect(endpoint_url=served.endpoint_url, session=boto3.Session(region_name=REGION))
    queues = b.describe_job_queues()
    pd.testing.assert_frame_equal(queues, plain.describe_job_queues())
    assert queues["jobQueueName"].str.isupper().all()  # botocore's answer, as this botocore gives it


def test_one_environment_variable_turns_both_fast_paths_off():
    """Read at import, so each setting runs in a process of its own."""
    script = """
import gc, json
import batchkit
from batchkit import fastparse
from batchkit.gcpause import gc_paused

gc.enable()
with gc_paused:
    paused = not gc.isenabled()
function = lambda: None
b = batchkit.connect(region="us-east-1", endpoint_url="http://127.0.0.1:1")
print(json.dumps({"available": fastparse.available(), "paused": paused, "wrapped": gc_paused(function) is not function,
                  "parser": type(b.client._endpoint._response_parser_factory.create_parser("rest-json")).__name__}))
"""

    def run(value):
        done = subprocess.run([sys.executable, "-c", script], env={**os.environ, "BATCHKIT_FAST_PATHS": value},
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    assert run("0") == {"available": [False, "BATCHKIT_FAST_PATHS=0"], "paused": False, "wrapped": False,
                        "parser": "RestJSONParser"}
    on = run("1")
    assert on["available"][0] and (on["paused"], on["wrapped"], on["parser"]) == (True, True, "FastRestJSONParser")
