"""axe-core through axe-playwright-python: the policy's rule tags, include/exclude, and each
violated node as a :class:`Hit` with its help URL and WCAG success criteria."""

from __future__ import annotations

from typing import Any, cast

from axe_playwright_python.sync_playwright import Axe  # type: ignore[import-untyped]
from playwright.sync_api import Page

from releasegate.a11y.findings import Hit, criteria_of, shorten
from releasegate.a11y.settings import A11ySettings
from releasegate.evidence.kinds.a11y import IMPACTS, Impact, Level

_AXE = Axe()


def axe_version() -> str:
    """The bundled axe-core's version, read from its banner."""
    head = _AXE.axe_script[:200]
    return head.split("v", 1)[1].split()[0] if "axe v" in head else "unknown"


def run_axe(page: Page, settings: A11ySettings) -> list[Hit]:
    """Run axe on the page with the policy's tags; every violated node is a hit."""
    options = {
        "runOnly": {"type": "tag", "values": [*settings.block_tags, *settings.warn_tags]},
        "resultTypes": ["violations"],
    }
    context: dict[str, list[str]] | None = None
    if settings.include or settings.exclude:
        context = {"include": settings.include or ["html"], "exclude": settings.exclude}
    response = cast(dict[str, Any], _AXE.run(page, context=context, options=options).response)
    block = set(settings.block_tags)
    hits = []
    for rule in response["violations"]:
        tags = list(rule.get("tags", []))
        level: Level = "block" if block & set(tags) else "warn"
        for node in rule["nodes"]:
            impact = node.get("impact") or rule.get("impact") or "moderate"
            target = node.get("target") or ["html"]
            hits.append(
                Hit(
                    source="axe",
                    rule=rule["id"],
                    impact=cast(Impact, impact if impact in IMPACTS else "moderate"),
                    level=level,
                    selector=" ".join(str(t) for t in target),
                    message=shorten(node.get("failureSummary") or rule["help"], 300),
                    html=shorten(node.get("html", "")),
                    help_url=rule.get("helpUrl", ""),
                    criteria=criteria_of(tags),
                    engines=["axe"],
                )
            )
    return hits
