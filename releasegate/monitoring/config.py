"""``[monitoring]``: which counters the target's traffic must move, which dashboards and rule
files refer to its metrics, which Prometheus to read SLIs from, and the SLI queries.

taxbot's names are the defaults; another bot lists its own. A ``[monitoring.counters]`` table
replaces the defaults as a whole, so an event it leaves out is not checked (and the test says
so), never checked against a taxbot name the bot does not have.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, field_validator

from releasegate.chat.contract import ENV_REFERENCE, check_env_references
from releasegate.model import Strict
from releasegate.urls import check_base_url

METRIC_NAME = r"^[a-zA-Z_:][a-zA-Z0-9_:]*$"
LABEL_NAME = r"^[a-zA-Z_][a-zA-Z0-9_]*$"
PLACEHOLDERS = ("$window", "$job")
Event = Literal["chats", "disclaimers", "handoffs", "leads", "feedback"]


class CounterSpec(Strict):
    """A counter as exposed on /metrics (with its ``_total``), and the label that carries the
    intent (chats, disclaimers) or the rating (feedback), if it has one."""

    metric: Annotated[str, Field(pattern=METRIC_NAME)]
    label: Annotated[str, Field(pattern=LABEL_NAME)] | None = None


class Counters(Strict):
    chats: CounterSpec | None = None  # chat turns answered, by intent
    disclaimers: CounterSpec | None = None  # replies carrying an approved disclaimer, by intent
    handoffs: CounterSpec | None = None  # conversations handed to a human
    leads: CounterSpec | None = None  # leads reaching lead_outcome
    feedback: CounterSpec | None = None  # ratings received, by rating

    def configured(self) -> dict[Event, CounterSpec]:
        return {
            event: spec
            for event in ("chats", "disclaimers", "handoffs", "leads", "feedback")
            if (spec := getattr(self, event)) is not None
        }


TAXBOT_COUNTERS = Counters(
    chats=CounterSpec(metric="taxbot_chat_requests_total", label="intent"),
    disclaimers=CounterSpec(metric="taxbot_disclaimers_shown_total", label="intent"),
    handoffs=CounterSpec(metric="taxbot_handoffs_total"),
    leads=CounterSpec(metric="taxbot_leads_qualified_total"),
    feedback=CounterSpec(metric="taxbot_feedback_total", label="rating"),
)

# What the monitoring suite says to the bot: every event above must be caused at least once.
TAXBOT_CONVERSATIONS = [
    ["When is my property tax due?", "And what is the tax rate here?"],
    ["My assessment went up 28%. Can I appeal?", "I'm Dana, dana@example.com, please call me"],
    ["I want to talk to a human, please"],
    ["Hello!"],
]


def _placeholders(query: str) -> str:
    for found in re.findall(r"\$\{?\w+\}?", query):
        if found not in PLACEHOLDERS:
            raise ValueError(
                f"unknown placeholder {found} (known: {', '.join(PLACEHOLDERS)}: the run's "
                "duration as a PromQL range, and the target's scrape job)"
            )
    return query


PromQL = Annotated[str, Field(min_length=1), AfterValidator(_placeholders)]


class Sli(Strict):
    """One SLI: a PromQL query evaluated once at the end of the run over the run's window."""

    query: PromQL
    # What the value rests on (e.g. requests in the window); default: the target's scrapes.
    samples: PromQL | None = None
    description: str = ""


def _prometheus(value: str | None) -> str | None:
    if value is None or value == "launch":
        return value
    try:
        return check_base_url(value)
    except ValueError as exc:
        raise ValueError(f'"launch" or the URL of a Prometheus server: {exc}') from None


def _prometheus_or_reference(value: str | None) -> str | None:
    """A stage may name its Prometheus through the environment (``${PROMETHEUS_URL}``)."""
    if value is not None and ENV_REFERENCE.search(value):
        check_env_references({"prometheus": value})
        return value
    return _prometheus(value)


class StageMonitoring(Strict):
    """``[stages.NAME.monitoring]``: a stage that reads SLIs from another Prometheus than the
    others, e.g. production's own server instead of one launched for the run."""

    prometheus: Annotated[str | None, AfterValidator(_prometheus_or_reference)] = None
    job: str | None = Field(None, min_length=1)
    # SLIs are evaluated over at least this many seconds before the end of the run: a short
    # post-deploy smoke run spans too few scrapes of a server scraping every 15 s
    lookback_s: float | None = Field(None, gt=0, le=86_400)


class Monitoring(Strict):
    prometheus: Annotated[str | None, AfterValidator(_prometheus)] = None
    required: bool = True  # False: Prometheus failing makes the SLI checks NO_DATA, not exit 2
    executable: str = "prometheus"  # for "launch": a path or a command on PATH
    job: str = Field("releasegate", min_length=1)  # the target's scrape job ($job)
    scrape_interval_s: float = Field(1.0, ge=0.1, le=60)
    startup_timeout_s: float = Field(20.0, gt=0, le=300)
    dashboards: list[str] = []  # Grafana dashboard JSON files, relative to the config
    rules: list[str] = []  # Prometheus rule files (YAML), checked with promtool
    counters: Counters = TAXBOT_COUNTERS
    conversations: list[Annotated[list[str], Field(min_length=1)]] = Field(
        default_factory=lambda: [list(c) for c in TAXBOT_CONVERSATIONS], min_length=1
    )
    lead_outcome: str = "qualified"  # the value at target.chat.outcome that counts as a lead
    feedback_rating: int = Field(2, ge=1)  # the rating the suite posts (a rare one is clearest)
    slis: dict[str, Sli] = {}
    lookback_s: float = Field(0.0, ge=0, le=86_400)  # see StageMonitoring

    @field_validator("slis")
    @classmethod
    def _names(cls, slis: dict[str, Sli]) -> dict[str, Sli]:
        for name in slis:
            if not re.fullmatch(r"[A-Za-z0-9_.-]+", name):
                raise ValueError(f"SLI name {name!r}: letters, digits, '_', '.', '-' only")
        return slis
