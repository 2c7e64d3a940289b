"""ipywidgets panels on the Batch client: `console(b)`, `monitor(b)`, `form(b, operation)`."""

from __future__ import annotations


def form(b, operation: str):
    """A form for any catalog operation (any spelling), generated from the model."""
    from .forms import Form

    return Form(b, operation)


def monitor(b, queues=None, watch=None, interval: float | None = 5.0):
    """A live job monitor refreshing every `interval` seconds in the background; `.close()` stops it."""
    from .monitoring import Monitor

    return Monitor(b, queues=queues, watch=watch, interval=interval)


def console(b, interval: float | None = 5.0):
    """Tabs: the monitor, a submit form, queues, environments, definitions, every action's form."""
    from .consoles import Console

    return Console(b, interval=interval)
