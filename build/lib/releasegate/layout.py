"""Names a user's project is laid out by: the config file, and the suite markers (one folder of
``suites/`` and one pytest marker each). A leaf, cheap to import."""

from __future__ import annotations

from typing import Literal, get_args

DEFAULT_CONFIG = "releasegate.toml"
Suite = Literal["smoke", "e2e", "compliance", "a11y", "monitoring", "security"]
SUITES: tuple[Suite, ...] = get_args(Suite)
