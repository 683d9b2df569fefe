"""The barrier corpus: small pages with exactly one known accessibility barrier each (and
control pages with none), labelled with the WCAG success criteria the barrier fails.

A checker *finds* a barrier when it reports a block-level finding on that page whose success
criteria include one of the labelled ones; a block-level finding on a control page is a false
positive. Chat pages (``chat=True``) are audited in their chat states with a bot that answers
in the page itself, so the chat checks are measured without a server."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Page:
    id: str
    category: str  # keyboard, focus, forms, images, tables, colour, language, structure, live
    criteria: tuple[str, ...]  # what the barrier fails; empty for a control page
    what: str
    body: str
    head: str = ""
    style: str = ""
    script: str = ""
    lang: str | None = "en"
    title: str | None = "Corpus page"
    chat: bool = False
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def control(self) -> bool:
        return not self.criteria

    def html(self) -> str:
        lang = f' lang="{self.lang}"' if self.lang is not None else ""
        title = f"<title>{self.title}</title>" if self.title is not None else ""
        return (
            f'<!doctype html>\n<html{lang}>\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n{title}\n'
            f"{self.head}<style>\n{BASE_STYLE}{self.style}</style>\n</head>\n<body>\n"
            f"{self.body}\n<script>\n{self.script}\n</script>\n</body>\n</html>\n"
        )


BASE_STYLE = """body { font: 16px/1.5 sans-serif; color: #1b1f24; background: #fff; margin: 0; }
main { padding: 1rem 2rem; }
a { color: #0b3d91; }
:focus-visible { outline: 3px solid #1b1f24; outline-offset: 2px; }
.sr { position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0; overflow: hidden;
      clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
"""


def shell(content: str, heading: str = "Corpus page") -> str:
    """A page with a header, a main landmark and a heading around the content."""
    return (
        f"<header><p>Example service</p></header>\n<main>\n<h1>{heading}</h1>\n{content}\n</main>"
    )


# -- the chat page: a bot that answers in the page, with every accessibility choice a knob --

CHAT_STYLE = """
#log { display: flex; flex-direction: column; gap: .5rem; border: 1px solid #767676;
       min-height: 10rem; padding: .5rem; }
.msg { max-width: 80%; padding: .4rem .7rem; border-radius: .6rem; }
.msg p { margin: 0; }
.msg.user { align-self: flex-end; background: #1a4fd6; color: #fff; }
.msg.assistant { align-self: flex-start; background: #eef1f5; border: 1px solid #767676; }
"""


def chat_page(
    id: str, criteria: tuple[str, ...], what: str, *, live: str = 'role="log" aria-live="polite"',
    prefixes: bool = True, user_style: str = "", refocus: bool = True, enter: bool = True,
) -> Page:  # fmt: skip
    form_open = '<form id="f">' if enter else '<div id="f">'
    form_close = "</form>" if enter else "</div>"
    button_type = "submit" if enter else "button"
    body = shell(
        f'<div id="log" data-testid="chat-log" {live} aria-label="Conversation" tabindex="0">'
        "</div>\n"
        f'{form_open}<label for="in">Your question</label>\n'
        '<input id="in" data-testid="chat-input" autocomplete="off">\n'
        f'<button type="{button_type}" id="send" data-testid="send-button">Send</button>'
        f"{form_close}",
        "Ask us",
    )
    prefix = "role === 'user' ? 'You said: ' : 'Helper said: '" if prefixes else "''"
    submit = (
        "document.getElementById('f').addEventListener('submit', (e) => { e.preventDefault(); "
        "send(); });"
        if enter
        else "document.getElementById('send').addEventListener('click', send);"
    )
    script = f"""
const log = document.getElementById('log');
const input = document.getElementById('in');
let turn = 0;
function add(role, text) {{
  const item = document.createElement('div');
  item.className = 'msg ' + role;
  item.dataset.testid = 'message-' + role;
  const who = document.createElement('span');
  who.className = 'sr';
  who.textContent = {prefix};
  const body = document.createElement('p');
  body.textContent = text;
  item.append(who, body);
  log.append(item);
}}
const REPLIES = ['Certainly, here is what I know.', 'That depends on where you live.',
                 'Please check your notice for the date.', 'A person will contact you soon.'];
function send() {{
  const text = input.value.trim();
  if (!text) return;
  add('user', text);
  input.value = '';
  setTimeout(() => {{
    add('assistant', REPLIES[turn++ % REPLIES.length]);
    {"input.focus();" if refocus else ""}
  }}, 20);
}}
{submit}
"""
    return Page(id, "live" if "4.1.3" in criteria else "chat", criteria, what, body,
                style=CHAT_STYLE + user_style, script=script, chat=True)  # fmt: skip


DIALOG_SCRIPT = """
const open = document.getElementById('open');
const box = document.getElementById('box');
const close = document.getElementById('close');
function show() {{ box.hidden = false; open.setAttribute('aria-expanded', 'true'); {focus} }}
function hide() {{ box.hidden = true; open.setAttribute('aria-expanded', 'false'); {back} }}
open.addEventListener('click', show);
close.addEventListener('click', hide);
document.addEventListener('keydown', (e) => {{ if (e.key === 'Escape' && {escape}) hide(); }});
{trap}
"""
TRAP = """
box.addEventListener('keydown', (e) => {
  if (e.key !== 'Tab') return;
  const items = [...box.querySelectorAll('button, input')];
  const last = items[items.length - 1], first = items[0];
  if (!e.shiftKey && document.activeElement === last) { e.preventDefault(); first.focus(); }
  if (e.shiftKey && document.activeElement === first) { e.preventDefault(); last.focus(); }
});
"""


def dialog_page(id: str, criteria: tuple[str, ...], what: str, *, focus: bool = True,
                back: bool = True, escape: bool = True, trap: bool = True) -> Page:  # fmt: skip
    body = shell(
        '<button id="open" aria-haspopup="dialog" aria-expanded="false" aria-controls="box">'
        "Change address</button>\n"
        '<div id="box" role="dialog" aria-modal="true" aria-labelledby="box-title" hidden>\n'
        '<h2 id="box-title">New address</h2>\n<label for="street">Street</label>\n'
        '<input id="street" autocomplete="street-address">\n'
        '<button id="close">Close</button>\n</div>\n<p><a href="/after.html">A link after</a></p>'
    )
    script = DIALOG_SCRIPT.format(
        focus="document.getElementById('street').focus();" if focus else "",
        back="open.focus();" if back else "",
        escape="true" if escape else "false",
        trap=TRAP if trap else "",
    )
    return Page(id, "keyboard", criteria, what, body, script=script)


P = Page
PAGES: list[Page] = [
    # keyboard
    P("kb-div-button", "keyboard", ("2.1.1",), "a div that acts as a button on click only",
      shell('<div class="btn" id="go">Submit claim</div>'),
      script="document.getElementById('go').addEventListener('click', () => alert('sent'));",
      style=".btn { display: inline-block; padding: .3rem .8rem; border: 1px solid #333; }"),
    P("kb-span-link", "keyboard", ("2.1.1",), "a span with onclick navigation instead of a link",
      shell('<p>Read the <span onclick="location.href=\'#terms\'" class="fake">terms</span>.'
            "</p>"),
      style=".fake { color: #0b3d91; text-decoration: underline; cursor: pointer; }"),
    P("kb-trap", "keyboard", ("2.1.2",), "a field that swallows Tab (keyboard trap)",
      shell('<label for="code">Code</label> <input id="code">\n<p><a href="#next">Next</a></p>'),
      script="document.getElementById('code').addEventListener('keydown', (e) => {"
             " if (e.key === 'Tab') e.preventDefault(); });"),
    P("kb-positive-tabindex", "keyboard", ("2.4.3",), "tabindex=1 makes the last link first",
      shell('<p><a href="#a">First</a> <a href="#b">Second</a> '
            '<a href="#c" tabindex="1">Third</a></p>')),
    P("kb-tabindex-negative", "keyboard", ("2.1.1",), "a button removed from the Tab order",
      shell('<button tabindex="-1" type="button">Save draft</button>')),
    dialog_page("kb-dialog-no-focus", ("2.4.3",), "opening the dialog leaves focus behind",
                focus=False),
    dialog_page("kb-dialog-no-escape", ("2.1.2",), "Escape does not close the dialog",
                escape=False),
    dialog_page("kb-dialog-no-return", ("2.4.3",), "closing the dialog drops focus",
                back=False),
    dialog_page("kb-modal-escapes", ("2.4.3",), "Tab leaves the open modal dialog",
                trap=False),
    # focus
    P("focus-outline-none", "focus", ("2.4.7",), "links lose their focus outline",
      shell('<p><a href="#a">Rates</a> and <a href="#b">exemptions</a></p>'),
      style="a:focus, a:focus-visible { outline: none; }"),
    P("focus-button-no-indicator", "focus", ("2.4.7",), "a button with no focus style at all",
      shell('<button type="button" class="plain">Continue</button>'),
      style=".plain { border: 1px solid #333; background: #fff; padding: .3rem .8rem; }"
            ".plain:focus, .plain:focus-visible { outline: none; }"),
    P("focus-outline-invisible", "focus", ("2.4.7",), "an outline in the background colour",
      shell('<p><a href="#a">Payment options</a></p>'),
      style="a:focus-visible { outline: 3px solid #fff; }"),
    P("focus-obscured", "focus", ("2.4.11",), "a fixed footer hides the focused link",
      shell('<div style="height: 1600px">Long text.</div>\n<p><a href="#end">Last link</a></p>'
            '\n<footer class="bar">Cookie notice: we use cookies.</footer>'),
      style=".bar { position: fixed; left: 0; right: 0; bottom: 0; height: 140px;"
            " background: #eee; }"),
    P("focus-offscreen-skip", "focus", ("2.4.7", "2.4.11"),
      "a skip link that stays off screen when focused",
      '<a class="skip" href="#main">Skip to content</a>\n' + shell("<p>Content.</p>"),
      style=".skip { position: absolute; left: -9999px; }"),
    # forms
    P("form-no-label", "forms", ("1.3.1", "4.1.2", "3.3.2"), "an input with no label",
      shell('<p>Parcel number</p><input id="parcel" type="text">')),
    P("form-placeholder-only", "forms", ("3.3.2",), "a placeholder instead of a label",
      shell('<input id="q" type="text" placeholder="Parcel number">')),
    P("form-select-no-label", "forms", ("1.3.1", "4.1.2"), "a select with no label",
      shell('<select><option>County A</option><option>County B</option></select>')),
    P("form-button-empty", "forms", ("4.1.2",), "an icon button without a name",
      shell('<button type="button"><svg width="16" height="16" aria-hidden="true">'
            '<circle cx="8" cy="8" r="6"/></svg></button>')),
    P("form-autocomplete-invalid", "forms", ("1.3.5",), "an invalid autocomplete token",
      shell('<label for="mail">Email</label> <input id="mail" autocomplete="mail-address">')),
    P("form-input-image-no-alt", "forms", ("1.1.1", "4.1.2"), "an image button without alt",
      shell('<form><input type="image" src="data:image/gif;base64,R0lGODlhAQABAAAAACw='
            'AAAAAAQABAAACAkQBADs=" width="40" height="20"></form>')),
    P("form-required-colour", "forms", ("1.4.1", "3.3.2"), "required fields shown only in red",
      shell('<label for="n" class="req">Name</label> <input id="n">'),
      style=".req { color: #b00020; }"),
    # images
    P("img-no-alt", "images", ("1.1.1",), "an image without alt",
      shell('<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=AAAAAAQABAAACAkQBADs=" '
            'width="40" height="40">')),
    P("img-role-img-no-name", "images", ("1.1.1",), "role=img without a name",
      shell('<div role="img" class="pic"></div>'),
      style=".pic { width: 40px; height: 40px; background: #0b3d91; }"),
    P("img-svg-no-title", "images", ("1.1.1",), "an svg image without a title",
      shell('<svg role="img" width="40" height="40"><rect width="40" height="40"/></svg>')),
    P("img-area-no-alt", "images", ("1.1.1", "2.4.4", "4.1.2"), "an image-map area without alt",
      shell('<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=AAAAAAQABAAACAkQBADs=" '
            'usemap="#m" alt="County map" width="80" height="40">'
            '<map name="m"><area shape="rect" coords="0,0,40,40" href="#north"></map>')),
    P("img-alt-filename", "images", ("1.1.1",), "alt text that is a file name",
      shell('<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=AAAAAAQABAAACAkQBADs=" '
            'alt="IMG_2041.jpg" width="40" height="40">')),
    # tables
    P("table-th-no-cells", "tables", ("1.3.1",), "a header cell with no data cells",
      shell("<table><tr><th>Year</th><th>Rate</th><th>Notes</th></tr>"
            "<tr><td>2025</td><td>1.2 %</td></tr></table>")),
    P("table-headers-attr", "tables", ("1.3.1",), "headers= pointing to no header",
      shell('<table><tr><th id="y">Year</th><th id="r">Rate</th></tr>'
            '<tr><td headers="y">2025</td><td headers="rate">1.2 %</td></tr></table>')),
    P("table-no-headers", "tables", ("1.3.1",), "a data table without any header cell",
      shell("<table><tr><td><b>Year</b></td><td><b>Rate</b></td></tr>"
            "<tr><td>2025</td><td>1.2 %</td></tr><tr><td>2026</td><td>1.3 %</td></tr>"
            "</table>")),
    # colour and contrast
    P("contrast-text", "colour", ("1.4.3",), "light grey body text",
      shell('<p class="faint">Your assessment notice arrives in May.</p>'),
      style=".faint { color: #b4b9c0; }"),
    P("contrast-large-text", "colour", ("1.4.3",), "large text at about 2.3:1",
      shell('<p class="big">Deadline: April 30</p>'),
      style=".big { font-size: 28px; color: #a0a0a0; }"),
    P("contrast-link-colour-only", "colour", ("1.4.1",), "links told apart by colour only",
      shell('<p class="t">Pay online or read <a href="#more">more about payment plans</a>'
            " today.</p>"),
      style=".t a { color: #2a5fa0; text-decoration: none; } .t { color: #222; }"),
    P("contrast-ui-component", "colour", ("1.4.11",), "a text field border at 1.3:1",
      shell('<label for="x">Amount</label> <input id="x" class="pale">'),
      style=".pale { border: 1px solid #e4e4e4; }"),
    # language
    P("lang-missing", "language", ("3.1.1",), "no lang on the page", shell("<p>Text.</p>"),
      lang=None),
    P("lang-invalid", "language", ("3.1.1",), "an invalid page language", shell("<p>Text.</p>"),
      lang="english"),
    P("lang-part-invalid", "language", ("3.1.2",), "an invalid language on a passage",
      shell('<p>Our motto: <span lang="frenchish">liberté</span>.</p>')),
    # structure
    P("struct-no-title", "structure", ("2.4.2",), "no page title", shell("<p>Text.</p>"),
      title=None),
    P("struct-no-headings", "structure", ("1.3.1", "2.4.6"), "no heading anywhere",
      "<header><p>Example service</p></header><main><p>Plain text only.</p></main>"),
    P("struct-no-main", "structure", ("1.3.1",), "no main landmark",
      "<h1>Corpus page</h1><div><p>Plain text only.</p></div>"),
    P("struct-list-broken", "structure", ("1.3.1",), "a list with div children",
      shell("<ul><div>One</div><div>Two</div></ul>")),
    P("struct-empty-link", "structure", ("2.4.4", "4.1.2"), "a link with no text",
      shell('<p><a href="#home"><span class="icon"></span></a></p>'),
      style=".icon { display: inline-block; width: 16px; height: 16px; background: #333; }"),
    P("struct-invalid-role", "structure", ("4.1.2",), "a misspelt ARIA role",
      shell('<div role="buton" tabindex="0">Go</div>')),
    P("struct-aria-hidden-focusable", "structure", ("4.1.2",), "a link inside aria-hidden",
      shell('<div aria-hidden="true"><a href="#x">Hidden link</a></div>')),
    P("struct-iframe-no-title", "structure", ("4.1.2",), "an iframe without a title",
      shell('<iframe srcdoc="<p>Map</p>" width="200" height="60"></iframe>')),
    P("struct-viewport-no-zoom", "structure", ("1.4.4",), "zoom disabled by the viewport",
      shell("<p>Text.</p>"),
      head='<meta name="viewport" content="width=device-width, user-scalable=no">\n'),
    P("struct-heading-empty", "structure", ("1.3.1", "2.4.6"), "an empty heading",
      shell("<h2></h2><p>Text.</p>")),
    # live regions and the chat
    P("live-status-silent", "live", ("4.1.3",), "a 'Saved' message outside any live region",
      shell('<button type="button" id="save">Save</button> <p id="msg"></p>'),
      script="document.getElementById('save').addEventListener('click', () => {"
             " document.getElementById('msg').textContent = 'Saved'; });"),
    chat_page("chat-log-not-live", ("4.1.3",), "the conversation is not a live region",
              live='role="region"'),
    chat_page("chat-speakers-silent", ("1.3.1",), "no speaker in the accessibility tree",
              prefixes=False),
    chat_page("chat-speakers-colour-only", ("1.4.1",), "speakers differ only in colour",
              user_style=".msg.user { align-self: flex-start; border: 1px solid #767676; }"),
    chat_page("chat-focus-not-returned", ("2.4.3",), "focus stays on Send after sending",
              refocus=False),
    chat_page("chat-enter-does-not-send", ("2.1.1",), "Enter in the field sends nothing",
              enter=False),
    # controls: no barrier
    P("ok-article", "control", (), "an article", shell(
        "<h2>Appeals</h2><p>You may appeal within 30 days. "
        "<a href=\"/appeal-form.html\">Appeal form</a>"
        "</p><h2>Payments</h2><p>Pay by mail or online.</p>")),
    P("ok-form", "control", (), "a labelled form", shell(
        '<form><label for="name">Full name</label> <input id="name" autocomplete="name">\n'
        '<label for="mail">Email</label> <input id="mail" type="email" autocomplete="email">\n'
        '<fieldset><legend>Contact me by</legend><input type="radio" id="r1" name="c">'
        '<label for="r1">Email</label><input type="radio" id="r2" name="c">'
        '<label for="r2">Phone</label></fieldset><button>Send</button></form>')),
    P("ok-table", "control", (), "a data table with headers", shell(
        "<table><caption>Rates</caption><tr><th scope=\"col\">Year</th>"
        "<th scope=\"col\">Rate</th></tr><tr><td>2025</td><td>1.2 %</td></tr></table>")),
    P("ok-images", "control", (), "images with alt and a decorative one", shell(
        '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=AAAAAAQABAAACAkQBADs=" '
        'alt="County seal" width="40" height="40"> <img src="data:image/gif;base64,R0lGODlhA'
        'QABAAAAACw=AAAAAAQABAAACAkQBADs=" alt="" width="40" height="40">')),
    P("ok-skip-link", "control", (), "a skip link that appears on focus",
      '<a class="skip" href="#main">Skip to content</a>\n' + shell(
          '<p id="main">Content. <a href="/rates.html">Rates</a></p>'),
      style=".skip { position: absolute; left: -9999px; } .skip:focus { left: 1rem; top: 1rem;"
            " background: #fff; }"),
    dialog_page("ok-dialog", (), "a dialog that takes, keeps and returns focus"),
    P("ok-custom-button", "control", (), "a div button done right", shell(
        '<div role="button" tabindex="0" id="go" class="btn">Submit claim</div>'),
      script="const go = document.getElementById('go');"
             " go.addEventListener('click', () => {});"
             " go.addEventListener('keydown', (e) => { if (e.key === 'Enter') go.click(); });",
      style=".btn { display: inline-block; padding: .3rem .8rem; border: 1px solid #333; }"),
    P("ok-live-status", "control", (), "a status message in a live region", shell(
        '<button type="button" id="save">Save</button> <p id="msg" role="status"></p>'),
      script="document.getElementById('save').addEventListener('click', () => {"
             " document.getElementById('msg').textContent = 'Saved'; });"),
    chat_page("ok-chat", (), "an accessible chat"),
]  # fmt: skip


def write(folder: Path) -> list[Page]:
    """Write every page as ``<id>.html`` into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for page in PAGES:
        (folder / f"{page.id}.html").write_text(page.html(), encoding="utf-8")
    return PAGES
