"""HTTP to the target with requests: a session bound to the target's base URL, with timeouts,
no silent redirects, retries on transport errors only, and one clear line when the target does
not answer at all."""

from __future__ import annotations

import re
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

_ERRNO = re.compile(r"\[Errno -?\d+\] ([^'\")]+)")


class TargetUnreachable(AssertionError):
    """No HTTP answer at all (refused, reset, timed out): a failed check of the target, reported
    as one line instead of a urllib3 traceback."""


def describe_transport_error(exc: requests.RequestException) -> str:
    """``Connection refused`` rather than urllib3's nested pool and retry reprs."""
    if isinstance(exc, requests.Timeout):
        return "timed out"
    found = _ERRNO.search(str(exc))
    return found.group(1).strip() if found else type(exc).__name__


class TargetSession(requests.Session):
    """A ``requests.Session`` for one target: paths are relative to its base URL."""

    def __init__(
        self,
        base_url: str,
        timeout_s: float,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        retries: int = 0,
    ) -> None:
        super().__init__()
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s
        self.headers.update(headers or {})
        self.auth = auth
        # Retry only when the request cannot have reached the bot (connect errors): a chat turn
        # sent twice would change the conversation.
        retry = Retry(total=retries, connect=retries, read=0, status=0, other=0, redirect=0)
        adapter = HTTPAdapter(max_retries=retry)
        self.mount("http://", adapter)
        self.mount("https://", adapter)

    def request(  # the same call, with a relative URL and defaults
        self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any
    ) -> requests.Response:
        url = url.decode() if isinstance(url, bytes) else url
        if url.startswith("/"):
            url = self.base_url + url
        kwargs.setdefault("timeout", self.timeout_s)
        kwargs.setdefault("allow_redirects", False)
        try:
            return super().request(method, url, *args, **kwargs)
        except (requests.ConnectionError, requests.Timeout) as exc:
            name = method.decode() if isinstance(method, bytes) else method
            raise TargetUnreachable(
                f"{name.upper()} {url}: {describe_transport_error(exc)}"
            ) from None
