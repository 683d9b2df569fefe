"""The in-page helpers the keyboard and structure checks read the page with (``window.__rg``),
and the script that notes which elements got click handlers: a ``<div>`` made clickable
with ``addEventListener`` is invisible to the DOM otherwise, and it is the classic control a
keyboard cannot reach."""

from __future__ import annotations

import weakref

from playwright.sync_api import Page

CLICK_TRACKER = """
(() => {
  const clicks = new WeakSet();
  Object.defineProperty(window, "__rgClicks", {value: clicks});
  const add = EventTarget.prototype.addEventListener;
  EventTarget.prototype.addEventListener = function (type, ...rest) {
    if ((type === "click" || type === "mousedown" || type === "pointerdown")
        && this instanceof Element) clicks.add(this);
    return add.call(this, type, ...rest);
  };
})();
"""

PROBE = r"""
(() => {
  if (window.__rg) return;
  const FOCUSABLE = 'a[href], area[href], button, input:not([type="hidden"]), select, textarea, '
    + 'iframe, summary, [tabindex], [contenteditable=""], [contenteditable="true"], '
    + 'audio[controls], video[controls]';
  const NATIVE = 'a[href], button, input, select, textarea, summary, label, option';
  const unique = (sel) => { try { return document.querySelectorAll(sel).length === 1; }
                            catch (e) { return false; } };
  const path = (el) => {
    if (!(el instanceof Element)) return "";
    const parts = [];
    let node = el;
    while (node && node.nodeType === 1) {
      if (node.id && unique("#" + CSS.escape(node.id))) {
        parts.unshift("#" + CSS.escape(node.id));
        break;
      }
      let part = node.localName;
      const testid = node.getAttribute("data-testid");
      if (testid) part += `[data-testid="${testid}"]`;
      const parent = node.parentElement;
      if (parent) {
        const same = [...parent.children].filter((c) => c.localName === node.localName);
        if (same.length > 1) part += `:nth-of-type(${same.indexOf(node) + 1})`;
      }
      parts.unshift(part);
      if (node.localName === "html") break;
      node = node.parentElement;
    }
    return parts.join(" > ");
  };
  const visible = (el) => {
    if (!el.isConnected || el.closest("[inert]")) return false;
    const r = el.getBoundingClientRect();
    const s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.visibility !== "hidden" && s.display !== "none";
  };
  const focusable = (el) => el.matches(FOCUSABLE) && !el.disabled && el.tabIndex >= 0
    && visible(el);
  const clickable = (el) => (window.__rgClicks && window.__rgClicks.has(el))
    || el.hasAttribute("onclick");
  const html = (el) => el.outerHTML.slice(0, 240);
  const describe = (el) => {
    const r = el.getBoundingClientRect();
    const radio = el.localName === "input" && el.type === "radio" ? el.name || path(el) : null;
    // elements that look alike unfocused render focus alike: one screenshot pair per look
    const look = [el.localName, el.className, el.type || "", el.getAttribute("style") || "",
                  el.getAttribute("role") || ""].join("|");
    return {path: path(el), html: html(el), tag: el.localName, role: el.getAttribute("role"),
            radio, look, rect: {x: r.x, y: r.y, width: r.width, height: r.height}};
  };
  const byPath = (p) => { try { return document.querySelector(p); } catch (e) { return null; } };
  const focused = () => {
    let a = document.activeElement;
    while (a && a.shadowRoot && a.shadowRoot.activeElement) a = a.shadowRoot.activeElement;
    return !a || a === document.body || a === document.documentElement ? null : a;
  };
  const active = () => {
    const a = focused();
    return a && {...describe(a), obscured: obscured(a)};
  };
  const activePath = () => { const a = focused(); return a && path(a); };
  // WCAG 2.4.11: the focused element must not be entirely hidden by other content.
  const obscured = (el) => {
    const r = el.getBoundingClientRect();
    const vw = innerWidth, vh = innerHeight;
    const xs = [r.left + 2, r.left + r.width / 2, r.right - 2];
    const ys = [r.top + 2, r.top + r.height / 2, r.bottom - 2];
    let inside = 0, covered = 0;
    for (const x of xs) for (const y of ys) {
      if (x < 0 || y < 0 || x >= vw || y >= vh) continue;
      inside += 1;
      const top = document.elementFromPoint(x, y);
      if (top && !(el.contains(top) || top.contains(el))) covered += 1;
    }
    if (inside === 0) return "off screen";
    return covered === inside ? "covered" : "";
  };
  const inventory = () => {
    const all = [...document.querySelectorAll("body *")];
    const native = 'a[href], button, input:not([type="hidden"]), select, textarea, summary';
    // native controls taken out of the Tab order (tabindex="-1") still count: a mouse can use them
    const focusables = all.filter((el) => focusable(el) || (el.matches(native) && !el.disabled
      && el.tabIndex < 0 && visible(el) && !el.closest('[aria-hidden="true"]')));
    const clickables = all.filter((el) => clickable(el) && visible(el) && !focusable(el)
      && !el.closest(NATIVE) && !el.querySelector(FOCUSABLE));
    return {focusables: focusables.map(describe), clickables: clickables.map(describe)};
  };
  const order = (paths) => {
    const all = [...document.querySelectorAll("*")];
    return paths.map((p) => { const el = byPath(p); return el ? all.indexOf(el) : -1; });
  };
  // Focus a mark at the top of the document, where the Tab order starts when no positive
  // tabindex reorders it; with one, a mark at the end, from which Tab leaves the page and comes
  // back in where a user coming from the address bar does. Returns which.
  const start = () => {
    const reordered = [...document.querySelectorAll("[tabindex]")].some((el) => el.tabIndex > 0);
    const mark = document.createElement("span");
    mark.tabIndex = -1;
    mark.id = "__rg_start";
    if (reordered) document.body.append(mark); else document.body.prepend(mark);
    mark.focus({preventScroll: true});
    return reordered;
  };
  const dropStart = () => { const m = document.getElementById("__rg_start"); if (m) m.remove(); };
  // One Tab stop of a walk, in one call: the start mark gone, the focused element; when it is
  // the previous stop again, whether there is another focusable element (else no trap).
  const step = (last) => {
    dropStart();
    const stop = active();
    const again = stop !== null && stop.path === last;
    return {stop, others: again ? inventory().focusables.length > 1 : null};
  };
  const focusPath = (p) => { const el = byPath(p); if (el) el.focus(); return !!el; };
  const blur = () => { if (document.activeElement) document.activeElement.blur(); };
  window.__rg = {path, visible, focusable, inventory, active, activePath, order, start, step,
                 focusPath, blur, byPath, describe};
})();
"""


_ADDED: weakref.WeakKeyDictionary[Page, set[str]] = weakref.WeakKeyDictionary()


def add_once(page: Page, script: str) -> None:
    """Run ``script`` in every document ``page`` loads from now on, registered once however
    many states the page is driven through (register before it navigates)."""
    added = _ADDED.setdefault(page, set())
    if script not in added:
        page.add_init_script(script)
        added.add(script)


def instrument(page: Page) -> None:
    """Install the click-handler tracker and the helpers in every document the page loads:
    the tracker runs before the page's scripts, and the checks find ``window.__rg`` without
    sending it again for each state and family."""
    add_once(page, CLICK_TRACKER + PROBE)
