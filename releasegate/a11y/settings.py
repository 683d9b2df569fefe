"""The ``[a11y]`` table of releasegate.toml: which pages and chat states are audited, which axe
rule tags block and which warn, and what to include or leave out. The chat page's parts are
``[target.page]``'s, shared with the e2e journeys."""

from __future__ import annotations

import re
from typing import Annotated, Literal, get_args

from pydantic import AfterValidator, Field, model_validator

from releasegate.chat.contract import UrlPath
from releasegate.model import Strict
from releasegate.validation import repeated

ChatState = Literal["empty", "conversation", "feedback", "error", "handoff"]
CHAT_STATES: tuple[ChatState, ...] = get_args(ChatState)
BLOCK_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
_TAG = re.compile(r"^[a-z0-9][a-z0-9.-]*$")


def _tags(tags: list[str]) -> list[str]:
    for tag in tags:
        if not _TAG.match(tag):
            raise ValueError(f"{tag!r} is not an axe rule tag (like wcag2aa or best-practice)")
    if twice := repeated(tags):
        raise ValueError(f"listed more than once: {', '.join(twice)}")
    return tags


def _unique(items: list[str]) -> list[str]:
    if twice := repeated(items):
        raise ValueError(f"listed more than once: {', '.join(twice)}")
    return items


Tags = Annotated[list[str], AfterValidator(_tags)]


class A11ySettings(Strict):
    """``[a11y]``: pages of any site, and the states of the chat page (target.page_path)."""

    pages: Annotated[list[UrlPath], AfterValidator(_unique)] = []
    chat_states: Annotated[list[ChatState], AfterValidator(_unique)] = list(CHAT_STATES)
    block_tags: Tags = Field(default_factory=lambda: list(BLOCK_TAGS))
    warn_tags: Tags = Field(default_factory=lambda: ["best-practice"])
    include: list[str] = []  # CSS selectors axe audits (default: the whole page)
    exclude: list[str] = []  # CSS selectors axe leaves out (third-party widgets)
    conversation: list[str] = Field(
        default_factory=lambda: [
            "Hello",
            "How do I appeal my assessment?",
            "When is my property tax due?",
        ],
        min_length=2,
    )
    handoff_message: str = "I want to talk to a human"
    baseline: str | None = None  # an a11y evidence file, a decision.json or a run folder
    max_tab_stops: int = Field(80, ge=2, le=1000)
    timeout_s: float = Field(10.0, gt=0, le=120)
    screenshots: bool = True

    @model_validator(mode="after")
    def _disjoint(self) -> A11ySettings:
        both = sorted(set(self.block_tags) & set(self.warn_tags))
        if both:
            raise ValueError(f"warn_tags: {', '.join(both)} is already in block_tags")
        if not self.block_tags:
            raise ValueError("block_tags: must name at least one axe rule tag")
        return self
