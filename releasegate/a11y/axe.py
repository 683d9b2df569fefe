"""axe-core (the copy bundled with axe-playwright-python): the policy's rule tags,
include/exclude, and each violated node as a :class:`Hit` with its help URL and WCAG success
criteria.

axe's 570 kB script is registered once per tab as an init script, so every document the tab
loads has it from the start, instead of being sent with every audit; and only the violations'
fields the hits use come back from the page, not axe's whole result (every rule's passes and
metadata)."""

from __future__ import annotations

from typing import Any, cast

from axe_playwright_python.base import AXE_SCRIPT  # type: ignore[import-untyped]
from playwright.sync_api import Page

from releasegate.a11y.findings import Hit, criteria_of, shorten
from releasegate.a11y.probe import add_once
from releasegate.a11y.settings import A11ySettings
from releasegate.evidence.kinds.a11y import IMPACTS, Impact, Level

# Ours kept aside, so a page that loads its own axe (another version, configured) does not
# replace the one the policy runs.
_LOAD = f"{AXE_SCRIPT}\n;Object.defineProperty(window, '__rgAxe', {{value: window.axe}});"
# The top frame only, as when the script was evaluated there: axe in every frame would audit
# the frames' content too (different findings), and without it the frames are left out.
_INIT = f"if (window === window.top) {{\n{_LOAD}\n}}"

# null when this document has no axe of ours (it was loaded before the init script was
# registered): then the script is sent first.
_RUN = """async ([context, options]) => {
  const axe = window.__rgAxe;
  if (!axe) return null;
  const result = await (context ? axe.run(context, options) : axe.run(options));
  return result.violations.map((rule) => ({
    id: rule.id, tags: rule.tags, impact: rule.impact, help: rule.help, helpUrl: rule.helpUrl,
    nodes: rule.nodes.map((node) => ({impact: node.impact, target: node.target,
                                      failureSummary: node.failureSummary, html: node.html})),
  }));
}"""


def prepare(page: Page) -> None:
    """Give every document this page loads axe (before it navigates)."""
    add_once(page, _INIT)


def run_axe(page: Page, settings: A11ySettings) -> list[Hit]:
    """Run axe on the page with the policy's tags; every violated node is a hit."""
    options = {
        "runOnly": {"type": "tag", "values": [*settings.block_tags, *settings.warn_tags]},
        "resultTypes": ["violations"],
    }
    context: dict[str, list[str]] | None = None
    if settings.include or settings.exclude:
        context = {"include": settings.include or ["html"], "exclude": settings.exclude}
    violations = page.evaluate(_RUN, [context, options])
    if violations is None:
        page.evaluate(_LOAD)
        violations = page.evaluate(_RUN, [context, options])
    block = set(settings.block_tags)
    hits = []
    for rule in cast(list[dict[str, Any]], violations):
        tags = list(rule.get("tags") or [])
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
                    html=shorten(node.get("html") or ""),
                    help_url=rule.get("helpUrl") or "",
                    criteria=criteria_of(tags),
                    engines=["axe"],
                )
            )
    return hits
