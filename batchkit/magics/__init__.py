"""IPython magics: ``%load_ext batchkit`` registers %batch and %%batch."""


def load_ipython_extension(ipython) -> None:
    from .magics import BatchMagics

    ipython.register_magics(BatchMagics)
