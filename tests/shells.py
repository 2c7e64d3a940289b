"""A real IPython shell with %batch loaded on a local backend, for the modules that drive the magics."""

import contextlib

from IPython.core.interactiveshell import InteractiveShell


@contextlib.contextmanager
def batch_shell(use: str):
    """The shell, after `%batch use <use>`; the local backend stops after."""
    shell = InteractiveShell.instance()
    shell.run_line_magic("load_ext", "batchkit")
    shell.run_line_magic("batch", f"use {use}")
    try:
        yield shell
    finally:
        shell.run_line_magic("batch", "use aws")  # stops the local backend
        InteractiveShell.clear_instance()
