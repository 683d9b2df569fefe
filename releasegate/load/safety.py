"""Where load may go and how much of it: loopback and the hosts the config lists, within caps.

Checked before any request is sent (by ``releasegate run``, by the locustfile at start-up and
by the web UI's start button); a refusal is a usage error, exit 2.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from releasegate.errors import UserError
from releasegate.load.settings import LoadSettings

LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


class LoadRefused(UserError):
    """Load that the config does not allow: another host, or more than the caps."""


def is_loopback(host: str) -> bool:
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_host(url: str, settings: LoadSettings, source: str) -> None:
    """LoadRefused unless the URL's host is loopback or listed in ``[load] allowed_hosts``."""
    host = urlsplit(url).hostname or ""
    if not host:
        raise LoadRefused(f"load target {url!r} has no host")
    allowed = {h.lower() for h in settings.allowed_hosts}
    if is_loopback(host) or host.lower() in allowed:
        return
    listed = ", ".join(sorted(allowed)) or "none"
    raise LoadRefused(
        f"refusing to send load to {host}: only loopback and the hosts in [load] allowed_hosts of "
        f"{source} may be loaded (listed: {listed}); nothing was sent"
    )


def check_caps(users: int, spawn_rate: float, duration_s: float | None, settings: LoadSettings,
               source: str) -> None:  # fmt: skip
    """LoadRefused when users, spawn rate or duration exceed the caps of ``[load]``."""
    asked = (("users", users, "max_users"), ("spawn rate", spawn_rate, "max_spawn_rate"),
             ("duration", duration_s, "max_duration_s"))  # fmt: skip
    for what, value, cap in asked:
        limit = getattr(settings, cap)
        if value is not None and value > limit:
            raise LoadRefused(
                f"refusing {what} {value:g}: above [load] {cap} {limit:g} in {source} (raise the "
                "cap in the config to allow it); nothing was sent"
            )
