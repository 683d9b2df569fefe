"""Root pytest configuration, kept thin: the releasegate plugin itself comes in through its
``pytest11`` entry point, so ``suites/`` and a user's own project see exactly the same plugin.
Fixtures and settings for the harness's own tests live in ``tests/conftest.py``."""

pytest_plugins = ["pytester"]
