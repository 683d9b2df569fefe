"""Keyboard checks, which axe does not make: a bounded Tab walk and Shift+Tab back, every
interactive element reachable, document order, no trap, a visible focus indicator on every stop
(the element's rendering focused against unfocused, pixel for pixel, so a box-shadow or a
colour change counts and a removed outline does not hide behind a style check), focus not
hidden by other content (WCAG 2.4.11), and dialogs that take, keep and return focus."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from playwright.sync_api import Page

from releasegate.a11y.findings import Hit, shorten
from releasegate.a11y.probe import install
from releasegate.evidence.kinds.a11y import Impact

PAD = 6  # pixels around the element: outlines and rings are drawn outside it
SETTLE_MS = 250
DIALOGS = 3  # popup triggers tried per state
TRIGGERS = (
    '[aria-haspopup]:not([aria-haspopup="false"]), [popovertarget], '
    'button[aria-controls][aria-expanded="false"]'
)


class WalkTooLong(Exception):
    """More stops than the bound without cycling: the walk proves nothing, so no data."""


def hit(rule: str, impact: Impact, stop: dict[str, Any], message: str, criteria: list[str]) -> Hit:
    return Hit(
        source="keyboard",
        rule=rule,
        impact=impact,
        level="block",
        selector=stop["path"],
        message=message,
        html=shorten(stop.get("html", "")),
        criteria=criteria,
        engines=["releasegate"],
    )


@dataclass
class Walk:
    stops: list[dict[str, Any]]
    hits: list[Hit]


def _active(page: Page) -> dict[str, Any] | None:
    found: dict[str, Any] | None = page.evaluate("window.__rg.active()")
    return found


def _clip(page: Page, rect: dict[str, float]) -> dict[str, float] | None:
    size = page.viewport_size or {"width": 1280, "height": 720}
    x0, y0 = max(0.0, rect["x"] - PAD), max(0.0, rect["y"] - PAD)
    x1 = min(float(size["width"]), rect["x"] + rect["width"] + PAD)
    y1 = min(float(size["height"]), rect["y"] + rect["height"] + PAD)
    if x1 - x0 < 1 or y1 - y0 < 1:
        return None
    return {"x": x0, "y": y0, "width": x1 - x0, "height": y1 - y0}


def focus_shows(page: Page, stop: dict[str, Any]) -> bool | None:
    """Does focusing this element change how it (and its surroundings) look? Compares the
    screenshot of its box focused and unfocused; None when it is off screen."""
    clip = _clip(page, stop["rect"])
    if clip is None:
        return None
    shot = {"clip": clip, "animations": "disabled", "caret": "hide"}
    focused = page.screenshot(**shot)  # type: ignore[arg-type]
    page.evaluate("window.__rg.blur()")
    unfocused = page.screenshot(**shot)  # type: ignore[arg-type]
    page.evaluate("(p) => window.__rg.focusPath(p)", stop["path"])
    return focused != unfocused


def _to_the_edge(page: Page, max_stops: int) -> Hit | None:
    """Tab until focus leaves the page, so the walk enters it as a user coming from the address
    bar does (positive tabindex first). A field that never lets Tab go is a trap."""
    seen: list[str] = []
    for _ in range(max_stops + 1):
        page.keyboard.press("Tab")
        page.evaluate("window.__rg.dropStart()")
        stop = _active(page)
        if stop is None or stop["path"] in seen[:-1]:
            return None  # out of the page, or cycling through it without leaving: start here
        if seen and stop["path"] == seen[-1]:
            return hit(
                "keyboard-trap",
                "critical",
                stop,
                "Tab does not move focus away from this element",
                ["2.1.2"],
            )
        seen.append(stop["path"])
    raise WalkTooLong(f"more than {max_stops} Tab stops without cycling (raise a11y.max_tab_stops)")


def _others(page: Page) -> bool:
    """Is there more than one focusable element? (Tab on the only one may land on it again.)"""
    return bool(page.evaluate("window.__rg.inventory().focusables.length > 1"))


def _shows(page: Page, stop: dict[str, Any], seen: dict[str, bool | None]) -> bool | None:
    if stop["look"] not in seen:
        seen[stop["look"]] = focus_shows(page, stop)
    return seen[stop["look"]]


def tab_walk(
    page: Page, max_stops: int, look: bool = True, shows: dict[str, bool | None] | None = None
) -> Walk:
    """Tab into the page as from the address bar, until focus cycles (back to the first stop,
    or out of the page), recording each stop; judge visibility and obscuring on the way.
    ``shows`` remembers, per look, whether focus shows: pass the same dict for the states of one
    page (same stylesheet) and each look is photographed once."""
    install(page)
    if page.evaluate("window.__rg.start()"):
        trapped = _to_the_edge(page, max_stops)
        if trapped is not None:
            return Walk([], [trapped])
    stops: list[dict[str, Any]] = []
    hits: list[Hit] = []
    seen: set[str] = set()
    shows = {} if shows is None else shows  # by look: alike elements show focus alike
    for _ in range(max_stops + 1):
        page.keyboard.press("Tab")
        page.evaluate("window.__rg.dropStart()")
        stop = _active(page)
        if stops and stop is not None and stop["path"] == stops[-1]["path"] and _others(page):
            hits.append(
                hit(
                    "keyboard-trap",
                    "critical",
                    stop,
                    "Tab does not move focus away from this element",
                    ["2.1.2"],
                )
            )
            return Walk(stops, hits)
        if stop is None or (stops and stop["path"] == stops[0]["path"]):
            return Walk(stops, hits)
        if stop["path"] in seen:
            loop = [s["path"] for s in stops[[s["path"] for s in stops].index(stop["path"]) :]]
            hits.append(
                hit(
                    "keyboard-trap",
                    "critical",
                    stop,
                    f"Tab cycles among {len(loop)} element(s) and never leaves them: "
                    + ", ".join(loop[:4]),
                    ["2.1.2"],
                )
            )
            return Walk(stops, hits)
        seen.add(stop["path"])
        stops.append(stop)
        if stop["obscured"]:
            hits.append(
                hit(
                    "focus-obscured",
                    "serious",
                    stop,
                    f"the focused element is {stop['obscured']} by other content",
                    ["2.4.11"],
                )
            )
        elif look and _shows(page, stop, shows) is False:
            hits.append(
                hit(
                    "focus-not-visible",
                    "serious",
                    stop,
                    "focusing this element changes nothing on screen (no focus indicator)",
                    ["2.4.7"],
                )
            )
    raise WalkTooLong(f"more than {max_stops} Tab stops without cycling (raise a11y.max_tab_stops)")


def shift_tab_back(page: Page, stops: list[dict[str, Any]]) -> list[Hit]:
    """From the last stop, Shift+Tab must visit the stops in reverse."""
    if len(stops) < 2:
        return []
    page.evaluate("(p) => window.__rg.focusPath(p)", stops[-1]["path"])
    for expected in reversed(stops[:-1]):
        page.keyboard.press("Shift+Tab")
        stop = _active(page)
        if stop is None or stop["path"] != expected["path"]:
            got = stop["path"] if stop else "outside the page"
            return [
                hit(
                    "shift-tab-order",
                    "serious",
                    expected,
                    f"Shift+Tab reached {got} instead of this element (Tab order reversed)",
                    ["2.1.1", "2.4.3"],
                )
            ]
    return []


def reachability(page: Page, stops: list[dict[str, Any]]) -> list[Hit]:
    """Every focusable control is a Tab stop; nothing clickable is out of the keyboard's reach;
    the Tab order follows the document."""
    inventory = page.evaluate("window.__rg.inventory()")
    reached = {s["path"] for s in stops}
    groups = {s["radio"] for s in stops if s.get("radio")}  # one Tab stop per radio group
    hits = [
        hit("keyboard-unreachable", "serious", el, "focusable but never reached by Tab", ["2.1.1"])
        for el in inventory["focusables"]
        if el["path"] not in reached and not (el.get("radio") and el["radio"] in groups)
    ]
    hits += [
        hit(
            "click-only-control",
            "serious",
            el,
            "has a click handler but cannot be reached or operated with the keyboard",
            ["2.1.1"],
        )
        for el in inventory["clickables"]
    ]
    positions = page.evaluate("(ps) => window.__rg.order(ps)", [s["path"] for s in stops])
    for before, after, stop in zip(positions, positions[1:], stops[1:], strict=False):
        if after < before:
            hits.append(
                hit(
                    "focus-order",
                    "moderate",
                    stop,
                    "Tab reaches this element before content that precedes it in "
                    "the document (positive tabindex or reordering)",
                    ["2.4.3"],
                )
            )
    return hits


def dialogs(page: Page) -> list[Hit]:
    """Each popup trigger (bounded): Enter opens it and moves focus into it, a modal keeps
    focus inside on Tab, Escape closes it and returns focus to the trigger."""
    install(page)
    triggers = page.locator(TRIGGERS)
    hits: list[Hit] = []
    for index in range(min(DIALOGS, triggers.count())):
        trigger = triggers.nth(index)
        if not trigger.is_visible():
            continue
        info = trigger.evaluate("(el) => window.__rg.describe(el)")
        trigger.focus()
        page.keyboard.press("Enter")
        page.wait_for_timeout(SETTLE_MS)
        opened = page.evaluate(OPENED, info["path"])
        if opened is None:
            continue
        if not opened["focusInside"]:
            hits.append(
                hit(
                    "dialog-focus-not-moved",
                    "serious",
                    info,
                    "opening this popup leaves focus outside it",
                    ["2.4.3"],
                )
            )
        if opened["modal"]:
            for _ in range(min(20, opened["focusables"] + 1)):
                page.keyboard.press("Tab")
                if not page.evaluate(INSIDE, opened["path"]):
                    hits.append(
                        hit(
                            "dialog-focus-escapes",
                            "serious",
                            info,
                            "Tab moves focus out of the open modal dialog",
                            ["2.4.3"],
                        )
                    )
                    break
        page.keyboard.press("Escape")
        page.wait_for_timeout(SETTLE_MS)
        if page.evaluate(STILL_OPEN, opened["path"]):
            hits.append(
                hit(
                    "dialog-no-escape",
                    "serious",
                    info,
                    "Escape does not close the popup this element opens",
                    ["2.1.2"],
                )
            )
        elif not page.evaluate(
            "(p) => document.activeElement === window.__rg.byPath(p)", info["path"]
        ):
            hits.append(
                hit(
                    "dialog-focus-not-returned",
                    "serious",
                    info,
                    "closing the popup does not return focus to this trigger",
                    ["2.4.3"],
                )
            )
    return hits


OPENED = """(triggerPath) => {
  const rg = window.__rg;
  const trigger = rg.byPath(triggerPath);
  const ids = [trigger.getAttribute("aria-controls"), trigger.getAttribute("popovertarget")];
  let box = ids.filter(Boolean).map((id) => document.getElementById(id))
    .find((el) => el && rg.visible(el));
  box = box || [...document.querySelectorAll('dialog[open], [role="dialog"], [role="alertdialog"],'
    + ' [popover]')].find((el) => rg.visible(el) && !el.contains(trigger));
  if (!box) return null;
  const modal = (box.localName === "dialog" && box.matches(":modal"))
    || box.getAttribute("aria-modal") === "true";
  const focusables = [...box.querySelectorAll("*")].filter(rg.focusable).length;
  return {path: rg.path(box), modal, focusables,
          focusInside: box.contains(document.activeElement)};
}"""
INSIDE = """(p) => {
  const b = window.__rg.byPath(p);
  return !!b && b.contains(document.activeElement);
}"""
STILL_OPEN = "(p) => { const b = window.__rg.byPath(p); return !!b && window.__rg.visible(b); }"
