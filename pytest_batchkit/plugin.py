"""pytest wiring for batchkit (registered through the ``pytest11`` entry point).

Fixtures and options only: the backend is ``batchkit.local``.  One LocalBatch
per session (per xdist worker) and clock kind, seeded once per distinct seed
and restored from its snapshot before every test that uses ``batch``.
"""

from __future__ import annotations

import functools
import inspect
from pathlib import Path
from urllib.parse import urlparse

import pytest

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
BUILT_IN_SEEDS = ("demo", "empty")
# sleep: a manual clock that time.sleep/asyncio.sleep in the test's thread move along, so that
# polling code under test finishes at once; manual: only batch.advance(); realtime[:speed]: wall time
CLOCKS = ("sleep", "manual", "realtime")
DEFAULT_CLOCK = "sleep"
FAKE_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
UNSET = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_ENDPOINT_URL",
         "AWS_ENDPOINT_URL_BATCH")


def pytest_addoption(parser):
    parser.addini("batchkit_seed", "seed for the batchkit fixtures: 'demo' or a YAML/JSON path "
                  "(relative to the ini file)", default="demo")
    parser.addoption("--batchkit-seed", default=None,
                     help="seed for the batchkit fixtures: 'demo' or a YAML/JSON path (overrides the ini option)")
    clocks = "'sleep' (time.sleep in the test passes simulated time), 'manual' or 'realtime[:speed]'"
    parser.addini("batchkit_clock", f"clock of the batch fixture: {clocks}", default=DEFAULT_CLOCK)
    parser.addoption("--batchkit-clock", default=None, help=f"clock of the batch fixture: {clocks}")


def pytest_configure(config):
    from batchkit import interception

    interception.install()  # before test modules import code that makes clients at import time
    config.addinivalue_line(
        "markers", "batch_seed(seed): seed the batch fixture with a dict, 'demo' or a YAML/JSON path "
        "(relative to the test file)")
    config.addinivalue_line(
        "markers", "batch_clock(kind, speed=1): the batch fixture's clock: 'sleep', 'manual' or 'realtime'")


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


def _clock(kind, speed=1.0):
    """(kind, speed) from 'sleep', 'manual', 'realtime' or 'realtime:60', or a usage error."""
    kind, _, given = str(kind).partition(":")
    try:
        speed = float(given or speed)
    except ValueError:
        speed = 0
    if kind not in CLOCKS or not 0 < speed < float("inf"):
        pytest.fail(f"batchkit: clock must be one of {', '.join(CLOCKS)} (realtime:<speed> for a speed), "
                    f"not {kind}{':' + given if given else ''}", pytrace=False)
    return kind, speed


def clock_for(request):
    """The closest @pytest.mark.batch_clock, else --batchkit-clock, else the ini option, else 'sleep'."""
    marker = request.node.get_closest_marker("batch_clock")
    if marker is not None:
        return _clock(*marker.args, **marker.kwargs)
    return _clock(request.config.getoption("--batchkit-clock") or request.config.getini("batchkit_clock")
                  or DEFAULT_CLOCK)


class Backends:
    """The session's LocalBatches: one on a manual clock (also the 'sleep' one), one per realtime speed."""

    def __init__(self):
        self._started = {}

    def get(self, kind: str = "manual", speed: float = 1.0):
        from batchkit.errors import UnsupportedDependency

        try:
            from batchkit.local import LocalBatch
        except UnsupportedDependency as exc:  # one line, not an import traceback per test
            pytest.fail(str(exc), pytrace=False)

        key = ("realtime", speed) if kind == "realtime" else ("manual", 1.0)
        if key not in self._started:
            self._started[key] = LocalBatch(seed=None, clock=key[0], speed=key[1])
        return self._started[key]

    def stop(self):
        for local in self._started.values():
            local.stop()


@pytest.fixture(scope="session")
def batch_backends():
    """The session's LocalBatches (per xdist worker), by clock; tests use them through `batch`."""
    backends = Backends()
    yield backends
    backends.stop()


@pytest.fixture(scope="session")
def batch_session(batch_backends):
    """The session's manual-clock LocalBatch (one per xdist worker); tests use it through `batch`."""
    return batch_backends.get("manual")


@pytest.fixture
def batch(batch_backends, request):
    """A LocalBatch reset to this test's seed; boto3 clients made during the test reach it."""
    import boto3
    from botocore.exceptions import ClientError

    kind, speed = clock_for(request)
    local = batch_backends.get(kind, speed)  # batchkit.local is imported now (or the test failed in one line)
    from batchkit.local import sessions

    seed = seed_for(request)
    try:
        local.reset(seed)
    except (ValueError, ClientError) as exc:
        pytest.fail(f"batchkit: cannot seed with {seed!r}: {exc}", pytrace=False)
    with pytest.MonkeyPatch.context() as patch:
        for name in UNSET:
            patch.delenv(name, raising=False)
        for name, value in {**FAKE_CREDENTIALS, "AWS_DEFAULT_REGION": local.region}.items():
            patch.setenv(name, value)
        for session_class in _http_sessions():
            patch.setattr(session_class, "send", offline(session_class.send))
        patch.setattr(boto3, "DEFAULT_SESSION", None)  # no session cached with other credentials
        # the one boto3 makes on first use shares botocore's data parsed once per process: the first client a
        # test makes costs ~5 ms instead of ~50 (made when needed: a session costs ~3 ms)
        patch.setattr(boto3, "setup_default_session", sessions.setup_default_session)
        with local.intercept(sleep=kind == "sleep"):
            yield local


@functools.cache  # looked up once: a failed import searches sys.path again every time (~0.2 ms a test)
def _http_sessions() -> tuple:
    """The HTTP sessions of botocore and, when installed, aiobotocore: what the guard watches."""
    from botocore.httpsession import URLLib3Session

    try:
        from aiobotocore.httpsession import AIOHTTPSession
    except ImportError:
        return (URLLib3Session,)
    return URLLib3Session, AIOHTTPSession


@pytest.fixture
def batch_client(batch):
    """A boto3 Batch client on the `batch` backend."""
    return batch.client


@pytest.fixture
def batch_endpoint(batch):
    """The URL of a loopback server with the `batch` backend's state (for subprocesses, SDKs, the AWS CLI)."""
    return batch.serve(moto_api=True)  # loopback; code under test also reaches S3 & co. there, as on moto's server


def offline(send):
    """URLLib3Session.send that refuses anything but loopback: no test reaches real AWS."""

    def refuse(request):
        host = urlparse(request.url).hostname
        if host not in LOOPBACK:
            pytest.fail(
                f"batchkit: this test sent a request to {host}, outside this machine. With the batch fixture "
                "AWS calls stay local: boto3 clients created in the test reach batchkit.local; for other "
                "processes pass batch_endpoint as the endpoint URL.", pytrace=False)

    if inspect.iscoroutinefunction(send):
        async def guarded_async(self, request):
            refuse(request)
            return await send(self, request)

        return guarded_async

    def guarded(self, request):
        refuse(request)
        return send(self, request)

    return guarded
