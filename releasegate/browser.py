"""Which Chromium to launch and how: Debian's ``chromium`` when present, a configured binary,
else Playwright's managed browser; with the flags a root container on a closed network needs.
Every browser user (the e2e, a11y and security suites, the HTML summary check, the Locust tab
test, benchmarks) launches through here so they all behave the same."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from releasegate.errors import ConfigError

ENV_VAR = "RELEASEGATE_CHROMIUM"
DEBIAN_CHROMIUM = "chromium"

# Without these, Chromium in a container as root refuses to start (sandbox) and, on a closed
# network, opens connections to Google's services at every start.
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def chromium_executable(configured: str | None = None) -> str | None:
    """The Chromium binary to launch: ``configured`` (``[browser] executable``), else
    ``$RELEASEGATE_CHROMIUM``, else Debian's ``chromium`` on PATH, else None (Playwright's
    managed browser, installed with ``playwright install chromium``)."""
    for source, value in (("[browser] executable", configured), (ENV_VAR, os.environ.get(ENV_VAR))):
        if value:
            path = shutil.which(value) or (value if Path(value).is_file() else None)
            if path is None:
                raise ConfigError(f"{source}: no Chromium binary at {value!r}")
            return path
    return shutil.which(DEBIAN_CHROMIUM)


def launch_options(configured: str | None = None, **overrides: Any) -> dict[str, Any]:
    """Keyword arguments for ``playwright.chromium.launch``."""
    options: dict[str, Any] = {"args": list(CHROMIUM_ARGS)}
    executable = chromium_executable(configured)
    if executable:
        options["executable_path"] = executable
    options.update(overrides)
    return options
