"""Root pytest configuration, kept thin: the releasegate plugin itself comes in through its
``pytest11`` entry point, so ``suites/`` and a user's own project see exactly the same plugin."""

import os

from hypothesis import HealthCheck, settings

pytest_plugins = ["pytester"]

# CI wants reproducible examples and no deadline flakes on a busy 2-core machine.
settings.register_profile(
    "ci", derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))
