"""pytest wiring for batchkit (registered through the ``pytest11`` entry point).

Only options and markers live here; the backend itself is ``batchkit.local``.
"""


def pytest_addoption(parser):
    parser.addini("batchkit_seed", "seed for the batchkit fixtures: 'demo', a YAML/JSON path", default="demo")
    parser.addoption("--batchkit-seed", default=None, help="seed for the batchkit fixtures (overrides the ini option)")


def pytest_configure(config):
    config.addinivalue_line("markers", "batch_seed(seed): seed the batchkit fixtures of this test with a dict, a path or 'demo'")
