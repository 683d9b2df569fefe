"""What the target says about itself; recorded in evidence so stale evidence can be told apart."""

from __future__ import annotations

import requests

from releasegate.chat.jsonpath import MISSING, lookup
from releasegate.config import TargetConfig


def fetch_version(
    base_url: str,
    target: TargetConfig,
    auth: tuple[str, str] | None = None,
    timeout_s: float = 2.0,
) -> str | None:
    """The version the target reports, or None when it has no version capability or cannot
    say (that is the smoke suite's business to judge, not a reason to crash)."""
    if not target.has("version"):
        return None
    try:
        response = requests.get(base_url + target.version_path, timeout=timeout_s, auth=auth)
        body = response.json() if response.status_code == 200 else None
    except (requests.RequestException, ValueError):
        return None
    value = lookup(body, target.version) if body is not None else MISSING
    return str(value) if value is not MISSING and value is not None else None
