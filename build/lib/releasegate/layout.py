"""Names a user's project is laid out by: the config file, and the suite markers (one folder of
``suites/`` and one pytest marker each). A leaf, cheap to import."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Literal, get_args

DEFAULT_CONFIG = "releasegate.toml"
Suite = Literal["smoke", "e2e", "compliance", "a11y", "monitoring", "security"]
SUITES: tuple[Suite, ...] = get_args(Suite)


def builtin_suites() -> Path:
    """The folder of the suites installed with releasegate (``suites/`` in its repository)."""
    spec = importlib.util.find_spec("releasegate.suites")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("releasegate.suites is not installed: reinstall releasegate")
    return Path(next(iter(spec.submodule_search_locations)))
