"""``conversations/policy.yaml``: the rules every bot turn is held to, validated on load.

It holds the approved disclaimers and, optionally, each detector's options (sections
``tax_content``, ``promises``, ``escalation``, ``pii``, ``injection``; docs/detectors.md). A file
that only lists disclaimers gets every detector with its defaults.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import yaml
from pydantic import Field, ValidationError

from releasegate.errors import UserError
from releasegate.model import Strict
from releasegate.validation import one_line

if TYPE_CHECKING:
    from releasegate.chat.detectors import DetectorPolicy

POLICY_FILE = "policy.yaml"


class DisclaimerEntry(Strict):
    id: str = Field(min_length=1)
    text: str = Field(min_length=10)


def load_policy(path: Path) -> DetectorPolicy:
    from releasegate.chat.detectors import DetectorPolicy

    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"{path}: no such conversation policy file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: cannot read: {exc}") from None
    except yaml.YAMLError as exc:
        raise UserError(f"{path}: invalid YAML: {exc}".replace("\n", " ")) from None
    try:
        return DetectorPolicy.model_validate(raw if raw is not None else {})
    except ValidationError as exc:
        raise UserError(one_line(str(path), DetectorPolicy, exc)) from None
