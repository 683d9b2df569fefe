"""``conversations/policy.yaml``: the rules every bot turn is held to, validated on load."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from releasegate.chat.disclaimers import Disclaimer, DisclaimerRegistry
from releasegate.errors import UserError
from releasegate.validation import one_line, repeated

POLICY_FILE = "policy.yaml"


class DisclaimerEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(min_length=1)
    text: str = Field(min_length=10)


class ConversationPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid")
    disclaimers: list[DisclaimerEntry] = Field(min_length=1)

    @field_validator("disclaimers")
    @classmethod
    def _unique_ids(cls, entries: list[DisclaimerEntry]) -> list[DisclaimerEntry]:
        if twice := repeated([entry.id for entry in entries]):
            raise ValueError(f"disclaimer id listed more than once: {', '.join(twice)}")
        return entries

    def disclaimer_registry(self) -> DisclaimerRegistry:
        return DisclaimerRegistry([Disclaimer(d.id, d.text) for d in self.disclaimers])


def load_policy(path: Path) -> ConversationPolicy:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"{path}: no such conversation policy file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: cannot read: {exc}") from None
    except yaml.YAMLError as exc:
        raise UserError(f"{path}: invalid YAML: {exc}".replace("\n", " ")) from None
    try:
        return ConversationPolicy.model_validate(raw if raw is not None else {})
    except ValidationError as exc:
        raise UserError(one_line(str(path), ConversationPolicy, exc)) from None
