"""Command-line options, config discovery, and the one way a releasegate user error reaches
pytest: as a ``pytest.UsageError`` (pytest prints it as one line and exits 4)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from releasegate.errors import UserError
from releasegate.layout import DEFAULT_CONFIG

if TYPE_CHECKING:
    from releasegate.config import Config

_config_key = pytest.StashKey["Config"]()
AUTH = pytest.StashKey["tuple[str, str] | None"]()  # user-info of --base-url, kept out of it


def add_options(parser: pytest.Parser) -> None:
    group = parser.getgroup("releasegate", "releasegate (release gate for chatbots)")
    group.addoption(
        "--releasegate-config",
        metavar="FILE",
        help=f"config with the target and policy (default: the nearest {DEFAULT_CONFIG})",
    )
    group.addoption(
        "--releasegate-evidence",
        metavar="DIR",
        help="write this session's results as evidence files into DIR (one file per kind)",
    )
    group.addoption("--releasegate-run-id", metavar="ID", help="run id recorded in evidence")
    group.addoption(
        "--releasegate-stage", metavar="NAME", help="stage recorded in evidence (default: config)"
    )
    group.addoption(
        "--releasegate-regressions",
        metavar="DIR",
        help="where the fuzzer writes shrunk failing conversations (default: reports/regressions)",
    )
    group.addoption(
        "--releasegate-progress",
        metavar="FILE",
        help="append 'total N' and one 'done' line per finished test to FILE (for a progress "
        "bar in another process, e.g. releasegate run's)",
    )
    group.addoption(
        "--releasegate-fuzz",
        choices=("ci", "thorough"),
        default="ci",
        help="fuzzing effort: ci (bounded, derandomized, fast; default) or thorough",
    )


@contextlib.contextmanager
def usage_errors(option: str = "") -> Iterator[None]:
    """Turn a releasegate ``UserError`` into pytest's usage error, naming the option."""
    try:
        yield
    except UserError as exc:
        raise pytest.UsageError(f"releasegate: {option + ': ' if option else ''}{exc}") from None


def find_config(config: pytest.Config) -> Path:
    """``--releasegate-config``, else the nearest releasegate.toml from where pytest was run
    upwards (like pytest's own ini files), else the rootdir's."""
    given = config.getoption("releasegate_config")
    if given:
        return Path(given)
    start = config.invocation_params.dir
    for folder in (start, *start.parents):
        if (folder / DEFAULT_CONFIG).is_file():
            return folder / DEFAULT_CONFIG
    return config.rootpath / DEFAULT_CONFIG


def releasegate_config_of(config: pytest.Config) -> Config:
    """The releasegate config for this pytest session, loaded once."""
    if _config_key not in config.stash:
        from releasegate.config import load_config

        path = find_config(config)
        if not path.exists():
            raise pytest.UsageError(
                f"releasegate: {path}: no such config file (pass --releasegate-config FILE)"
            )
        with usage_errors():
            config.stash[_config_key] = load_config(path)
    return config.stash[_config_key]
