"""batchkit: AWS Batch from notebooks and test suites.

    b = batchkit.connect(profile=None, region=None, endpoint_url=None)
    b.jobs()                      # every job of every queue, as a DataFrame

The heavy libraries (boto3, pandas, moto) load on first use, so that
``%load_ext batchkit`` stays fast.  Results are whole DataFrames; notebooks
show them compactly (``df.batch.view()``, every column: ``df.batch.full()``).
"""

from .errors import BatchError, WaitTimeout

__all__ = ["Batch", "BatchError", "WaitTimeout", "catalog", "connect", "local"]
__version__ = "0.3.0"  # the package metadata reads it (pyproject.toml); CHANGELOG.md says what changed

_LAZY = {"connect": "client", "Batch": "client", "catalog": None, "local": None}


def __getattr__(name: str):
    if name not in _LAZY:
        raise AttributeError(f"module 'batchkit' has no attribute {name!r}")
    import importlib

    module = importlib.import_module(f"batchkit.{_LAZY[name] or name}")
    return module if _LAZY[name] is None else getattr(module, name)


def load_ipython_extension(ipython) -> None:
    """``%load_ext batchkit``: the %batch and %%batch magics."""
    from .magics import load_ipython_extension as load

    load(ipython)


def _show_results_compactly() -> None:
    from .display import install_in_running_shell

    install_in_running_shell()


_show_results_compactly()  # in a notebook, Batch results show as views (batchkit.views)
