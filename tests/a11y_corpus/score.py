"""Audit the barrier corpus and score it: per page, which checkers found its barrier (a
block-level finding on that page with one of its labelled success criteria), and on control
pages, which block-level findings are false positives. Used by the corpus test and by
``bench/a11y_corpus.py``."""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import Browser

from releasegate.a11y.audit import audit, new_tab
from releasegate.a11y.findings import Hit
from releasegate.a11y.settings import A11ySettings
from releasegate.a11y.states import LOADED, Target
from tests.a11y_corpus.pages import Page, write

# An extra engine: (page, base URL) -> its block-level hits on that page.
Engine = Callable[[Browser, str, Page], list[Hit]]


@dataclass
class Scored:
    page: Page
    hits: dict[str, list[Hit]] = field(default_factory=dict)  # checker -> block-level hits
    errors: list[str] = field(default_factory=list)

    def found_by(self, checker: str) -> bool:
        return any(set(h.criteria) & set(self.page.criteria) for h in self.hits[checker])

    def false_positives(self, checker: str) -> list[Hit]:
        return list(self.hits[checker]) if self.page.control else []


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def serve(folder: Path) -> Iterator[str]:
    """The corpus over HTTP on a free loopback port, for the life of the block."""
    handler = functools.partial(_Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def targets_of(page: Page) -> list[Target]:
    path = f"/{page.id}.html"
    if page.chat:
        return [Target(path, "empty"), Target(path, "conversation")]
    return [Target(path, LOADED)]


def score(browser: Browser, folder: Path, extra: dict[str, Engine] | None = None,
          only: list[str] | None = None) -> list[Scored]:  # fmt: skip
    """Audit every corpus page (or the ``only`` ones) with the whole suite; ``axe`` is axe's
    part of it, ``suite`` all of it, and each extra engine is scored alone and merged."""
    pages = [p for p in write(folder) if only is None or p.id in only]
    settings = A11ySettings(chat_states=["empty", "conversation"], timeout_s=5)
    results = []
    tab = new_tab(browser)
    with serve(folder) as base_url:
        for page in pages:
            scored = Scored(page, {"axe": [], "suite": []})
            for target in targets_of(page):
                done = audit(browser, base_url, target, settings, "/api/chat", tab=tab)
                for family in done.families.values():
                    if family.error:
                        scored.errors.append(f"{target.id} {family.source}: {family.error}")
                    block = [h for h in family.hits if h.level == "block"]
                    scored.hits["suite"] += block
                    if family.source == "axe":
                        scored.hits["axe"] += block
            for name, engine in (extra or {}).items():
                found = engine(browser, base_url, page)
                scored.hits[name] = found
                scored.hits[f"suite+{name}"] = scored.hits["suite"] + found
            results.append(scored)
    tab.context.close()
    return results


def recall(results: list[Scored], checker: str) -> tuple[int, int]:
    barriers = [r for r in results if not r.page.control]
    return sum(r.found_by(checker) for r in barriers), len(barriers)


def false_positive_pages(results: list[Scored], checker: str) -> tuple[int, int]:
    controls = [r for r in results if r.page.control]
    return sum(bool(r.false_positives(checker)) for r in controls), len(controls)
