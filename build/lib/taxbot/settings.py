"""Everything a taxbot process is configured with, resolved from arguments and environment."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from taxbot import __version__
from taxbot.faults import Faults

DEFAULT_DB = "taxbot.db"


@dataclass(frozen=True)
class Settings:
    """One app instance's configuration; tests build it directly, the CLI via ``from_env``."""

    db_path: Path
    faults: Faults = field(default_factory=Faults)
    version: str = __version__

    @classmethod
    def from_env(cls, db: str | None = None, environ: Mapping[str, str] = os.environ) -> Settings:
        """Resolve ``--db`` > ``TAXBOT_DB`` > ``./taxbot.db``; raises FaultError on bad faults."""
        return cls(
            db_path=Path(db or environ.get("TAXBOT_DB") or DEFAULT_DB),
            faults=Faults.parse(environ.get("TAXBOT_FAULTS", "")),
            version=environ.get("TAXBOT_VERSION") or __version__,
        )
