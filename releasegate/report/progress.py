"""What a person watching ``releasegate run`` sees while it works: in a terminal, one line per
phase with a bar (tests done of tests collected, from the pytest plugin's progress feed) and
the elapsed time, the pytest output going to the run folder's ``<phase>.log``; in CI or a pipe,
plain lines and pytest's own output, as logs want them."""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, TextIO

from releasegate.redaction import redact

POLL_S = 0.2


@dataclass(frozen=True)
class PhaseOutput:
    """Where a pytest phase sends its progress feed and its output (None: the terminal)."""

    feed: Path | None
    log: Path | None


class Display(Protocol):
    def phase(self, name: str, folder: Path) -> contextlib.AbstractContextManager[PhaseOutput]:
        """Show one phase while the block runs; ``folder`` is the run folder."""
        ...


def _say(message: str) -> None:
    print(redact(f"releasegate: {message}"), file=sys.stderr, flush=True)


class PlainDisplay:
    """Lines for logs: a phase's start and its end with the elapsed time."""

    @contextlib.contextmanager
    def phase(self, name: str, folder: Path) -> Iterator[PhaseOutput]:
        started = time.monotonic()
        try:
            yield PhaseOutput(None, None)
        finally:
            _say(f"{name} phase took {time.monotonic() - started:.1f} s")


def read_feed(path: Path) -> tuple[int | None, int]:
    """(tests collected, tests finished) from a progress feed so far."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return None, 0
    totals = [int(line.split()[1]) for line in lines if line.startswith("total ")]
    return (max(totals) if totals else None), sum(1 for line in lines if line == "done")


class RichDisplay:
    """A bar per phase, drawn by rich on stderr."""

    def __init__(self) -> None:
        from rich.console import Console

        self.console = Console(stderr=True)

    @contextlib.contextmanager
    def phase(self, name: str, folder: Path) -> Iterator[PhaseOutput]:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
        )

        feed = folder / f"{name}.progress"
        output = PhaseOutput(feed, folder / f"{name}.log")
        columns = (SpinnerColumn(), TextColumn("[bold]{task.description}"), BarColumn(),
                   MofNCompleteColumn(), TimeElapsedColumn())  # fmt: skip
        done = threading.Event()
        with Progress(*columns, console=self.console, transient=False) as bar:
            task = bar.add_task(name, total=None)

            def follow() -> None:
                while not done.wait(POLL_S):
                    total, finished = read_feed(feed)
                    bar.update(task, total=total, completed=finished)

            watcher = threading.Thread(target=follow, daemon=True)
            watcher.start()
            try:
                yield output
            finally:
                done.set()
                watcher.join()
                total, finished = read_feed(feed)
                bar.update(task, total=total or finished or 1, completed=finished or total or 1)
        self.console.print(f"  [dim]pytest output: {output.log}[/dim]")


def display_for(stream: TextIO = sys.stderr) -> Display:
    """Bars in an interactive terminal; plain lines in CI, in a pipe or with TERM=dumb."""
    interactive = stream.isatty() and os.environ.get("TERM") != "dumb"
    if interactive and not os.environ.get("CI"):
        return RichDisplay()
    return PlainDisplay()
