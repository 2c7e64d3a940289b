"""Which LocalBatch, if any, answers boto3 requests meant for AWS: the one inside `lb.intercept()`.

One before-send hook in botocore's built-in handlers, so every client created
afterwards has it (botocore and aiobotocore alike); it answers nothing unless a
LocalBatch intercepts (the innermost wins).  Clients made for AWS drop it
(`for_aws`).  What answers is registered by `batchkit.local.dispatch` (`answer_with`), which
any running LocalBatch has imported.  No moto here: the pytest plugin installs the hook at start-up,
before test modules import code that makes clients, at the cost of botocore alone.
"""

from __future__ import annotations

import threading

_intercepting: list[str] = []  # accounts of the LocalBatches inside intercept(), innermost last
_lock = threading.Lock()


def hook(request, **kwargs):
    if not _intercepting or _answerers is None:
        return None
    return _answerers[0](_intercepting[-1], request)


def call_hook(**kwargs):
    """Batch calls answered before botocore signs and sends them (dispatch.Shortcut); registered last,
    so that a botocore Stubber on the client still answers first."""
    if not _intercepting or _answerers is None:
        return None
    return _answerers[1](**kwargs)


_answerers = None  # (respond, shortcut) from batchkit.local.dispatch, which registers them when imported


def answer_with(respond, shortcut) -> None:
    """What answers intercepted requests (batchkit.local registers it: this module stays below it)."""
    global _answerers
    _answerers = (respond, shortcut)


def intercepting() -> str | None:
    """The account of the innermost LocalBatch inside `intercept()`, if any."""
    return _intercepting[-1] if _intercepting else None


def install() -> None:
    import botocore.handlers

    if ("before-send", hook) not in botocore.handlers.BUILTIN_HANDLERS:
        botocore.handlers.BUILTIN_HANDLERS.append(("before-send", hook))
        botocore.handlers.BUILTIN_HANDLERS.append(("before-call.batch", call_hook, botocore.handlers.REGISTER_LAST))


def for_aws(client):
    """A client that no LocalBatch answers, even inside `intercept()`."""
    client.meta.events.unregister("before-send", hook)
    client.meta.events.unregister("before-call.batch", call_hook)
    return client


def push(account: str) -> None:
    with _lock:
        _intercepting.append(account)


def pop(account: str) -> None:
    with _lock:
        index = len(_intercepting) - 1 - _intercepting[::-1].index(account)
        del _intercepting[index]
