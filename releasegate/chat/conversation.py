"""The conversation script format (``conversations/**/*.yaml``), validated strictly: a typo in a
key is an error naming the file, the turn and the key, never a silently skipped expectation.

```yaml
id: LQ-001
title: Owner asks about an appeal and is qualified as a lead
tags: [lead, appeals]
severity: blocker            # blocker | major | minor
vars: {email: dana@example.com}
turns:
  - user: "My assessment went up 28%. Can I appeal?"
    variants: ["can i protest my assessment"]
    expect: {topics: [tax_info], contains_any: [appeal], json: {"$.lead.stage": discovery}}
  - include: partials/contact.yaml      # the turns of a shared partial
  - user: "I'm Dana, {{ email }}, please call me"
    capture: {ref: {regex: 'reference ([A-Z]{2}-\\d{6})'}}
end:
  expect: {captured: {ref: '^[A-Z]{2}-\\d{6}$'}}
  requests:                                # side effects, checked through the target's API
    - {method: GET, path: "/api/leads/{{ ref }}", status: 200, json: {"$.stage": qualified}}
  outcome: qualified                        # for lead-qualification accuracy
```
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import Discriminator, Field, Tag, field_validator, model_validator

from releasegate.chat.contract import JsonPath, UrlPath
from releasegate.model import Strict
from releasegate.validation import Regex

TEMPLATE = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
Topic = Literal["tax_info"]


class Expect(Strict):
    """What one reply must (and must not) be. Policies apply on top, to every turn."""

    topics: list[Topic] = []  # tax_info: the disclaimer is obligatory in this reply
    contains_any: list[str] = []
    contains_all: list[str] = []
    not_contains: list[str] = []
    regex: Regex | None = None
    intent: str | list[str] | None = None
    handoff: bool | None = None
    json_: dict[str, Any] = Field({}, alias="json")  # JSONPath -> expected value

    @field_validator("json_")
    @classmethod
    def _paths(cls, paths: dict[str, Any]) -> dict[str, Any]:
        from releasegate.chat.jsonpath import compile_path

        for path in paths:
            compile_path(path)
        return paths


class Capture(Strict):
    """A value taken from a reply for later turns (``{{ name }}``): a regex group (the first,
    else the whole match) in the reply text, or a JSONPath into the reply's JSON."""

    regex: Regex | None = None
    json_: JsonPath | None = Field(None, alias="json")

    @model_validator(mode="after")
    def _one(self) -> Capture:
        if (self.regex is None) == (self.json_ is None):
            raise ValueError("give exactly one of regex or json")
        return self


class Turn(Strict):
    user: str = Field(min_length=1)
    variants: list[str] = []
    expect: Expect = Expect()
    capture: dict[str, Capture] = {}


class Include(Strict):
    """The turns of a partial conversation (a YAML list of turns), relative to this file."""

    include: str = Field(min_length=1)


def step_kind(value: Any) -> str:
    return "include" if isinstance(value, dict) and "include" in value else "turn"


# A step is a turn, or the include of a partial: told apart by the ``include`` key, so a
# misspelt key in a turn is reported once, as a turn's.
Step = Annotated[
    Annotated[Turn, Tag("turn")] | Annotated[Include, Tag("include")],
    Discriminator(step_kind),
]


class SideEffect(Strict):
    """A request to the target after the conversation: what the bot said happened, did."""

    method: Literal["GET", "POST", "PUT", "DELETE", "PATCH"] = "GET"
    path: UrlPath
    body: Any = None
    status: int = Field(200, ge=100, le=599)
    json_: dict[str, Any] = Field({}, alias="json")


class EndExpect(Strict):
    captured: dict[str, str] = {}  # capture name -> regex the captured value must match


class End(Strict):
    expect: EndExpect = EndExpect()
    requests: list[SideEffect] = []
    outcome: str | None = None  # the lead outcome the conversation must reach


class Conversation(Strict):
    id: str = Field(min_length=1, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    title: str = ""
    tags: list[str] = []
    severity: Literal["blocker", "major", "minor"] = "major"
    vars: dict[str, str] = {}
    repeat: int = Field(1, ge=1, le=20)  # for bots that answer differently each time
    variants: Literal["each", "all"] = "each"  # one variant at a time, or every combination
    turns: list[Step] = Field(min_length=1)
    end: End = End()
