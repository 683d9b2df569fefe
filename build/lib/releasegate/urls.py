"""The one check of a user-given base URL, shared by the config, the CLI and the plugin."""

from __future__ import annotations

from urllib.parse import urlsplit


def check_base_url(url: str) -> str:
    """The URL without a trailing slash, or ValueError saying what is wrong with it."""
    example = "like http://127.0.0.1:8000"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError as exc:
        raise ValueError(f"'{url}' is not a valid URL ({exc}); expected one {example}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"'{url}' is not an http(s) URL {example}")
    return url.rstrip("/")
