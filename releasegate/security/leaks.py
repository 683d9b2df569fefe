"""What an error body must never show: a stack trace, a server file path, a framework's debug
banner or a database error with SQL in it.

Pure and deterministic, measured on the labelled cases in ``tests/detectors/cases/leak.yaml``
(``docs/security.md`` publishes precision and recall). The hard part is what is *not* a leak:
a URL path in a 404 message (``Nothing here: GET /api/chat``), a field rule that reads like
SQL ("select a rating from 1 to 5"), a line and column of the client's own JSON, the word
"traceback" in a sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from releasegate.chat.detectors.base import excerpt


@dataclass(frozen=True)
class Leak:
    what: str  # "a Python stack trace", "a server file path", ...
    excerpt: str  # the body around it


# Stack traces of the common runtimes, by their frame lines rather than by words.
_TRACES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "a Python stack trace",
        re.compile(
            r"Traceback \(most recent call last\)|\bFile \\?\"[^\"\n]+\\?\", line \d+(?:, in \S+)?"
        ),
    ),
    (
        "a Java stack trace",
        re.compile(
            r"\bat (?:[a-zA-Z_$][\w$]*\.){2,}[\w$<>]+\("
            r"(?:[\w$]+\.(?:java|kt|scala):\d+|Native Method|Unknown Source)\)"
            r"|\b(?:java|javax|jakarta)\.[\w.]+(?:Exception|Error)\b"
        ),
    ),
    (
        "a JavaScript stack trace",
        re.compile(
            r"\bat (?:async )?(?:[\w$.<>\[\] ]+ )?\(?(?:/|file://|[A-Za-z]:\\|node:)[^\s()]+"
            r":\d+:\d+\)?"
        ),
    ),
    (
        "a .NET stack trace",
        re.compile(r"\bat [\w.`<>]+\([^)\n]*\) in [^\n]+:line \d+|\bSystem\.[\w.]+Exception\b"),
    ),
    (
        "a PHP error",
        re.compile(
            r"\b(?:Fatal error|Warning|Parse error|Notice)\b: .{0,200}? in \S+\.php on line \d+"
            r"|#\d+ \S+\.php\(\d+\): "
        ),
    ),
    ("a Go panic", re.compile(r"\bgoroutine \d+ \[running\]|\bpanic: .+\n\s*goroutine\b")),
    ("a Ruby stack trace", re.compile(r"\S+\.rb:\d+:in [`'][^'\n]+'")),
)

# Paths of the server's own files: a source or library path, not a URL path of the API.
_PATH = re.compile(
    r"(?<![\w/.:-])(?:/(?:home|root|usr|opt|srv|var|app|src|tmp|etc|Users|workspace|code)"
    r"(?:/[\w.@+-]+)+\.(?:py|pyc|js|mjs|ts|java|class|jar|rb|php|go|cs|dll|so|sqlite3?|db"
    r"|conf|ini|yaml|yml|toml|env|log)\b"
    r"|/(?:usr|opt)/(?:local/)?lib/(?:python|node|ruby|jvm)[\w./@+-]*"
    r"|/site-packages/[\w./-]+|/node_modules/[\w./@-]+)"
    r"|\b[A-Za-z]:\\{1,2}(?:[\w .-]+\\{1,2})+[\w .-]+\.\w{1,5}\b"
)

# Debug pages and default error pages of frameworks and servers.
_BANNERS = re.compile(
    r"Werkzeug Debugger|The debugger caught an exception|Django Version:|"
    r"You're seeing this error because you have <code>DEBUG = True</code>|"
    r"Whitelabel Error Page|Apache Tomcat/\d|<address>Apache/\d[\d.]* |"
    r"\bnginx/\d+\.\d+|Microsoft-IIS/\d|Server Error in '/' Application|"
    r"Exception Details: System\.|"
    r"\bLaravel\b.{0,40}\b(?:Exception|Whoops)|Whoops, looks like something went wrong|"
    r"\bRails\.root:|ActionController::|Phoenix\.Router\.NoRouteError|"
    r"uvicorn\.(?:protocols|lifespan)|starlette\.(?:routing|middleware)|fastapi\.routing",
    re.IGNORECASE,
)

# Database errors: a driver's error class or message, or a statement quoted back.
_SQL = re.compile(
    r"\bSQLSTATE\[?\w*\]?|\bORA-\d{5}\b|\bPG::\w+|\bpsycopg2?\.\w+|\bsqlite3\.\w+Error\b|"
    r"\bsqlalchemy\.exc\.\w+|\bMySQLdb\.|\bpymysql\.err\b|"
    r"You have an error in your SQL syntax|syntax error at or near \"|"
    r"unterminated quoted string at or near|no such (?:table|column): \w+|"
    r"\bunrecognized token: |near \"[^\"\n]{1,40}\": syntax error|"
    r"Unclosed quotation mark after the character string|"
    r"\b(?:SELECT\s+(?:\*|[\w.,\s\"`]+?)\s+FROM\s+[\w.\"`]+|INSERT\s+INTO\s+[\w.\"`]+\s*\(|"
    r"UPDATE\s+[\w.\"`]+\s+SET\s+[\w\"`]+\s*=|DELETE\s+FROM\s+[\w.\"`]+\s+WHERE)\b"
)

_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    *_TRACES,
    ("a server file path", _PATH),
    ("a framework or server banner", _BANNERS),
    ("a database error or SQL", _SQL),
)


def find_leaks(body: str) -> list[Leak]:
    """Every kind of leak in an error body, the first place each occurs."""
    found = []
    for what, pattern in _KINDS:
        if match := pattern.search(body):
            found.append(Leak(what, excerpt(body, match.start(), match.end())))
    return found
