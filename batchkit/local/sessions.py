"""The botocore and boto3 sessions batchkit.local makes, on the process's shared botocore data
(`batchkit.botodata`): moto's import makes 27 sessions (its EC2 models list regions),
every LocalBatch has its own, and the pytest plugin gives each test a fresh default
session (no credentials carried over).
"""

from __future__ import annotations

import contextlib
import functools
import threading

import boto3
import botocore.loaders
import botocore.session
from botocore.exceptions import UnknownServiceError

from ..botodata import botocore_session, data_loader


class _BatchByFixedEndpoint:
    """A data loader that has no endpoint rules for Batch: botocore then routes a Batch client by its
    endpoint data (https://batch.<region>.amazonaws.com), as it does every service without rules.

    A LocalBatch's own clients are answered in process or at its endpoint URL, so AWS's endpoint rules
    decide nothing for them, and evaluating them is a quarter of botocore's work on every call."""

    def __init__(self, loader: botocore.loaders.Loader):
        self._loader = loader

    def __getattr__(self, name):
        return getattr(self._loader, name)

    def load_service_model(self, service_name, type_name, api_version=None):
        if service_name == "batch" and type_name == "endpoint-rule-set-1":
            raise UnknownServiceError(service_name=service_name, known_service_names="")
        return self._loader.load_service_model(service_name, type_name, api_version=api_version)


@functools.cache
def local_data_loader(search_path: str | None = None):
    """The shared data loader for a data path with Batch routed without endpoint rules, if this botocore
    makes such a client (it falls back to endpoint data); else the shared loader itself."""
    loader = _BatchByFixedEndpoint(data_loader(search_path))
    core = botocore.session.Session(session_vars={"profile": (None, None, None, None)})  # no profile read
    core.register_component("data_loader", loader)
    try:
        client = core.create_client("batch", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    except Exception:  # a botocore that needs rules: Batch clients keep them
        return data_loader(search_path)
    return loader if client.meta.endpoint_url == "https://batch.us-east-1.amazonaws.com" else data_loader(search_path)


def local_botocore_session(**kwargs) -> botocore.session.Session:
    """A botocore session for clients that batchkit.local answers: the shared data, Batch without endpoint rules."""
    core = botocore_session(**kwargs)
    core.register_component("data_loader", local_data_loader(core.get_config_variable("data_path")))
    return core


def boto3_session(core: botocore.session.Session | None = None, **kwargs) -> boto3.Session:
    """A new boto3 session (`boto3.Session`'s arguments) on the shared data loader."""
    core = core or botocore_session()
    session = boto3.Session(botocore_session=core, **kwargs)
    loader = core.get_component("data_loader")
    loader.search_paths[:] = dict.fromkeys(loader.search_paths)  # boto3 appends its data path per session
    return session


def setup_default_session(**kwargs) -> None:
    """`boto3.setup_default_session` on the shared data loader (the pytest plugin's, during a test, where
    every AWS call is answered locally: Batch's endpoint rules decide nothing)."""
    core = kwargs.pop("botocore_session", None) or local_botocore_session()
    boto3.DEFAULT_SESSION = boto3_session(core, **kwargs)


_CREATE_LOADER = getattr(botocore.session, "create_loader", None)  # botocore's own
_sharing = [0]  # how many shared_while_loading() are open (LocalBatches may start in several threads)
_lock = threading.Lock()


@contextlib.contextmanager
def shared_while_loading():
    """Meanwhile, every botocore session made (moto's, at its import) uses the shared data loader."""
    if not callable(_CREATE_LOADER):  # a botocore made otherwise: sessions load as they would
        yield
        return
    with _lock:
        _sharing[0] += 1
        botocore.session.create_loader = data_loader
    try:
        yield
    finally:
        with _lock:
            _sharing[0] -= 1
            if not _sharing[0]:
                botocore.session.create_loader = _CREATE_LOADER
