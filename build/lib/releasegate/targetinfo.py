"""What the target says about itself; recorded in evidence so stale evidence can be told apart."""

from __future__ import annotations

import httpx

from releasegate.chat.jsonpath import MISSING, lookup
from releasegate.config import TargetConfig


def fetch_version(base_url: str, target: TargetConfig, timeout_s: float = 2.0) -> str | None:
    """The version the target reports, or None when it cannot say (that is the smoke suite's
    business to judge, not a reason to crash)."""
    try:
        response = httpx.get(base_url + target.version_path, timeout=timeout_s)
        body = response.json() if response.status_code == 200 else None
    except (httpx.HTTPError, ValueError):
        return None
    value = lookup(body, f"$.{target.version_field}") if isinstance(body, dict) else MISSING
    return str(value) if value is not MISSING and value is not None else None
