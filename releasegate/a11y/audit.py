"""One audit of one page state: reach it in a fresh browser page, then run each family of
checks (axe, screen-reader structure, keyboard) and photograph the elements that fail.

A state that cannot be reached, or a family that cannot run, is reported with its reason and
no findings: the evidence marks it not scanned, and the gate says NO_DATA."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import Browser, Page
from playwright.sync_api import Error as PlaywrightError

from releasegate.a11y import keyboard, structure
from releasegate.a11y.axe import prepare, run_axe
from releasegate.a11y.findings import Hit
from releasegate.a11y.settings import A11ySettings
from releasegate.a11y.states import LOADED, Target, Unreachable, reach, send_by_keyboard
from releasegate.chat.page import PageSelectors
from releasegate.evidence.kinds.a11y import SOURCES, Source

VIEWPORT = {"width": 1280, "height": 800}
SHOTS_PER_FAMILY = 10


@dataclass
class Family:
    """What one family of checks found on one state, or why it could not run."""

    source: Source
    hits: list[Hit] = field(default_factory=list)
    error: str | None = None
    seconds: float = 0.0
    screenshots: dict[int, str] = field(default_factory=dict)  # hit index -> file name


@dataclass
class Audit:
    target: Target
    families: dict[Source, Family]
    reach_seconds: float = 0.0  # opening the page and driving it into the state


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-")[:60] or "x"


def _photograph(page: Page, target: Target, family: Family, folder: Path) -> None:
    """A screenshot of each failing element (the first few per family)."""
    folder.mkdir(parents=True, exist_ok=True)
    for index, found in enumerate(family.hits[:SHOTS_PER_FAMILY]):
        name = f"{_slug(target.id)}-{family.source}-{index}-{_slug(found.rule)}.png"
        try:
            element = page.locator(found.selector).first
            element.screenshot(path=folder / name, timeout=2000, animations="disabled")
        except PlaywrightError:
            continue  # the element is gone or not visible: the finding stands without a picture
        family.screenshots[index] = name


def _run(
    family: Family, work: Callable[[], list[Hit]], page: Page, target: Target, shots: Path | None
) -> None:
    started = time.perf_counter()
    try:
        family.hits = work()
    except keyboard.WalkTooLong as exc:
        family.error = str(exc)
    except PlaywrightError as exc:
        family.error = f"{family.source} checks failed: {str(exc).splitlines()[0]}"
    family.seconds = time.perf_counter() - started
    if shots is not None and family.hits:
        _photograph(page, target, family, shots)


def audit(
    browser: Browser,
    base_url: str,
    target: Target,
    settings: A11ySettings,
    chat_path: str,
    shots: Path | None = None,
    focus_looks: dict[str, bool | None] | None = None,
    tab: Page | None = None,
    selectors: PageSelectors | None = None,
) -> Audit:
    """Audit one page state, in a fresh context or in ``tab`` (a page of :func:`new_tab`,
    reused: navigating it starts a new document, and its renderer keeps axe's compiled code,
    which halves axe's cost). ``focus_looks`` carries focus-indicator verdicts between states
    of the same page (see :func:`keyboard.tab_walk`). ``selectors`` are the chat page's parts
    (``[target.page]``, taxbot's test ids by default)."""
    sel = selectors or PageSelectors()
    families = {source: Family(source) for source in SOURCES}
    context = None
    if tab is None:
        context = browser.new_context(viewport=VIEWPORT)  # type: ignore[arg-type]
        tab = context.new_page()
    page = tab
    try:
        page.unroute_all()  # the error state's interception ends with its audit
        page.set_default_timeout(settings.timeout_s * 1000)
        started = time.perf_counter()
        try:
            prepare(page)
            reach(page, base_url, target, settings, chat_path, sel)
        except (Unreachable, PlaywrightError) as exc:
            reason = str(exc).splitlines()[0]
            for family in families.values():
                family.error = reason
                family.seconds = time.perf_counter() - started
            return Audit(target, families)
        reached = time.perf_counter() - started
        chat = target.state != LOADED

        def axe() -> list[Hit]:
            return run_axe(page, settings)

        def screen_reader() -> list[Hit]:
            hits = structure.page_structure(page)
            if chat:
                hits += structure.live_log(page, sel)
            if target.state == "conversation":
                hits += structure.speakers(page, sel)
            return hits

        def keys() -> list[Hit]:
            walk = keyboard.tab_walk(page, settings.max_tab_stops, shows=focus_looks)
            hits = list(walk.hits)
            if not any(h.rule == "keyboard-trap" for h in hits):  # else all after it is noise
                hits += keyboard.shift_tab_back(page, walk.stops)
                hits += keyboard.reachability(page, walk.stops)
            hits += keyboard.dialogs(page)
            if target.state == "empty":
                hits += send_by_keyboard(page, settings, sel)
            return hits

        _run(families["axe"], axe, page, target, shots)
        _run(families["structure"], screen_reader, page, target, shots)
        _run(families["keyboard"], keys, page, target, shots)
        return Audit(target, families, reached)
    finally:
        if context is not None:
            context.close()


def new_tab(browser: Browser) -> Page:
    """A page to audit many states in, one after another (close its context when done)."""
    return browser.new_context(viewport=VIEWPORT).new_page()  # type: ignore[arg-type]
