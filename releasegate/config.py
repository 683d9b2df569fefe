"""The releasegate.toml model: target, stages and policy, validated with messages that say
which file, which key and what was expected."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shlex
import string
import tomllib
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal, get_args

from pydantic import (
    AfterValidator,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from releasegate.a11y.settings import A11ySettings
from releasegate.chat.contract import (
    ChatContract,
    JsonPath,
    UrlPath,
    check_env_references,
    expand_env,
    resolve_headers,
    unset_variable,
)
from releasegate.chat.page import PageSelectors
from releasegate.chat.policy import POLICY_FILE, load_policy
from releasegate.errors import ConfigError
from releasegate.evidence import registry
from releasegate.evidence.registry import Metric
from releasegate.layout import DEFAULT_CONFIG, Suite, builtin_suites
from releasegate.load.settings import LoadSettings, LoadShapeFields
from releasegate.model import Strict
from releasegate.monitoring.config import Monitoring, StageMonitoring
from releasegate.redaction import add_pattern
from releasegate.urls import check_base_url
from releasegate.validation import Regex, one_line, repeated, unknown_name

if TYPE_CHECKING:
    from releasegate.chat.detectors import DetectorPolicy

LAUNCH_PLACEHOLDERS = {"python", "port", "host", "tmpdir"}


def _metric_name(name: str) -> str:
    if name and not re.fullmatch(r"[a-zA-Z_:][a-zA-Z0-9_:]*", name):
        raise ValueError(f"not a Prometheus metric name: {name!r}")
    return name


def _unique(items: list[str]) -> list[str]:
    if twice := repeated(items):
        raise ValueError(f"listed more than once: {', '.join(twice)}")
    return items


def check_launch(launch: str) -> str:
    """A launch command: known placeholders, ``{port}`` present, splittable into words."""
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


class FeedbackContract(Strict):
    """Where ratings go; smoke posts one rating to prove the feedback loop works."""

    path: UrlPath = "/api/feedback"
    session_field: str = "session_id"
    rating_field: str = "rating"
    rating: int = Field(5, ge=1)
    # The Prometheus counter that counts ratings, by the rating in ``counter_label``: the e2e
    # journeys check that a rating moves it by exactly one (stored and counted, not just 201).
    # ``""``: the target counts ratings nowhere, and those journeys are not applicable.
    counter: Annotated[str, AfterValidator(_metric_name)] = "taxbot_feedback_total"
    counter_label: str = Field("rating", min_length=1)


def _reference_path(path: str) -> str:
    if not path.startswith("/") or path.count("{reference}") != 1:
        raise ValueError(f"must start with '/' and contain {{reference}} once (got {path!r})")
    return path


def _one_group(pattern: str) -> str:
    if re.compile(pattern).groups != 1:
        raise ValueError(f"needs exactly one (group) around the reference (got {pattern!r})")
    return pattern


class LeadsContract(Strict):
    """How a lead shows (the ``leads`` capability): the user messages that qualify one, the
    reference in the bot's last reply, and where that reference is looked up."""

    messages: list[Annotated[str, Field(min_length=1)]] = Field(
        ["My assessment went up 28%. Can I appeal?", "I'm Dana, dana@example.com, please call me"],
        min_length=1,
    )
    reference: Annotated[Regex, AfterValidator(_one_group)] = r"reference ([A-Z]{2}-\d{6})"
    path: Annotated[str, AfterValidator(_reference_path)] = "/api/leads/{reference}"


Capability = Literal["health", "readiness", "version", "metrics", "page", "feedback", "leads"]
CAPABILITIES: tuple[Capability, ...] = get_args(Capability)


class TargetConfig(Strict):
    """The deployment under test: launched from a command on a free port, or reached at a URL.
    ``capabilities`` says which endpoints besides chat it has; tests of the others are recorded
    as not applicable."""

    name: str
    launch: str | None = None
    base_url: str | None = None
    env: dict[str, str] = {}
    startup_timeout_s: float = Field(30.0, gt=0, le=3600)
    capabilities: Annotated[list[Capability], AfterValidator(_unique)] = list(CAPABILITIES)
    health_path: UrlPath = "/healthz"
    health_status: JsonPath | None = None
    health_ok: list[str] = Field(["ok", "pass", "healthy", "up"], min_length=1)
    ready_path: UrlPath = "/readyz"
    version_path: UrlPath = "/version"
    version: JsonPath = "$.version"
    metrics_path: UrlPath = "/metrics"
    page_path: UrlPath = "/"
    openapi_path: UrlPath | None = None  # an OpenAPI document the security suite fuzzes by
    headers: dict[str, str] = {}
    redact: list[Regex] = []
    chat: ChatContract = Field(default_factory=lambda: ChatContract.model_validate({}))
    feedback: FeedbackContract = FeedbackContract()
    page: PageSelectors = PageSelectors()
    leads: LeadsContract = LeadsContract()

    @model_validator(mode="before")
    @classmethod
    def _moved_keys(cls, data: object) -> object:
        if isinstance(data, dict) and "version_field" in data:
            raise ValueError(
                "'version_field' is replaced by 'version', a JSONPath: write "
                f'version = "$.{data["version_field"]}"'
            )
        return data

    @field_validator("headers")
    @classmethod
    def _headers(cls, headers: dict[str, str]) -> dict[str, str]:
        return check_env_references(headers)

    def has(self, capability: Capability) -> bool:
        return capability in self.capabilities

    @field_validator("launch")
    @classmethod
    def _launch_placeholders(cls, launch: str | None) -> str | None:
        return None if launch is None else check_launch(launch)

    @field_validator("base_url")
    @classmethod
    def _base_url(cls, url: str | None) -> str | None:
        return None if url is None else check_base_url(url)


class Regression(Strict):
    """A limit relative to the baseline (the last PROMOTE): the check fails when the value is
    worse than the baseline's by more than ``relative`` of it and by more than ``floor`` (in
    the metric's unit), so noise on small values does not block."""

    relative: float = Field(gt=0, le=10)  # 0.2: up to 20 % worse than the baseline
    floor: float = Field(0.0, ge=0)  # and at least this much worse, in the metric's unit


class Check(Strict):
    """One policy condition: a metric, a comparison, a level and the evidence it needs."""

    metric: str
    op: Literal[">=", ">", "<=", "<", "=="]
    threshold: float
    select: dict[str, str] = {}
    level: Literal["block", "warn"] = "block"
    min_samples: int = Field(1, ge=0)
    confidence: float | None = Field(None, gt=0, lt=1)
    description: str = ""
    requirement: str | None = None
    regression: Regression | None = None

    @model_validator(mode="before")
    @classmethod
    def _moved_keys(cls, data: object) -> object:
        if isinstance(data, dict) and "suite" in data:
            raise ValueError(
                f"'suite' is now a selector: write select = {{suite = {json.dumps(data['suite'])}}}"
            )
        return data

    @field_validator("metric")
    @classmethod
    def _known_metric(cls, name: str) -> str:
        if name not in registry.metrics():
            raise ValueError(unknown_name("metric", name, list(registry.metrics())))
        return name

    @property
    def info(self) -> Metric:
        """The metric's declaration: its kind, unit, measure and selectors."""
        return registry.metrics()[self.metric]

    @property
    def kind(self) -> str:
        """The evidence kind this check reads."""
        return self.info.kind

    @property
    def is_rate(self) -> bool:
        return self.info.unit == "ratio"

    @model_validator(mode="after")
    def _valid(self) -> Check:
        if self.is_rate and not 0 <= self.threshold <= 1:
            raise ValueError(
                f"threshold {self.threshold:g} for the rate {self.metric}: rates are fractions "
                "between 0 and 1 (0.9 means 90 %)"
            )
        if self.regression is not None and self.op == "==":
            raise ValueError("regression: needs a direction; use <, <=, > or >= with it, not ==")
        for key, value in self.select.items():
            selector = self.info.selector(key)
            if selector is None:
                known = [s.name for s in self.info.selectors]
                raise ValueError(
                    f"select: {unknown_name('selector', key, known)} for {self.metric}"
                )
            if selector.values is not None and value not in selector.values:
                raise ValueError(f"select.{key}: {unknown_name(key, value, list(selector.values))}")
            if not value.strip():
                raise ValueError(f"select.{key}: must not be empty")
        return self


class Waiver(Strict):
    """A known failure accepted for a while: who accepted it, why, until when. It turns a FAIL
    of its check into a waived pass; it never covers NO_DATA, and it lapses on its date."""

    check: str
    reason: str = Field(min_length=3)
    owner: str = Field(min_length=1)
    expires: Annotated[date, Field(strict=False)]  # a TOML date: 2026-12-31

    def active(self, today: date) -> bool:
        return today <= self.expires


class Policy(Strict):
    evidence_max_age_hours: float = Field(24.0, gt=0, le=24 * 366)
    checks: dict[str, Check] = Field(min_length=1)
    waivers: list[Waiver] = []

    @model_validator(mode="after")
    def _waivers(self) -> Policy:
        for i, waiver in enumerate(self.waivers):
            check = self.checks.get(waiver.check)
            if check is None:
                known = list(self.checks)
                raise ValueError(
                    f"waivers[{i}].check: {unknown_name('check', waiver.check, known)}"
                )
            if not check.info.waivable:
                raise ValueError(
                    f"waivers[{i}]: check '{waiver.check}' reads {check.metric}, a compliance "
                    "blocker: it cannot be waived"
                )
        if twice := repeated([w.check for w in self.waivers]):
            raise ValueError(f"waivers: more than one waiver for {', '.join(twice)}")
        return self

    def waiver(self, check_id: str) -> Waiver | None:
        return next((w for w in self.waivers if w.check == check_id), None)


class Human(Strict):
    """Evidence people produce: survey exports read at each run (paths relative to the
    config)."""

    sus: str | None = None  # a System Usability Scale survey CSV (q1..q10, optional id)
    csat: str | None = None  # feedback ratings exported as CSV (a 'rating' column, 1-5)
    # ... or the target's feedback counter, by rating label, read at the end of the run
    csat_metric: str | None = None  # e.g. "taxbot_feedback_total"
    csat_label: str = "rating"

    @model_validator(mode="after")
    def _one_csat_source(self) -> Human:
        if self.csat and self.csat_metric:
            raise ValueError("csat and csat_metric: give one source of satisfaction ratings")
        return self


class Rollback(Strict):
    """A rollback drill: the candidate writes a lead and a feedback, is stopped, and the
    previous release is started on the same database (the launch commands share ``{tmpdir}``)
    and must still serve both (``releasegate.rollback``)."""

    previous_launch: str  # like target.launch: the previous release, e.g. another image tag
    previous_env: dict[str, str] = {}  # added to target.env for the previous release
    lead_messages: list[str] = Field(
        ["My assessment went up 28%. Can I appeal?", "I'm Dana, dana@example.com, please call me"],
        min_length=1,
    )
    lead_reference: Regex = r"reference ([A-Z]{2}-\d{6})"  # in the last reply; group 1
    lead_path: str = "/api/leads/{reference}"
    feedback_id: JsonPath = "$.feedback_id"  # in the feedback answer
    feedback_path: str = "/api/feedback/{id}"

    @field_validator("previous_launch")
    @classmethod
    def _previous_launch(cls, launch: str) -> str:
        return check_launch(launch)

    @field_validator("lead_path", "feedback_path")
    @classmethod
    def _read_paths(cls, path: str) -> str:
        if not path.startswith("/"):
            raise ValueError(f"must start with '/': {path!r}")
        return path

    @model_validator(mode="after")
    def _placeholders(self) -> Rollback:
        if "{reference}" not in self.lead_path:
            raise ValueError("lead_path must contain {reference}")
        if "{id}" not in self.feedback_path:
            raise ValueError("feedback_path must contain {id}")
        if re.compile(self.lead_reference).groups < 1:
            raise ValueError("lead_reference needs a group around the reference: (...)")
        return self


class Stage(Strict):
    """A pipeline stage: which suites run and which policy checks decide."""

    description: str = ""
    suites: Annotated[list[Suite], AfterValidator(_unique)] = []
    checks: Annotated[list[str], AfterValidator(_unique)] = Field(min_length=1)
    rollback: Rollback | None = None  # makes this stage a rollback drill
    workers: int = Field(1, ge=1, le=64)  # pytest-xdist workers for the suites after smoke
    load: bool | LoadShapeFields = False  # true: run [load] after the suites; a table overrides
    monitoring: StageMonitoring | None = None  # another Prometheus (or job) for this stage

    @model_validator(mode="after")
    def _runs_something(self) -> Stage:
        if not self.suites and self.load is False:
            raise ValueError("the stage runs nothing: list suites, or set load = true")
        return self


class HistoryConfig(Strict):
    """Where decisions are kept (``releasegate.history``)."""

    # sqlite:///PATH or a path (relative to the reports folder), or postgresql://...;
    # ${NAME} reads an environment variable (a password belongs there, not in the file).
    url: str | None = None

    @field_validator("url")
    @classmethod
    def _url(cls, url: str | None) -> str | None:
        if url is not None:
            check_env_references({"url": url})
        return url

    def resolved_url(self) -> str | None:
        if self.url is None:
            return None
        return resolve_headers({"url": self.url}, "history")["url"]


class Browser(Strict):
    """Which Chromium the browser suites launch (see ``releasegate.browser``)."""

    executable: str | None = None  # a path or a command on PATH; default: Debian's chromium


class Config(Strict):
    default_stage: str = "staging"
    suites_dir: str | None = None
    conversations_dir: str = "conversations"
    target: TargetConfig
    human: Human = Human()
    browser: Browser = Browser()
    history: HistoryConfig = HistoryConfig()
    monitoring: Monitoring = Monitoring()
    a11y: A11ySettings = A11ySettings()
    load: LoadSettings = LoadSettings()
    stages: dict[str, Stage] = Field(min_length=1)
    policy: Policy
    _root: Path = PrivateAttr(default=Path())
    _source: Path = PrivateAttr(default=Path(DEFAULT_CONFIG))

    @model_validator(mode="after")
    def _references(self) -> Config:
        if self.default_stage not in self.stages:
            raise ValueError(
                f"default_stage: no stage '{self.default_stage}' (stages: {', '.join(self.stages)})"
            )
        for name, stage in self.stages.items():
            if isinstance(stage.load, LoadShapeFields):
                try:
                    self.load.overridden(stage.load)
                except ValidationError as exc:
                    problem = exc.errors()[0]["msg"].removeprefix("Value error, ")
                    raise ValueError(f"stages.{name}.load: {problem}") from None
            for i, check_id in enumerate(stage.checks):
                check = self.policy.checks.get(check_id)
                if check is None:
                    raise ValueError(
                        f"stages.{name}.checks[{i}]: no check '{check_id}' in policy.checks "
                        f"(defined: {', '.join(self.policy.checks)})"
                    )
                missing = sorted(check.info.needs - set(self.target.capabilities))
                if missing:
                    raise ValueError(
                        f"stages.{name}.checks[{i}]: check '{check_id}' reads {check.metric}, "
                        f"which needs the target's {missing[0]} capability, and "
                        f"target.capabilities does not list it"
                    )
                if sli_problem := self._sli_problem(check_id, check, stage):
                    raise ValueError(f"stages.{name}.checks[{i}]: {sli_problem}")
                suite = check.select.get("suite")
                if suite and suite not in stage.suites:
                    raise ValueError(
                        f"stages.{name}.checks[{i}]: check '{check_id}' measures the "
                        f"{suite} suite, which this stage does not run "
                        f"(suites: {', '.join(stage.suites)})"
                    )
        return self

    def _sli_problem(self, check_id: str, check: Check, stage: Stage) -> str | None:
        """A check on an SLI needs the SLI's query and a Prometheus to ask."""
        from releasegate.evidence.kinds.monitoring import reads_sli

        if not reads_sli(check.info):
            return None
        sli = check.select.get("name", "")
        if sli not in self.monitoring.slis:
            known = ", ".join(self.monitoring.slis) or "none"
            return f"check '{check_id}' reads SLI '{sli}', not in monitoring.slis (known: {known})"
        if self.monitoring.prometheus is None and (
            stage.monitoring is None or stage.monitoring.prometheus is None
        ):
            return (
                f"check '{check_id}' reads an SLI, but monitoring.prometheus is not set "
                '("launch", or the URL of your Prometheus)'
            )
        return None

    def policy_sha256(self, stage: str) -> str:
        """Fingerprint of what decides this stage (its suites, checks and the policy), by
        meaning rather than formatting; recorded in every decision."""
        decisive = {"policy": self.policy.model_dump(mode="json"), "stage": stage}
        decisive["stage_definition"] = self.stages[stage].model_dump(mode="json")
        canonical = json.dumps(decisive, sort_keys=True)
        return hashlib.sha256(canonical.encode()).hexdigest()

    def monitoring_for(self, name: str) -> Monitoring:
        """``[monitoring]`` with the stage's overrides, ``${NAME}`` read from the environment;
        a ConfigError names the key and the variable that is not set."""
        overrides = self.stages[name].monitoring
        if overrides is None:
            return self.monitoring
        fields = overrides.model_dump(exclude_none=True)
        for key, value in fields.items():
            if not isinstance(value, str):
                continue
            if variable := unset_variable(value, os.environ):
                raise ConfigError(
                    f"{self.source}: stages.{name}.monitoring.{key} reads the environment "
                    f"variable {variable}, which is not set"
                )
            fields[key] = expand_env(value, os.environ)
        try:
            return Monitoring.model_validate({**self.monitoring.model_dump(), **fields})
        except ValidationError as exc:
            problem = "; ".join(e["msg"].removeprefix("Value error, ") for e in exc.errors())
            raise ConfigError(f"{self.source}: stages.{name}.monitoring: {problem}") from None

    def load_settings(self, stage: Stage) -> LoadSettings | None:
        """The load this stage runs ([load] with the stage's overrides), or None."""
        if stage.load is False:
            return None
        if stage.load is True:
            return self.load
        return self.load.overridden(stage.load)  # validated with the config (_references)

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

    @property
    def source(self) -> Path:
        """The file this config was read from, for messages."""
        return self._source

    def conversation_policy(self) -> DetectorPolicy:
        """``conversations/policy.yaml`` (the folder is ``conversations_dir``), validated."""
        folder = self.path(self.conversations_dir)
        if not (folder / POLICY_FILE).is_file():
            raise ConfigError(
                f"{self._source}: conversations_dir: no {POLICY_FILE} in {folder} (write one "
                "with 'releasegate init', or set conversations_dir to the folder that has it)"
            )
        return load_policy(folder / POLICY_FILE)

    def suite_paths(self) -> list[Path]:
        """The built-in suites, then the project's own: ``suites_dir``, or a ``suites/`` folder
        beside the config when there is one."""
        paths = [builtin_suites().resolve()]
        own = self.path(self.suites_dir or "suites")
        if self.suites_dir and not own.is_dir():
            raise ConfigError(f"{self._source}: suites_dir: no such folder {own}")
        if own.is_dir() and own not in paths:
            paths.append(own)
        return paths


def load_config(path: Path | str = DEFAULT_CONFIG) -> Config:
    """Read and validate a config file; every problem becomes one ConfigError line."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such config file") from None
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
    config._source = path
    for pattern in config.target.redact:
        add_pattern(pattern)
    return config
