"""batchkit.local: a faithful AWS Batch in memory, built on moto.

``batchkit.local(seed="demo")`` returns a running `LocalBatch`; the module is
callable so that the public spelling and the sub-package share one name.
"""

import sys
import types

from .batch import LABEL, LocalBatch

__all__ = ["LABEL", "LocalBatch"]


class _CallableModule(types.ModuleType):
    def __call__(self, seed="demo", **kwargs) -> LocalBatch:
        return LocalBatch(seed, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
