"""batchkit.local's botocore sessions share botocore's parsed data, and nothing else (sessions.py)."""

from __future__ import annotations

import boto3
import botocore.loaders
import botocore.session

import batchkit
from batchkit.local import sessions


def loader_of(session: boto3.Session):
    return session._session.get_component("data_loader")


def shared_loader(session: boto3.Session):
    """The process's loader for the session's data path (importing awscli sets AWS_DATA_PATH, for one)."""
    return sessions.data_loader(session._session.get_config_variable("data_path"))


def test_local_batches_share_botocore_s_data_but_not_their_sessions():
    with batchkit.local(seed=None) as one, batchkit.local(seed=None, region="eu-west-1") as other:
        loaders = {id(loader_of(lb._session)) for lb in (one, other)}
        assert len(loaders) == 1  # one loader, on the process's shared data
        assert loader_of(one._session).search_paths is shared_loader(one._session).search_paths
        assert one._session is not other._session
        assert (one.client.meta.region_name, other.client.meta.region_name) == ("us-east-1", "eu-west-1")
        assert one.client.describe_job_queues()["jobQueues"] == []


def test_a_boto3_session_each_time_leaves_the_loader_s_search_paths_as_they_were():
    first = sessions.boto3_session()
    assert loader_of(first) is shared_loader(first)
    paths = list(loader_of(first).search_paths)
    for _ in range(5):
        assert sessions.boto3_session() is not first
    assert loader_of(first).search_paths == paths
    assert any(path.endswith("boto3/data") for path in paths)  # boto3's resource models are still found
    assert "s3" in first.get_available_resources()


def test_sessions_share_the_loader_only_while_loading():
    with sessions.shared_while_loading():
        one, two = botocore.session.Session(), botocore.session.Session()
        assert one.get_component("data_loader") is two.get_component("data_loader")
    assert botocore.session.create_loader is botocore.loaders.create_loader
    assert botocore.session.Session().get_component("data_loader") is not one.get_component("data_loader")


def test_credentials_stay_with_their_session(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "FROM-ENV")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "FROM-ENV")
    core = sessions.botocore_session()
    core.set_credentials("AK", "SK")
    mine, fresh = sessions.boto3_session(core), sessions.boto3_session()
    assert mine.get_credentials().access_key == "AK"
    assert fresh.get_credentials().access_key == "FROM-ENV"


def test_overlapping_loads_in_threads_leave_botocore_as_it_was():
    import threading

    entered = [threading.Event(), threading.Event()]
    leave = [threading.Event(), threading.Event()]

    def load(n):
        with sessions.shared_while_loading():
            entered[n].set()
            leave[n].wait()

    first, second = (threading.Thread(target=load, args=(n,)) for n in (0, 1))
    first.start()
    entered[0].wait()
    second.start()  # starts while the first is still loading
    entered[1].wait()
    leave[0].set()  # the first leaves first
    first.join()
    assert botocore.session.create_loader is sessions.data_loader  # the second is still loading
    leave[1].set()
    second.join()
    assert botocore.session.create_loader is botocore.loaders.create_loader


def resolved_by_rules(client) -> list:
    """Calls to `client` for which botocore evaluated AWS's endpoint rules (they announce it with an event)."""
    seen = []
    client.meta.events.register("before-endpoint-resolution.batch", lambda **kwargs: seen.append(kwargs))
    return seen


def test_clients_answered_locally_skip_aws_endpoint_rules_and_keep_aws_urls():
    # the rules are a quarter of botocore's work per call, and decide nothing for a call answered in process
    with batchkit.local(seed="demo") as lb:
        own = resolved_by_rules(lb.client)
        assert lb.client.meta.endpoint_url == "https://batch.us-east-1.amazonaws.com"
        assert lb.client.describe_job_queues()["jobQueues"]
        assert own == []
        elsewhere = sessions.boto3_session().client("batch", region_name="us-east-1", aws_access_key_id="a",
                                                    aws_secret_access_key="b")
        other = resolved_by_rules(elsewhere)
        with lb.intercept():
            assert elsewhere.describe_job_queues()["jobQueues"]
        assert len(other) == 1  # a session of its own keeps botocore's routing


def test_a_test_s_own_clients_skip_the_rules_too(pytester):
    pytester.makepyfile(
        """
        import boto3

        def test_default_session(batch):
            client = boto3.client("batch")
            seen = []
            client.meta.events.register("before-endpoint-resolution.batch", lambda **kw: seen.append(kw))
            assert client.meta.endpoint_url == "https://batch.us-east-1.amazonaws.com"
            assert client.describe_job_queues()["jobQueues"]
            assert seen == []
            s3 = boto3.client("s3")
            s3.create_bucket(Bucket="kept")
            assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["kept"]
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)
