"""Input that used to exhaust memory, stall, or be accepted and then break reads: each is refused in one line."""

import json
import os
import resource
import subprocess
import sys
import textwrap

import pytest
from botocore.config import Config

import batchkit
from batchkit import catalog, yamlsafe
from batchkit.frames import to_frame
from batchkit.local import seed as seeds
from batchkit.local import validation
from tests.conftest import rejected

LOL = "[" + ",".join(["lol"] * 10) + "]"


def bomb(key: str = "{name}: ", indent: str = "") -> str:
    """Nine levels of ten aliases each: 10**9 values in about 400 bytes (a mapping, or list items with key '- ')."""
    lines, names = [f"{indent}{key.format(name='a')}&a {LOL}"], "abcdefghi"
    for parent, name in zip(names, names[1:]):
        lines.append(f"{indent}{key.format(name=name)}&{name} [" + ",".join([f"*{parent}"] * 10) + "]")
    return "\n".join(lines) + "\n"


def nested(levels: int = 9):
    """The same bomb built in Python: one list shared ten times per level."""
    value = ["lol"] * 10
    for _ in range(levels - 1):
        value = [value] * 10
    return value


SUBMIT = {"jobName": "j", "jobQueue": "HighPriority", "jobDefinition": "sleep"}


def queue(name: str) -> dict:
    return {"jobQueueName": name, "priority": 1, "computeEnvironmentOrder": []}


# -- 1. alias bombs and unbounded values in messages ---------------------------------------------


def test_yaml_aliases_that_expand_past_the_limit_are_refused_before_any_value_is_built():
    with pytest.raises(yamlsafe.Refused, match=r"aliases expand to 1,234,567,880 more values"):
        yamlsafe.load(bomb())
    with pytest.raises(yamlsafe.Refused, match="contains it"):
        yamlsafe.load("a: &a [1, *a]")
    with pytest.raises(yamlsafe.Refused, match="4300 digits"):  # int() refuses it: one line, not a traceback
        yamlsafe.load("a: " + "9" * 5000)
    shared = yamlsafe.load("base: &base {image: busybox}\njobs: [{<<: *base, n: 1}, {<<: *base, n: 2}]")
    assert shared["jobs"][1] == {"image": "busybox", "n": 2}  # ordinary anchors and merges still work
    assert yamlsafe.load("") is None and yamlsafe.load('{"a": [1]}') == {"a": [1]}


BOMBS = """
import sys
import batchkit
from batchkit.local import seed, validation
from tests.test_hardening_input import SUBMIT, nested

for source in sys.argv[1:] + [{"jobs": [{**SUBMIT, "parameters": {"a": nested()}}]}, {"jobs": [nested()]}]:
    try:
        seed.load(source)
    except ValueError as exc:
        print(exc)
"""


def test_alias_bombs_are_one_line_errors_with_memory_flat(tmp_path):
    in_parameters = tmp_path / "parameters.yaml"  # botocore's validator would quote it whole
    in_parameters.write_text("jobs:\n- jobName: j\n  jobQueue: q\n  jobDefinition: d\n  parameters:\n"
                             + bomb(indent="    "))
    as_entries = tmp_path / "entries.yaml"  # seed.check would quote the first entry whole
    as_entries.write_text("jobs:\n" + bomb(key="- "))
    limit = 2 << 30  # the interpreter with batchkit imported peaks near 0.5 GB; quoting a bomb takes 7 GB
    single = {name: "1" for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")}  # their
    result = subprocess.run(  # per-thread buffers would count against the limit on a machine with many cores
        [sys.executable, "-c", BOMBS, str(in_parameters), str(as_entries)], capture_output=True, text=True,
        env={**os.environ, **single}, timeout=120,
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_AS, (limit, limit)))
    assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stdout.splitlines()
    assert len(lines) == 4, result.stdout
    assert "parameters.yaml: its aliases expand to" in lines[0] and "entries.yaml: its aliases expand" in lines[1]
    assert "Invalid type for parameter parameters.a" in lines[2] and len(lines[2]) < 400
    assert "expected a SubmitJob request, got [[[" in lines[3] and len(lines[3]) < 400


def test_a_quoted_value_is_bounded_whatever_its_size():
    assert len(validation.shown(nested(3))) <= validation.SHOWN + 3
    assert validation.shown(10 ** 5000) == "<a 16,610-bit integer>"  # repr() itself would raise
    assert validation.shown("x" * 10**6).startswith("'xxx") and len(validation.shown("x" * 10**6)) <= 63


# -- 2. big seeds: JSON as JSON, sizes and entries bounded, parsed once --------------------------------


def test_json_seeds_are_parsed_as_json_not_yaml(tmp_path, monkeypatch):
    def no_yaml(*args, **kwargs):
        raise AssertionError("a JSON seed went through the YAML parser")

    monkeypatch.setattr(yamlsafe, "load", no_yaml)
    monkeypatch.setattr("yaml.safe_load", no_yaml)
    for name in ("seed.json", "seed.txt"):  # by its extension, or by its content
        path = tmp_path / name
        path.write_text(json.dumps({"jobQueues": [queue("q")]}))
        assert seeds.load(str(path))["jobQueues"][0]["jobQueueName"] == "q"


@pytest.mark.parametrize("name, size, words", [
    ("big.json", (16 << 20) + 1, "larger than 16 MiB, the most a JSON seed may be"),
    ("big.yaml", (4 << 20) + 1, "larger than 4 MiB, the most a YAML seed may be; write a large seed as JSON"),
])
def test_a_seed_file_past_its_size_is_one_line_before_it_is_parsed(tmp_path, name, size, words):
    path = tmp_path / name
    head = '{"jobs": [' if name.endswith(".json") else "# "
    path.write_text(head + " " * (size - len(head)))
    with pytest.raises(ValueError) as caught:
        seeds.load(str(path))
    assert words in str(caught.value) and "\n" not in str(caught.value)


def test_a_seed_past_its_entries_is_one_line():
    with pytest.raises(ValueError, match=r"^seed has 100,001 entries; a seed may have at most 100,000$"):
        seeds.load({"jobs": [{}] * 100_001})


def test_a_seed_file_is_parsed_and_checked_once_per_local_batch(tmp_path, monkeypatch):
    path = tmp_path / "seed.yaml"
    path.write_text("computeEnvironments:\n  - {computeEnvironmentName: ce, type: UNMANAGED}\n")
    checked, check = [], seeds.check
    monkeypatch.setattr(seeds, "check", lambda data, where="seed": checked.append(where) or check(data, where))
    with batchkit.local(seed=str(path)):
        pass
    assert checked == [f"seed file {path}"]


def test_an_edited_seed_file_is_read_again(tmp_path):
    path = tmp_path / "seed.json"
    for name in ("one", "two"):
        path.write_text(json.dumps({"jobQueues": [queue(name)]}))
        assert seeds.load(str(path))["jobQueues"][0]["jobQueueName"] == name


# -- 3. integers within their types; frames that keep what they cannot fit -----------------------------


@pytest.mark.parametrize("timeout, words", [
    (2**31, ["attemptDurationSeconds", "2147483648", "at most 2147483647"]),
    (2**63, ["attemptDurationSeconds", "at most 2147483647"]),
    (59, ["the minimum value for the timeout is 60 seconds"]),
])
def test_an_integer_member_is_held_to_its_type(c, timeout, words):
    message = rejected(lambda: c.submit_job(**SUBMIT, timeout={"attemptDurationSeconds": timeout}), *words)
    assert "\n" not in message


def test_an_integer_at_its_types_limit_is_accepted(c):
    c.submit_job(**SUBMIT, timeout={"attemptDurationSeconds": 2**31 - 1})


def test_a_long_member_is_held_to_64_bits():
    update = {"consumableResource": "r", "operation": "SET"}
    validation.check("UpdateConsumableResource", {**update, "quantity": 2**63 - 1})
    with pytest.raises(validation.Invalid, match=r"quantity: 9223372036854775808 is not valid: .* 9223372036854775807"):
        validation.check("UpdateConsumableResource", {**update, "quantity": 2**63})


def test_a_frame_keeps_a_value_it_cannot_fit_and_says_so():
    shape = catalog.operation("DescribeJobs").row_shape
    job = {"jobId": "a", "jobName": "j", "createdAt": 1, "startedAt": 1, "stoppedAt": 2**62,
           "timeout": {"attemptDurationSeconds": 2**63}, "container": {"exitCode": 2**70, "vcpus": 10**400}}
    df = to_frame([job, {"jobId": "b", "jobName": "k", "createdAt": 1700000000000}], shape)
    assert df["timeout.attemptDurationSeconds"].tolist()[0] == 2**63
    assert df["container.exitCode"].tolist()[0] == 2**70 and df["stoppedAt"].tolist()[0] == 2**62
    assert set(df.attrs["uncast"]) == {"timeout.attemptDurationSeconds", "container.exitCode", "container.vcpus",
                                       "stoppedAt"}
    assert df["duration"].isna().all() and df["vcpus"].isna().all()  # derived from what did not fit: missing


def test_one_job_with_an_unfit_value_breaks_no_listing(lb):
    with lb._runtime.lock:  # as another backend could answer: past our validation
        job = lb._backend.submit({**SUBMIT, "timeout": {"attemptDurationSeconds": 2**63}}, None)
    assert lb.batch.job(job.id)["timeout.attemptDurationSeconds"].tolist() == [2**63]
    jobs = lb.batch.jobs(detail=True)
    assert job.id in set(jobs["jobId"]) and "timeout.attemptDurationSeconds" in jobs.attrs["uncast"]
    assert len(lb.batch.describe_jobs(jobs=[job.id])) == 1


# -- 4. resource requirements ------------------------------------------------------------------------


@pytest.mark.parametrize("kind, value, words", [
    ("MEMORY", "-1", ["at least 4 MiB"]),
    ("MEMORY", "0", ["at least 4 MiB"]),
    ("MEMORY", "512.5", ["at least 4 MiB"]),
    ("VCPU", "-1", ["at least one vCPU"]),
    ("VCPU", "0", ["at least one vCPU"]),
    ("VCPU", "1.5", ["0.25, 0.5, 1, 2, 4, 8, 16, and 32"]),
    ("VCPU", "nan", ["at least one vCPU"]),
    ("GPU", "0", ["GPUs", "at least 1"]),
    ("GPU", "two", ["GPUs"]),
])
def test_a_resource_requirement_out_of_range_is_refused(c, kind, value, words):
    requirements = [{"type": kind, "value": value}]
    submitted = rejected(lambda: c.submit_job(**SUBMIT, containerOverrides={"resourceRequirements": requirements}),
                         "containerOverrides.resourceRequirements[0].value", f"not valid for {kind}", *words)
    others = [r for r in ({"type": "VCPU", "value": "1"}, {"type": "MEMORY", "value": "2048"}) if r["type"] != kind]
    registered = rejected(lambda: c.register_job_definition(
        jobDefinitionName="d", type="container",
        containerProperties={"image": "busybox", "resourceRequirements": requirements + others}),
        "containerProperties.resourceRequirements[0].value", f"not valid for {kind}", *words)
    assert "\n" not in submitted + registered


def test_fractional_vcpus_are_fargates(c):
    fargate = {"image": "busybox", "executionRoleArn": "arn:aws:iam::123456789012:role/ecsTaskExecutionRole",
               "resourceRequirements": [{"type": "VCPU", "value": "0.25"}, {"type": "MEMORY", "value": "512"}]}
    c.register_job_definition(jobDefinitionName="small", type="container", platformCapabilities=["FARGATE"],
                              containerProperties=fargate)
    rejected(lambda: c.register_job_definition(jobDefinitionName="small-ec2", type="container",
                                               containerProperties=fargate), "not valid for VCPU on EC2")
    c.submit_job(**SUBMIT, containerOverrides={"resourceRequirements": [
        {"type": "VCPU", "value": "2"}, {"type": "MEMORY", "value": "4"}, {"type": "GPU", "value": "1"}]})


# -- 5. nothing secret or unrelated quoted -------------------------------------------------------------


def test_a_wrong_typed_secret_is_masked_in_the_error(lb, tmp_path):
    env = {"environment": [{"name": "DB_PASSWORD", "value": 424242}, {"name": "MODE", "value": 7}]}
    client = lb.boto3_client("batch", config=Config(parameter_validation=False))
    message = rejected(lambda: client.submit_job(**SUBMIT, containerOverrides=env), "environment[0].value")
    assert "424242" not in message and "****" in message and "<class 'int'>" in message
    path = tmp_path / "seed.json"
    path.write_text(json.dumps({"jobs": [{**SUBMIT, "containerOverrides": env}]}))
    with pytest.raises(ValueError) as caught:
        seeds.load(str(path))
    assert "424242" not in str(caught.value) and "environment[0].value" in str(caught.value)
    with pytest.raises(validation.Invalid, match=r"value: 7,"):  # other values are still quoted
        validation.check("SubmitJob", {**SUBMIT, "containerOverrides": {"environment": env["environment"][1:]}})
    with pytest.raises(validation.Invalid, match=r"value: '\*\*\*\*'"):  # a name with a dot: no path to follow
        validation.check("SubmitJob", {**SUBMIT, "parameters": {"db.password": 424242}})


def test_a_file_that_is_no_seed_is_not_quoted(tmp_path):
    path = tmp_path / "shadow"
    path.write_text(textwrap.dedent("""\
        root:$6$Zx9Hash$Secret:19000:0:99999:7:::
        daemon:*:19000:0:99999:7:::
    """))
    with pytest.raises(ValueError) as caught:
        seeds.load(str(path))
    message = str(caught.value).split(str(path))[1]
    assert "Secret" not in message and "root" not in message and "its keys are not seed keys" in message
    with pytest.raises(ValueError, match="unknown key 'queues'"):  # a seed's typo is still named
        seeds.load({"queues": []})
