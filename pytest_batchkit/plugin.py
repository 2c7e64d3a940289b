"""pytest wiring for batchkit (registered through the ``pytest11`` entry point).

Fixtures and options only: the backend is ``batchkit.local``.  One LocalBatch
per session (per xdist worker), seeded once per distinct seed and restored
from its snapshot before every test that uses ``batch``.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

import pytest

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
BUILT_IN_SEEDS = ("demo",)
FAKE_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
UNSET = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_ENDPOINT_URL",
         "AWS_ENDPOINT_URL_BATCH")


def pytest_addoption(parser):
    parser.addini("batchkit_seed", "seed for the batchkit fixtures: 'demo' or a YAML/JSON path "
                  "(relative to the ini file)", default="demo")
    parser.addoption("--batchkit-seed", default=None,
                     help="seed for the batchkit fixtures: 'demo' or a YAML/JSON path (overrides the ini option)")


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "batch_seed(seed): seed the batch fixture with a dict, 'demo' or a YAML/JSON path "
        "(relative to the test file)")


def _resolve(seed, base: Path | None):
    if isinstance(seed, (str, Path)) and str(seed) not in BUILT_IN_SEEDS and base is not None:
        return str(base / seed)  # an absolute seed path stays as it is
    return seed


def suite_seed(config):
    """--batchkit-seed (relative to the working directory), else the ini option, else 'demo'."""
    given = config.getoption("--batchkit-seed")
    if given:
        return str(Path(given).resolve()) if given not in BUILT_IN_SEEDS else given
    return _resolve(config.getini("batchkit_seed") or "demo", config.inipath.parent if config.inipath else None)


def seed_for(request):
    """The closest @pytest.mark.batch_seed (test, class, module), else the suite's seed."""
    marker = request.node.get_closest_marker("batch_seed")
    if marker is None:
        return suite_seed(request.config)
    if len(marker.args) != 1:
        pytest.fail("@pytest.mark.batch_seed takes one seed: a dict, 'demo' or a YAML/JSON path", pytrace=False)
    return _resolve(marker.args[0], Path(request.node.path).parent)


@pytest.fixture(scope="session")
def batch_session(pytestconfig):
    """The session's LocalBatch (one per xdist worker); tests use it through `batch`."""
    from batchkit.local import LocalBatch

    local = LocalBatch(seed=None, clock="manual")
    local.pause()  # only tests that use the fixtures reach it
    yield local
    local.stop()


@pytest.fixture
def batch(batch_session, request):
    """A LocalBatch reset to this test's seed; boto3 clients made during the test reach it."""
    import boto3
    from botocore.exceptions import ClientError
    from botocore.httpsession import URLLib3Session

    seed = seed_for(request)
    try:
        batch_session.reset(seed)
    except (ValueError, ClientError) as exc:
        pytest.fail(f"batchkit: cannot seed with {seed!r}: {exc}", pytrace=False)
    with pytest.MonkeyPatch.context() as patch:
        for name in UNSET:
            patch.delenv(name, raising=False)
        for name, value in {**FAKE_CREDENTIALS, "AWS_DEFAULT_REGION": batch_session.region}.items():
            patch.setenv(name, value)
        patch.setattr(URLLib3Session, "send", offline(URLLib3Session.send))
        patch.setattr(boto3, "DEFAULT_SESSION", None)  # no session cached with other credentials
        batch_session.resume()
        try:
            yield batch_session
        finally:
            batch_session.pause()


@pytest.fixture
def batch_client(batch):
    """A boto3 Batch client on the `batch` backend."""
    return batch.client


@pytest.fixture
def batch_endpoint(batch):
    """The URL of a loopback server with the `batch` backend's state (for subprocesses, SDKs, the AWS CLI)."""
    return batch.serve()


def offline(send):
    """URLLib3Session.send that refuses anything but loopback: no test reaches real AWS."""

    def guarded(self, request):
        host = urlparse(request.url).hostname
        if host not in LOOPBACK:
            pytest.fail(
                f"batchkit: this test sent a request to {host}, outside this machine. With the batch fixture "
                "AWS calls stay local: boto3 clients created in the test reach batchkit.local; for other "
                "processes pass batch_endpoint as the endpoint URL.", pytrace=False)
        return send(self, request)

    return guarded
