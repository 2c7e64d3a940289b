"""What batchkit.local relies on from moto's non-public modules, and nothing else (moto_adapter.py).

A moto release that changes one of these fails here first, by name, instead of
somewhere deep in the local backend.  The tests use moto's objects directly
(in an account no LocalBatch uses), not through batchkit's service.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from botocore.awsrequest import AWSRequest

from batchkit.local import moto_adapter as moto

ACCOUNT = "000000000042"
REGION = "eu-west-3"
PACKAGE = Path(__file__).resolve().parent.parent / "batchkit"


@pytest.fixture
def backend():
    backend = moto.BatchBackend(REGION, ACCOUNT)
    yield backend
    backend.reset()


def test_only_the_adapter_and_the_server_glue_import_moto():
    importers = sorted(str(path.relative_to(PACKAGE.parent)) for path in PACKAGE.rglob("*.py")
                       if re.search(r"^\s*(from moto(\.\w+)* import|import moto\b)", path.read_text(), re.M))
    assert importers == ["batchkit/local/server.py"]  # the adapter takes its names with importlib
    adapter = (PACKAGE / "local" / "moto_adapter.py").read_text()
    assert "_take(\"moto." in adapter


def test_the_batch_models_keep_environments_queues_definitions_and_policies(backend):
    env = moto.ComputeEnvironment("ce", "UNMANAGED", "ENABLED", None, None, ACCOUNT, REGION)
    backend._compute_environments[env.arn] = env
    assert backend.get_compute_environment("ce") is env and backend.get_compute_environment(env.arn) is env
    assert [e["computeEnvironmentName"] for e in backend.describe_compute_environments(None)] == ["ce"]
    queue = backend.create_job_queue("q", 5, None, "ENABLED", [{"order": 1, "computeEnvironment": env.arn}], None)
    assert backend.get_job_queue("q") is queue and queue.environments == [env]
    name, arn = backend.update_job_queue("q", 9, "DISABLED", None, None)
    assert (name, arn) == ("q", queue.arn) and queue.priority == 9 and queue.state == "DISABLED"
    assert [q["jobQueueName"] for q in backend.describe_job_queues(None)] == ["q"]
    definition = backend.register_job_definition(
        def_name="d", parameters={}, _type="container", tags={}, retry_strategy={},
        container_properties={"image": "busybox", "vcpus": 1, "memory": 128}, node_properties=None,
        eks_properties=None, timeout={}, platform_capabilities=["EC2"], propagate_tags=False)
    assert (definition.name, definition.revision, definition.status) == ("d", 1, "ACTIVE")
    assert backend.get_job_definition("d:1") is definition
    assert backend.get_job_definition_by_name_revision("d", "1") is definition
    assert backend.get_job_definitions("d") == [definition]
    assert definition.describe()["jobDefinitionArn"] == definition.arn
    backend.deregister_job_definition(definition.arn)
    assert definition.status == "INACTIVE"
    policy = backend.create_scheduling_policy("p", {"shareDistribution": [{"shareIdentifier": "a"}]}, None)
    assert backend._scheduling_policies[policy.arn] is policy and policy.name == "p"
    assert policy.to_dict(create=True) == {"name": "p", "arn": policy.arn}
    assert [p.to_dict()["arn"] for p in backend.describe_scheduling_policies([policy.arn])] == [policy.arn]
    assert backend.list_scheduling_policies() == [policy.arn]
    backend.delete_scheduling_policy(policy.arn)
    assert backend.list_scheduling_policies() == []
    del backend._job_queues[queue.arn]


def test_tags_are_kept_per_arn_in_the_tagger(backend):
    arn = f"arn:aws:batch:{REGION}:{ACCOUNT}:job-queue/q"
    backend.tag_resource(arn, {"team": "ml", "tier": "1"})
    assert backend.list_tags_for_resource(arn) == {"team": "ml", "tier": "1"}
    assert backend.tagger.tags[arn] == {"team": "ml", "tier": "1"}  # snapshots share and copy this dict
    backend.untag_resource(arn, ["tier"])
    assert backend.list_tags_for_resource(arn) == {"team": "ml"}


def test_the_backend_reaches_the_accounts_ecs_iam_ec2_and_logs(backend):
    cluster = backend.ecs_backend.create_cluster("AWSBatch-ce")
    assert cluster.arn.startswith("arn:aws:ecs:") and cluster.name in backend.ecs_backend.clusters
    backend.ecs_backend.delete_cluster(cluster.name)
    with pytest.raises(moto.IamNotFound):
        backend.iam_backend.get_role("nobody")
    assert backend.ec2_backend.get_security_group_from_id("sg-nothing") is None
    logs = backend.logs_backend
    group = logs.create_log_group("/aws/batch/job", {})
    group.create_log_stream("s")
    group.streams["s"].put_log_events([{"timestamp": 1, "message": "hello"}])
    assert logs.groups["/aws/batch/job"] is group and group.streams["s"].log_group is group
    status, _, body = logs_call("GetLogEvents", {"logGroupName": "/aws/batch/job", "logStreamName": "s"})
    assert int(status) == 200 and [e["message"] for e in json.loads(body)["events"]] == ["hello"]


def test_log_events_are_read_from_the_accounts_log_groups(backend):
    group = backend.logs_backend.create_log_group("/contract/events", {})
    for name, messages in (("a", ["one", "two"]), ("b", ["three"])):
        group.create_log_stream(name)
        group.streams[name].put_log_events([{"timestamp": 10 + i, "message": m} for i, m in enumerate(messages)])
    events = moto.log_events(ACCOUNT, REGION, "/contract/events", None)
    assert sorted((e["logStreamName"], e["message"], e["timestamp"]) for e in events) == [
        ("a", "one", 10), ("a", "two", 11), ("b", "three", 10)]
    assert {"eventId", "ingestionTime"} <= set(events[0])
    assert [e["message"] for e in moto.log_events(ACCOUNT, REGION, "/contract/events", ["a"], 11, None)] == ["two"]
    assert moto.log_events(ACCOUNT, REGION, "/contract/none", None) is None


def tracked(model) -> list:
    return [i for i in getattr(model, "instances_tracked", []) if getattr(i, "account_id", None) == ACCOUNT
            or ACCOUNT in str(getattr(i, "arn", ""))]


def test_moto_records_its_model_instances_and_untrack_drops_an_account_s(backend):
    # moto keeps every model instance it makes (for /moto-api/data.json): a LocalBatch's restores would pile up
    group = backend.logs_backend.create_log_group("/contract/tracked", {})
    group.create_log_stream("s")
    group.streams["s"].put_log_events([{"timestamp": 1, "message": "m"}])
    stream_model, event_model = type(group.streams["s"]), type(group.streams["s"].events[0])
    assert moto.model_data["logs"][stream_model.__name__] is stream_model
    assert tracked(stream_model) and group.streams["s"].events[0] in event_model.instances_tracked
    other = moto.logs_backends["000000000043"][REGION].create_log_group("/contract/other", {})
    moto.untrack(ACCOUNT)
    assert tracked(stream_model) == [] and tracked(type(group)) == []
    assert other in type(other).instances_tracked  # another account's are kept
    moto.forget(moto.logs_backends, REGION, moto.logs_backends["000000000043"][REGION])


def test_backends_are_kept_per_account_and_region(backend):
    regions = moto.batch_backends[ACCOUNT]
    assert isinstance(regions[REGION], moto.BatchBackend)
    assert hasattr(regions, "backend")  # the class it builds; LocalBatch's runtime swaps in its own
    assert any(service is moto.batch_backends and region == REGION
               for service, region, _ in moto.account_backends(ACCOUNT))
    moto.forget(moto.batch_backends, REGION, regions[REGION])
    assert REGION not in dict(moto.batch_backends[ACCOUNT])


def test_errors_give_their_status_and_message():
    assert moto.error_of(moto.ClientException("queue q does not exist")) == (400, "queue q does not exist")
    assert isinstance(moto.ClientException("x"), moto.ERRORS)


def test_ids_arns_and_instance_types():
    assert re.fullmatch(r"[0-9a-f-]{36}", str(moto.random.uuid4()))
    assert re.fullmatch(r"[0-9a-f]{17}", moto.random.get_random_hex(17))
    assert 0 <= moto.random.randint(0, 255) <= 255
    assert moto.make_arn_for_job(ACCOUNT, "abc", REGION) == f"arn:aws:batch:{REGION}:{ACCOUNT}:job/abc"
    m5 = moto.INSTANCE_TYPES["m5.large"]
    assert (m5["VCpuInfo"]["DefaultVCpus"], m5["MemoryInfo"]["SizeInMiB"]) == (2, 8192)
    g4 = moto.INSTANCE_TYPES["g4dn.xlarge"]
    assert sum(g["Count"] for g in g4["GpuInfo"]["Gpus"]) == 1
    assert "m5" in moto.INSTANCE_FAMILIES
    assert any(re.match(p, "https://batch.eu-west-3.amazonaws.com") for p in moto.BATCH_URL_BASES)


def test_moto_loads_with_one_data_loader_and_botocore_is_left_as_it_was():
    """moto's EC2 models list regions from botocore sessions at import; meanwhile they share a loader
    (batchkit.local.sessions): the regions are all there, botocore's loader factory is its own after."""
    code = ("import botocore.loaders, botocore.session, batchkit.local; "
            "from moto.ec2.models.availability_zones_and_regions import RegionsAndZonesBackend as R; "
            "names = {region.name for region in R.regions}; "
            "print(botocore.session.create_loader is botocore.loaders.create_loader, "
            "{'us-east-1', 'cn-north-1', 'us-gov-west-1'} <= names)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.stdout.split() == ["True", "True"], out.stderr


def logs_call(action: str, body: dict):
    """A CloudWatch Logs request of ACCOUNT, as botocore prepares it, answered by moto in process."""
    request = AWSRequest("POST", f"https://logs.{REGION}.amazonaws.com/", data=json.dumps(body),
                         headers={"X-Amz-Target": f"Logs_20140328.{action}",
                                  "Content-Type": "application/x-amz-json-1.1",
                                  "Authorization": f"AWS4-HMAC-SHA256 Credential=AKID/20261207/{REGION}/logs/aws4_request",
                                  moto.ACCOUNT_HEADER: ACCOUNT})
    service, url = moto.service_of(request.url)
    assert service == "logs"
    return moto.call_moto(request.prepare())


def test_other_services_are_answered_in_process_in_the_requests_account():
    status, _, _ = logs_call("CreateLogGroup", {"logGroupName": "contract"})
    assert int(status) == 200
    from moto.logs.models import logs_backends  # the test's own look, not the package's

    assert "contract" in logs_backends[ACCOUNT][REGION].groups
    logs_backends[ACCOUNT][REGION].reset()
    assert moto.service_of("https://example.com/x") == (None, "https://example.com/x")


def test_a_moto_without_what_batchkit_needs_is_refused_in_one_line(tmp_path):
    fake = tmp_path / "moto"
    fake.mkdir()
    (fake / "__init__.py").write_text("__version__ = '0.0.1'\n")
    code = "import batchkit.local"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"})
    assert out.returncode == 1
    last = out.stderr.strip().splitlines()[-1]
    assert re.fullmatch(r"batchkit\.errors\.UnsupportedDependency: batchkit\.local needs moto\S*>=\S+; the installed "
                        r"moto \S+ lacks moto\.batch\.models\.BatchBackend, .*", last), last
    cli = subprocess.run([sys.executable, "-m", "batchkit", "serve", "--port", "0"], capture_output=True, text=True,
                         timeout=120, env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"})
    assert cli.returncode == 1 and cli.stdout == ""
    assert len(cli.stderr.strip().splitlines()) == 1 and "batchkit.local needs moto" in cli.stderr
