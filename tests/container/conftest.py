"""The container test's marker: `pytest -m container` (or `pytest tests/container`) runs it alone."""


def pytest_configure(config):
    config.addinivalue_line("markers", "container: builds the Dockerfile with buildah and runs the image")
