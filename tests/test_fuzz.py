"""Model-derived invalid requests against a served LocalBatch: every one refused with a 4xx,
none stored, the server still answering and its realtime clock still running afterwards."""

import json

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import batchkit
from batchkit import catalog
from tests.http_requests import signed

# operations whose members all travel in the JSON body (the tag actions put the ARN in the path)
OPERATIONS = [op for op in catalog.operations().values()
              if op.model.http["method"] == "POST" and "{" not in op.model.http["requestUri"]]
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=20))


def wrong(shape, depth: int = 0):
    """Values a member of `shape` must not take."""
    kind = shape.type_name
    others = {
        "string": st.one_of(st.integers(), st.booleans(), st.lists(st.text(max_size=5), max_size=3)),
        "integer": st.one_of(st.text(max_size=10), st.booleans(), st.integers(max_value=-1),
                             st.integers(min_value=2**63), st.floats(allow_nan=False).filter(lambda f: f != int(f) if abs(f) < 1e300 else True)),
        "long": st.one_of(st.text(max_size=10), st.booleans(), st.integers(max_value=-1), st.integers(min_value=2**63)),
        "boolean": st.one_of(st.integers(), st.text(max_size=10), st.lists(st.booleans(), max_size=2)),
        "float": st.one_of(st.text(max_size=10), st.booleans(), st.just(float("nan")), st.floats(max_value=-1e-9)),
        "double": st.one_of(st.text(max_size=10), st.booleans(), st.just(float("inf")), st.floats(max_value=-1e-9)),
        "list": st.one_of(st.text(max_size=10), st.integers(), st.dictionaries(st.text(max_size=5), SCALARS, max_size=3)),
        "map": st.one_of(st.text(max_size=10), st.integers(), st.lists(SCALARS, max_size=3)),
        "structure": st.one_of(st.text(max_size=10), st.integers(), st.lists(SCALARS, max_size=3)),
    }[kind]
    choices = [others]
    if kind == "string" and shape.metadata.get("enum"):
        choices.append(st.text(max_size=12).filter(lambda t: t not in shape.metadata["enum"]))
    if depth < 3 and kind == "list":
        choices.append(st.lists(wrong(shape.member, depth + 1), min_size=1, max_size=2))
    if depth < 3 and kind == "map":
        choices.append(st.dictionaries(st.text(min_size=1, max_size=8), wrong(shape.value, depth + 1), min_size=1, max_size=2))
    if depth < 3 and kind == "structure" and shape.members:
        choices.append(st.sampled_from(sorted(shape.members)).flatmap(
            lambda name: wrong(shape.members[name], depth + 1).map(lambda value: {name: value})))
    return st.one_of(choices)


def not_an_object(raw: bytes) -> bool:
    """Bytes that are not a request: a blank body means {} (no members), as SDKs send it."""
    try:
        return raw.strip() != b"" and not isinstance(json.loads(raw), dict)
    except ValueError:
        return True


@st.composite
def invalid_requests(draw):
    op = draw(st.sampled_from(OPERATIONS))
    shape = op.model.input_shape
    how = draw(st.sampled_from(["member", "unknown", "missing", "body"]))
    if how == "member" and shape is not None and shape.members:
        name = draw(st.sampled_from(sorted(shape.members)))
        return op, json.dumps({name: draw(wrong(shape.members[name], 1))}).encode()
    if how == "missing" and shape is not None and shape.required_members:
        return op, b"{}"
    if how == "unknown" or shape is None:
        return op, json.dumps({"notAMember" + draw(st.text("xyz", max_size=3)): draw(SCALARS)}).encode()
    return op, draw(st.one_of(
        st.just(b"[]"), st.just(b"5"), st.just(b'"x"'), st.just(b"null"), st.binary(min_size=1, max_size=30).filter(not_an_object),
        st.integers(65, 5000).map(lambda n: b'{"a":' * n + b"1" + b"}" * n),
    ))


@pytest.fixture(scope="module")
def served():
    with batchkit.local(seed="demo", server=True, clock="realtime", speed=100) as lb:
        yield lb


# derandomized: CI must give the same answer every run (a random run once found \x1c taken for whitespace)
@settings(max_examples=1500, deadline=None, database=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(request=invalid_requests())
@example(request=(catalog.operation("ListSchedulingPolicies"), b"\x1c"))
def test_every_invalid_request_is_refused_with_a_4xx(served, request):
    op, body = request
    answer = signed(served.endpoint_url, op.model.http["requestUri"].split("/")[2], body)
    assert 400 <= answer.status_code < 500, (op.name, body[:200], answer.status_code, answer.text[:300])
    assert "Traceback" not in answer.text


def test_after_fuzzing_the_server_answers_and_its_clock_runs(served):
    # meant to run after the fuzz test (file order); on another xdist worker it still sends bad bodies first
    for op in OPERATIONS[:10]:
        assert signed(served.endpoint_url, op.model.http["requestUri"].split("/")[2], b"[1]").status_code == 400
    assert served._ticker._thread.is_alive()
    b = served.batch
    assert len(b.queues()) == 5 and not b.jobs().empty
    job = b.submit_job(jobName="after-fuzz", jobQueue="HighPriority", jobDefinition="etl").loc[0, "jobId"]
    assert b.wait(job, timeout=60, progress=False).loc[0, "status"] == "SUCCEEDED"
    assert all(call.status < 500 for call in served.calls)
