"""Recall and false positives of the a11y checks on the barrier corpus (tests/a11y_corpus/):
axe alone against the whole suite (axe + keyboard + screen-reader structure), with coverage per
WCAG success criterion. With ``--htmlcs FILE`` (HTMLCS.js from the html_codesniffer npm
package) or ``--ace FILE`` (ace.js from accessibility-checker-engine, IBM Equal Access) a second
engine is measured too: alone, and together with the suite. Prints figures; asserts nothing.

    npm install --prefix /tmp/htmlcs html_codesniffer
    npm install --prefix /tmp/ace accessibility-checker-engine
    .venv/bin/python bench/a11y_corpus.py \\
        --htmlcs /tmp/htmlcs/node_modules/html_codesniffer/build/HTMLCS.js \\
        --ace /tmp/ace/node_modules/accessibility-checker-engine/ace.js
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, sync_playwright
from playwright.sync_api import Error as PlaywrightError

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from releasegate.a11y.findings import Hit  # noqa: E402
from releasegate.a11y.states import open_page  # noqa: E402
from releasegate.browser import launch_options  # noqa: E402
from tests.a11y_corpus.pages import Page  # noqa: E402
from tests.a11y_corpus.score import (  # noqa: E402
    Engine,
    Scored,
    false_positive_pages,
    recall,
    score,
)

RUN_HTMLCS = """() => new Promise((done) => {
  HTMLCS.process("WCAG2AA", document, () => {
    done(HTMLCS.getMessages().filter((m) => m.type === HTMLCS.ERROR).map((m) => ({
      code: m.code, msg: m.msg,
      selector: m.element && m.element.outerHTML ? m.element.outerHTML.slice(0, 120) : "",
    })));
  });
})"""
RUN_ACE = """async () => {
  const checker = new ace.Checker();
  const report = await checker.check(document, ["WCAG_2_2"]);
  const guideline = checker.getGuidelines().find((g) => g.id === "WCAG_2_2");
  const criteria = {};
  for (const cp of guideline.checkpoints) {
    for (const rule of cp.rules || []) (criteria[rule.id] = criteria[rule.id] || []).push(cp.num);
  }
  return report.results
    .filter((r) => r.value[0] === "VIOLATION" && r.value[1] === "FAIL")
    .map((r) => ({rule: r.ruleId, msg: r.message, selector: r.path.dom,
                  criteria: criteria[r.ruleId] || []}));
}"""
CRITERION = re.compile(r"\.(\d)_(\d)_(\d{1,2})\b")


def _evaluated(
    engine: str, source: str, script: str, browser: Browser, base_url: str, page: Page
) -> list[dict[str, Any]]:
    """Another engine's results on a corpus page: its source injected, ``script`` run in a
    fresh context; a page it cannot run on gives no results (and says so)."""
    context = browser.new_context()
    try:
        tab = context.new_page()
        open_page(tab, base_url, f"/{page.id}.html", 5)
        tab.add_script_tag(content=source)
        return list(tab.evaluate(script))
    except PlaywrightError as exc:
        print(f"{engine} failed on {page.id}: {str(exc).splitlines()[0]}")
        return []
    finally:
        context.close()


def htmlcs_engine(script: Path) -> Engine:
    """HTML_CodeSniffer's errors (not its warnings or notices) at WCAG 2 AA, as hits."""
    source = script.read_text(encoding="utf-8")

    def run(browser: Browser, base_url: str, page: Page) -> list[Hit]:
        messages = _evaluated("htmlcs", source, RUN_HTMLCS, browser, base_url, page)
        hits = []
        for m in messages:
            criteria = [".".join(c) for c in CRITERION.findall(m["code"])]
            hits.append(Hit("axe", m["code"].split(".")[-1], "serious", "block", m["selector"],
                            m["msg"], criteria=criteria, engines=["htmlcs"]))  # fmt: skip
        return hits

    return run


def ace_engine(script: Path) -> Engine:
    """IBM Equal Access (accessibility-checker-engine) violations under its WCAG 2.2 rule set,
    with the success criteria its guideline table maps each rule to."""
    source = script.read_text(encoding="utf-8")

    def run(browser: Browser, base_url: str, page: Page) -> list[Hit]:
        found = _evaluated("ace", source, RUN_ACE, browser, base_url, page)
        return [Hit("axe", f["rule"], "serious", "block", f["selector"], f["msg"],
                    criteria=list(f["criteria"]), engines=["ace"]) for f in found]  # fmt: skip

    return run


def table(results: list[Scored], checkers: list[str]) -> None:
    print("| checker | barriers found (recall) | control pages with a false positive |")
    print("|---|---|---|")
    for checker in checkers:
        found, total = recall(results, checker)
        fp, controls = false_positive_pages(results, checker)
        print(f"| {checker} | {found} of {total} ({found / total:.0%}) | {fp} of {controls} |")


def per_criterion(results: list[Scored], checkers: list[str]) -> None:
    rows: dict[str, list[Scored]] = defaultdict(list)
    for r in results:
        for criterion in r.page.criteria:
            rows[criterion].append(r)
    print("\n| WCAG | barrier pages | " + " | ".join(checkers) + " |")
    print("|---|---|" + "---|" * len(checkers))
    key = lambda c: tuple(int(x) for x in c.split("."))  # noqa: E731
    for criterion in sorted(rows, key=key):
        pages = rows[criterion]
        counts = []
        for checker in checkers:
            hit = sum(any(criterion in h.criteria for h in r.hits[checker]) for r in pages)
            counts.append(f"{hit}")
        print(f"| {criterion} | {len(pages)} | " + " | ".join(counts) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--htmlcs", type=Path, help="HTMLCS.js of the html_codesniffer package")
    parser.add_argument("--ace", type=Path, help="ace.js of the accessibility-checker-engine")
    parser.add_argument("--only", nargs="*", help="these corpus pages only")
    args = parser.parse_args()
    extra = {"htmlcs": htmlcs_engine(args.htmlcs)} if args.htmlcs else {}
    if args.ace:
        extra["ace"] = ace_engine(args.ace)
    with sync_playwright() as playwright, tempfile.TemporaryDirectory() as tmp:
        browser = playwright.chromium.launch(**launch_options())
        started = time.perf_counter()
        results = score(browser, Path(tmp), extra, args.only)
        elapsed = time.perf_counter() - started
        browser.close()
    checkers = ["axe", "suite", *[c for name in extra for c in (name, f"suite+{name}")]]
    print(f"{len(results)} pages audited in {elapsed:.1f} s\n")
    table(results, checkers)
    per_criterion(results, checkers)
    print("\nmissed by the suite:", ", ".join(r.page.id for r in results
          if not r.page.control and not r.found_by("suite")))  # fmt: skip
    for name in extra:
        barriers = [r for r in results if not r.page.control]
        gained = [r.page.id for r in barriers if r.found_by(name) and not r.found_by("suite")]
        print(f"found by {name} and not by the suite:", ", ".join(gained) or "none")
        for r in results:
            if r.page.control and r.hits[name]:
                shown = "; ".join(f"{h.rule} {h.criteria}" for h in r.hits[name][:3])
                print(f"  {name} false positive on {r.page.id}: {shown}")
    for r in results:
        if r.errors:
            print(f"not scanned: {r.page.id}: {r.errors[0]}")


if __name__ == "__main__":
    main()
