"""The releasegate.toml model: target, stages and policy, validated with messages that say
which file, which key and what was expected."""

from __future__ import annotations

import hashlib
import json
import shlex
import string
import tomllib
from pathlib import Path
from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from releasegate.chat.jsonpath import compile_path
from releasegate.errors import ConfigError
from releasegate.validation import one_line

DEFAULT_CONFIG = "releasegate.toml"
SUITES = ("smoke", "e2e", "compliance", "a11y", "monitoring")
Suite = Literal["smoke", "e2e", "compliance", "a11y", "monitoring"]
Metric = Literal["tests.pass_rate", "tests.executed"]
METRIC_KINDS: dict[str, str] = {"tests.pass_rate": "tests", "tests.executed": "tests"}
LAUNCH_PLACEHOLDERS = {"python", "port", "host", "tmpdir"}


class Strict(BaseModel):
    """Unknown keys are errors: a typo must never silently fall back to a default."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class ChatContract(Strict):
    """How to talk to the target's chat API: request field names, JSONPaths into the reply."""

    path: str = "/api/chat"
    message_field: str = "message"
    session_field: str = "session_id"
    reply: str = "$.reply"
    session: str = "$.session_id"
    intent: str | None = "$.intent"
    handoff: str | None = "$.handoff"
    timeout_s: float = Field(10.0, gt=0)
    smoke_message: str = Field("When is my property tax due?", min_length=1)

    @field_validator("reply", "session", "intent", "handoff")
    @classmethod
    def _jsonpath(cls, expression: str | None) -> str | None:
        if expression is not None:
            compile_path(expression)
        return expression


class FeedbackContract(Strict):
    """Where ratings go; smoke posts one rating to prove the feedback loop works."""

    path: str = "/api/feedback"
    session_field: str = "session_id"
    rating_field: str = "rating"
    rating: int = 5


class TargetConfig(Strict):
    """The deployment under test: launched from a command on a free port, or reached at a URL."""

    name: str
    launch: str | None = None
    base_url: str | None = None
    env: dict[str, str] = {}
    startup_timeout_s: float = Field(30.0, gt=0)
    health_path: str = "/healthz"
    ready_path: str = "/readyz"
    version_path: str = "/version"
    version_field: str = "version"
    metrics_path: str = "/metrics"
    page_path: str = "/"
    chat: ChatContract = ChatContract()
    feedback: FeedbackContract = FeedbackContract()

    @field_validator("launch")
    @classmethod
    def _launch_placeholders(cls, launch: str | None) -> str | None:
        if launch is None:
            return None
        try:
            fields = {name for _, name, _, _ in string.Formatter().parse(launch) if name}
        except ValueError as exc:
            raise ValueError(f"bad placeholder syntax: {exc}") from None
        unknown = fields - LAUNCH_PLACEHOLDERS
        if unknown:
            known = ", ".join("{" + p + "}" for p in sorted(LAUNCH_PLACEHOLDERS))
            raise ValueError(f"unknown placeholder {{{sorted(unknown)[0]}}} (known: {known})")
        if "port" not in fields:
            raise ValueError("the command must contain {port}, the port it is to listen on")
        try:
            shlex.split(launch)
        except ValueError as exc:
            raise ValueError(f"cannot split the command into words: {exc}") from None
        return launch


class Check(Strict):
    """One policy condition: a metric, a comparison, a level and the evidence it needs."""

    metric: Metric
    op: Literal[">=", ">", "<=", "<", "=="]
    threshold: float
    suite: Suite | None = None
    level: Literal["block", "warn"] = "block"
    min_samples: int = Field(1, ge=0)
    confidence: float | None = Field(None, gt=0, lt=1)
    description: str = ""
    requirement: str | None = None

    @property
    def kind(self) -> str:
        """The evidence kind this check reads."""
        return METRIC_KINDS[self.metric]


class Policy(Strict):
    evidence_max_age_hours: float = Field(24.0, gt=0)
    checks: dict[str, Check] = Field(min_length=1)

    def sha256(self) -> str:
        """Fingerprint of the policy's meaning (not its formatting), recorded in every decision."""
        canonical = json.dumps(self.model_dump(mode="json"), sort_keys=True)
        return hashlib.sha256(canonical.encode()).hexdigest()


class Stage(Strict):
    """A pipeline stage: which suites run and which policy checks decide."""

    description: str = ""
    suites: list[Suite] = Field(min_length=1)
    checks: list[str] = Field(min_length=1)


class Config(Strict):
    default_stage: str = "staging"
    suites_dir: str = "suites"
    conversations_dir: str = "conversations"
    target: TargetConfig
    stages: dict[str, Stage] = Field(min_length=1)
    policy: Policy
    _root: Path = PrivateAttr(default=Path())

    @model_validator(mode="after")
    def _references(self) -> Config:
        if self.default_stage not in self.stages:
            raise ValueError(
                f"default_stage: no stage '{self.default_stage}' (stages: {', '.join(self.stages)})"
            )
        for name, stage in self.stages.items():
            for i, check in enumerate(stage.checks):
                if check not in self.policy.checks:
                    raise ValueError(
                        f"stages.{name}.checks[{i}]: no check '{check}' in policy.checks "
                        f"(defined: {', '.join(self.policy.checks)})"
                    )
        return self

    @property
    def root(self) -> Path:
        """The folder of the config file; relative paths in it are relative to this."""
        return self._root

    def stage(self, name: str | None) -> tuple[str, Stage]:
        """The named stage (or the default), or a ConfigError listing the known ones."""
        name = name or self.default_stage
        if name not in self.stages:
            raise ConfigError(f"unknown stage '{name}' (stages: {', '.join(self.stages)})")
        return name, self.stages[name]

    def path(self, relative: str) -> Path:
        return (self._root / relative).resolve()


def load_config(path: Path | str = DEFAULT_CONFIG) -> Config:
    """Read and validate a config file; every problem becomes one ConfigError line."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: no such config file (pass --config FILE or create {DEFAULT_CONFIG})"
        ) from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(one_line(str(path), Config, exc)) from None
    config._root = path.resolve().parent
    return config
