"""IPython shows Batch results through `batchkit.views` (the frames themselves stay whole).

`install(shell)` registers formatters for DataFrames by name, so neither pandas
nor the views load before the first frame is shown.  Frames that `Batch` did
not make are shown exactly as pandas shows them.  ``import batchkit`` installs
them in a running IPython; ``%load_ext batchkit`` too, with the magics' rows.
"""

from __future__ import annotations

import sys

FRAMES = (("pandas", "DataFrame"), ("pandas.core.frame", "DataFrame"))  # pandas 3 and pandas 2 spell its module


class Formatters:
    """The text/html and text/plain printers for DataFrames; `rows` is how many rows a view shows."""

    def __init__(self, rows: int | None = None):
        self.rows = rows

    def _shown(self, df):
        from . import views

        return views.shown(df, self.rows or views.ROWS) if views.is_batch_result(df) else None

    def html(self, df):
        shown = self._shown(df)
        return shown._repr_html_() if shown is not None else df._repr_html_()

    def plain(self, df, printer, cycle):
        shown = self._shown(df)
        printer.text(repr(shown) if shown is not None else repr(df))


def install(shell, rows: int | None = None) -> Formatters | None:
    """Show Batch results compactly in `shell` (idempotent; a later call sets the rows)."""
    if shell is None or getattr(shell, "display_formatter", None) is None:
        return None
    formatters = getattr(shell, "_batchkit_formatters", None)
    if formatters is None:
        formatters = shell._batchkit_formatters = Formatters(rows)
        types = shell.display_formatter.formatters
        for module, name in FRAMES:
            types["text/html"].for_type_by_name(module, name, formatters.html)
            types["text/plain"].for_type_by_name(module, name, formatters.plain)
    if rows is not None:
        formatters.rows = rows
    return formatters


def install_in_running_shell() -> None:
    """At ``import batchkit``: install when IPython is running (never imports IPython itself)."""
    if "IPython" not in sys.modules:
        return
    try:
        from IPython import get_ipython
    except ImportError:
        return
    install(get_ipython())
