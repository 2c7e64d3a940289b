"""IPython magics: ``%load_ext batchkit`` registers %batch and %%batch."""


def load_ipython_extension(ipython) -> None:
    from ..display import install
    from .magics import BatchMagics

    install(ipython)
    ipython.register_magics(BatchMagics)
