"""What every check of an audit returns: a finding on an element, before it becomes an
evidence record; and the mapping from axe's WCAG tags to success criteria."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from releasegate.evidence.kinds.a11y import Impact, Level, Source

_CRITERION = re.compile(r"^wcag(\d)(\d)(\d{1,2})$")
HTML_LIMIT = 240


def criteria_of(tags: list[str]) -> list[str]:
    """axe's criterion tags as WCAG numbers: ``wcag143`` -> ``1.4.3``, ``wcag2411`` ->
    ``2.4.11``; level tags (``wcag2aa``) and others are not criteria."""
    found = []
    for tag in tags:
        match = _CRITERION.match(tag)
        if match:
            found.append(".".join(match.groups()))
    return found


def shorten(html: str, limit: int = HTML_LIMIT) -> str:
    text = " ".join(html.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass
class Hit:
    """One rule broken by one element, as a check found it (page and state are added by the
    audit)."""

    source: Source
    rule: str
    impact: Impact
    level: Level
    selector: str
    message: str
    html: str = ""
    help_url: str = ""
    criteria: list[str] = field(default_factory=list)
    engines: list[str] = field(default_factory=list)
