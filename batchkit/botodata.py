"""botocore's data (endpoints, service models) parsed once per process.

A botocore session parses its data on first use: endpoints.json alone is 1.2 MB of
JSON, and a new session's first client costs ~50 ms of CPU, most of it parsing.
The sessions batchkit makes (its catalog's, every LocalBatch's, moto's while it is
imported) share one data loader per data path: the data is read-only to botocore,
as it is between the clients of one session.
"""

from __future__ import annotations

import functools

import botocore.loaders
import botocore.session


@functools.cache
def data_loader(search_path: str | None = None) -> botocore.loaders.Loader:
    """The process's botocore data loader for a data path (``AWS_DATA_PATH``, the session's data_path)."""
    return botocore.loaders.create_loader(search_path)


def botocore_session(**kwargs) -> botocore.session.Session:
    """A new botocore session (credentials, region and config its own) on the shared data loader."""
    core = botocore.session.Session(**kwargs)
    core.register_component("data_loader", data_loader(core.get_config_variable("data_path")))
    return core
