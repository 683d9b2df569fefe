"""``python -m taxbot``: serve taxbot with uvicorn.

Configuration errors (a bad ``TAXBOT_FAULTS``, bad arguments, an unusable database path) end
the process with one line on stderr and exit code 2, so a harness can report them verbatim.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
from typing import NoReturn

from taxbot.faults import FaultError
from taxbot.settings import Settings

LOG_LEVELS = ("critical", "error", "warning", "info", "debug", "trace")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(2, f"taxbot: {message}\n")


def _port(text: str) -> int:
    if not (text.isascii() and text.isdigit() and int(text) <= 65535):
        raise argparse.ArgumentTypeError(f"port must be a number from 0 to 65535, got {text!r}")
    return int(text)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m taxbot", description="Serve TaxBot, the reference target.")
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (127.0.0.1)")
    parser.add_argument("--port", type=_port, default=8000, help="TCP port (8000)")
    parser.add_argument("--db", help="SQLite file (default: $TAXBOT_DB, else ./taxbot.db)")
    parser.add_argument("--log-level", choices=LOG_LEVELS, default="warning")
    parser.add_argument("--access-log", action="store_true", help="log every request")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = Settings.from_env(db=args.db)
    except FaultError as exc:
        print(f"taxbot: TAXBOT_FAULTS: {exc}", file=sys.stderr)
        return 2

    # Imported after the checks above so a bad configuration fails fast.
    import uvicorn

    from taxbot.app import create_app

    try:
        app = create_app(settings)
    except (OSError, sqlite3.Error) as exc:
        print(f"taxbot: cannot open database {str(settings.db_path)!r}: {exc}", file=sys.stderr)
        return 2
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        access_log=args.access_log,
        server_header=False,  # no "server: uvicorn" banner
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
