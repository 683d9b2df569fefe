"""Keyboard checks, which axe does not make: a bounded Tab walk and Shift+Tab back, every
interactive element reachable, document order, no trap, a visible focus indicator on every stop
(the element's rendering focused against unfocused, pixel for pixel, so a box-shadow or a
colour change counts and a removed outline does not hide behind a style check), focus not
hidden by other content (WCAG 2.4.11), and dialogs that take, keep and return focus."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any

from playwright.sync_api import Page
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from releasegate.a11y.findings import Hit, shorten
from releasegate.evidence.kinds.a11y import Impact

PAD = 6  # pixels around the element: outlines and rings are drawn outside it
SETTLE_MS = 250  # longest wait for a popup to open (focus inside) or close (focus back)
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


def _step(page: Page, last: str | None) -> dict[str, Any]:
    """The stop a Tab press reached, and when it is ``last`` again, whether anything else is
    focusable: one round trip per stop."""
    found: dict[str, Any] = page.evaluate("(last) => window.__rg.step(last)", last)
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
        stop = _step(page, None)["stop"]
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
        step = _step(page, stops[-1]["path"] if stops else None)
        stop = step["stop"]
        if step["others"]:  # Tab left focus where it was, and there is somewhere else to go
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
        path = page.evaluate("window.__rg.activePath()")
        if path != expected["path"]:
            got = path or "outside the page"
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
    inventory = page.evaluate(
        "(ps) => ({...window.__rg.inventory(), positions: window.__rg.order(ps)})",
        [s["path"] for s in stops],
    )
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
    positions = inventory["positions"]
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


def _settle(page: Page, done: str, arg: Any) -> None:
    """Wait until ``done`` holds in the page (the popup behaving well), at most SETTLE_MS: a
    popup that behaves costs no fixed sleep; one that does not is judged after SETTLE_MS."""
    with contextlib.suppress(PlaywrightTimeoutError):
        page.wait_for_function(done, arg=arg, timeout=SETTLE_MS)


def dialogs(page: Page) -> list[Hit]:
    """Each popup trigger (bounded): Enter opens it and moves focus into it, a modal keeps
    focus inside on Tab, Escape closes it and returns focus to the trigger."""
    triggers = page.locator(TRIGGERS)
    hits: list[Hit] = []
    for index in range(min(DIALOGS, triggers.count())):
        trigger = triggers.nth(index)
        if not trigger.is_visible():
            continue
        info = trigger.evaluate("(el) => window.__rg.describe(el)")
        trigger.focus()
        page.keyboard.press("Enter")
        _settle(page, FOCUS_MOVED, info["path"])
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
        _settle(page, CLOSED, [opened["path"], info["path"]])
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
# The good outcomes :func:`_settle` waits for: after Enter, a popup open with focus inside it
# (a page between two renders is not an error yet: it is judged after the wait); after Escape,
# the popup closed and focus back on its trigger.
FOCUS_MOVED = f"""(p) => {{
  try {{ const o = ({OPENED})(p); return !!o && o.focusInside; }} catch (e) {{ return false; }}
}}"""
CLOSED = f"""([box, trigger]) => !({STILL_OPEN})(box)
  && document.activeElement === window.__rg.byPath(trigger)"""
