"""Monitoring: is the deployment observable, and does its monitoring tell the truth?

Health, readiness and version; ``/metrics`` parsed with prometheus-client's parser; counters
that move by what this suite's own traffic causes (monitoring that exists but does not count
fails, naming the metric, the expected and the observed change); dashboards and alert rules
that are valid and refer only to metrics the target exposes. The SLIs come from a real
Prometheus during ``releasegate run`` (``releasegate.monitoring.watch``), not from here.

Counters under concurrent traffic: other tests of the same run (pytest-xdist workers, other
suites against one ``--base-url``) may chat at the same time, and counters only ever go up. So
each counter must have moved by *at least* what this suite caused. When the window was quiet
(the chats counter moved by exactly this suite's answered turns, summed over every label), no
one else was counting, and every counter must have moved by *exactly* that: a counter that
counts twice fails too. The evidence says which comparison each counter got.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from releasegate.chat.detectors import find_disclaimer
from releasegate.chat.engine import ChatFailure, excerpt
from releasegate.chat.jsonpath import MISSING, lookup
from releasegate.chat.policy import DisclaimerEntry
from releasegate.chat.transport import ChatTarget
from releasegate.config import Config
from releasegate.evidence.kinds.monitoring import (
    CounterRecord,
    FileRecord,
    MonitoringRecord,
    ReferenceRecord,
    counter_ok,
)
from releasegate.http import TargetSession
from releasegate.monitoring import files as monitoring_files
from releasegate.monitoring.config import CounterSpec, Event
from releasegate.monitoring.promql import SYNTHETIC

pytestmark = pytest.mark.monitoring

Record = Callable[[str, MonitoringRecord], None]
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(http: TargetSession, config: Config) -> tuple[Samples, list[tuple[str, list[str]]]]:
    """Every sample of ``/metrics``, parsed by prometheus-client (a malformed exposition fails
    here, with the parser's reason)."""
    response = http.get(config.target.metrics_path)
    assert response.status_code == 200, (
        f"{config.target.metrics_path} answered {response.status_code}: {excerpt(response.text)}"
    )
    samples: Samples = {}
    families: list[tuple[str, list[str]]] = []
    try:
        for family in text_string_to_metric_families(response.text):
            families.append((family.name, [s.name for s in family.samples]))
            for s in family.samples:
                samples[(s.name, frozenset(s.labels.items()))] = s.value
    except ValueError as exc:
        pytest.fail(f"{config.target.metrics_path} is not Prometheus text: {exc}", pytrace=False)
    return samples, families


def total(samples: Samples, metric: str, labels: dict[str, str]) -> float | None:
    """The sum of the metric's series that carry these labels; None when there is none."""
    values = [v for (name, ls), v in samples.items() if name == metric and labels.items() <= ls]
    return sum(values) if values else None


@dataclass
class Traffic:
    """What this suite caused, read from the bot's own replies, and the scrapes around it."""

    before: Samples
    after: Samples = field(default_factory=dict)
    turns: Counter[str | None] = field(default_factory=Counter)  # answered turns by intent
    disclaimers: Counter[str | None] = field(default_factory=Counter)
    handoffs: int = 0
    leads: int = 0
    ratings: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)  # turns or posts that were not answered

    def expected(self, event: Event) -> Counter[str | None]:
        by_event: dict[Event, Counter[str | None]] = {
            "chats": self.turns,
            "disclaimers": self.disclaimers,
            "handoffs": Counter({None: self.handoffs}),
            "leads": Counter({None: self.leads}),
            "feedback": Counter(dict(self.ratings)),
        }
        return Counter({k: v for k, v in by_event[event].items() if v})


def _post_feedback(
    http: TargetSession, config: Config, conversation_id: str, traffic: Traffic
) -> None:
    feedback = config.target.feedback
    rating = config.monitoring.feedback_rating
    body = {feedback.session_field: conversation_id, feedback.rating_field: rating}
    try:
        response = http.post(feedback.path, json=body)
    except requests.RequestException as exc:
        traffic.failures.append(f"feedback {rating}: no answer ({exc})")
        return
    if response.ok:
        traffic.ratings[str(rating)] += 1
    else:
        traffic.failures.append(
            f"feedback {rating}: {response.status_code} {excerpt(response.text)}"
        )


@pytest.fixture(scope="module")
def traffic(
    http: TargetSession,
    chat_target: ChatTarget,
    releasegate_config: Config,
    disclaimers: list[DisclaimerEntry],
) -> Traffic:
    """Scrape, play ``[monitoring] conversations`` and rate one answer, scrape again."""
    config = releasegate_config
    monitoring = config.monitoring
    texts = [d.text for d in disclaimers]
    traffic = Traffic(before=scrape(http, config)[0])
    rated = False
    for messages in monitoring.conversations:
        conversation = chat_target.conversation()
        outcome: str | None = None
        for message in messages:
            try:
                turn = conversation.send(message)
            except ChatFailure as exc:
                traffic.failures.append(f"{message!r}: {exc}")
                break  # the rest of this conversation would not mean what it says
            traffic.turns[turn.intent] += 1
            if find_disclaimer(turn.reply, texts) is not None:
                traffic.disclaimers[turn.intent] += 1
            traffic.handoffs += bool(turn.handoff)
            if turn.outcome == monitoring.lead_outcome and outcome != monitoring.lead_outcome:
                traffic.leads += 1
            outcome = turn.outcome
            if not rated and turn.conversation_id and config.target.has("feedback"):
                _post_feedback(http, config, turn.conversation_id, traffic)
                rated = True
    traffic.after = scrape(http, config)[0]
    return traffic


def _quiet(traffic: Traffic, spec: CounterSpec | None) -> bool:
    """No one else chatted during the window: the chats counter, summed over all its series,
    moved by exactly the turns this suite had answered."""
    if spec is None:
        return False
    before = total(traffic.before, spec.metric, {}) or 0.0
    after = total(traffic.after, spec.metric, {})
    return after is not None and after - before == sum(traffic.turns.values())


@pytest.mark.capability("health")
def test_health_reports_ok(http: TargetSession, releasegate_config: Config) -> None:
    target = releasegate_config.target
    response = http.get(target.health_path)
    assert response.ok, f"{target.health_path} answered {response.status_code}"
    if target.health_status:
        status = lookup(response.json(), target.health_status)
        assert status in target.health_ok, f"health status {status!r} at {target.health_status}"


@pytest.mark.capability("readiness")
def test_readiness_tells_the_truth(
    http: TargetSession, chat_target: ChatTarget, releasegate_config: Config
) -> None:
    """Ready means able to serve: right after the probe says ready, a chat turn (which needs
    the bot's storage and everything else it depends on) must be answered."""
    path = releasegate_config.target.ready_path
    response = http.get(path)
    assert response.ok, f"{path} says not ready: {response.status_code} {excerpt(response.text)}"
    try:
        chat_target.conversation().send(releasegate_config.target.chat.smoke_message)
    except ChatFailure as exc:
        pytest.fail(
            f"{path} answered {response.status_code} ({excerpt(response.text)}) but the bot "
            f"cannot serve: {exc}. A readiness probe must check what serving needs (its "
            "database), or the load balancer sends users to a broken instance",
            pytrace=False,
        )


@pytest.mark.capability("version")
def test_version_is_reported(http: TargetSession, releasegate_config: Config) -> None:
    target = releasegate_config.target
    response = http.get(target.version_path)
    assert response.ok, f"{target.version_path} answered {response.status_code}"
    version = lookup(response.json(), target.version)
    assert version is not MISSING, f"no version at {target.version}"
    assert str(version).strip(), f"an empty version at {target.version}"


@pytest.mark.capability("metrics")
def test_metrics_parse_as_prometheus_text(http: TargetSession, releasegate_config: Config) -> None:
    _, families = scrape(http, releasegate_config)
    assert families, f"{releasegate_config.target.metrics_path} exposes no metric family"
    empty = [name for name, samples in families if not samples]
    assert not empty, f"metric families without samples: {', '.join(empty)}"


EVENTS: tuple[Event, ...] = ("chats", "disclaimers", "handoffs", "leads", "feedback")
WHAT = {
    "chats": "no chat turn was answered",
    "disclaimers": "no reply carried an approved disclaimer",
    "handoffs": "no reply had handoff true (target.chat.handoff)",
    "leads": "no conversation reached monitoring.lead_outcome at target.chat.outcome",
    "feedback": "no rating was accepted (needs the feedback capability)",
}


@pytest.mark.capability("metrics")
@pytest.mark.parametrize("event", EVENTS)
def test_counter_moves_with_the_traffic(
    event: Event,
    request: pytest.FixtureRequest,
    releasegate_config: Config,
    releasegate_record: Record,
) -> None:
    counters = releasegate_config.monitoring.counters.configured()
    spec = counters.get(event)
    if spec is None:
        pytest.skip(f"not applicable: [monitoring.counters] lists no counter for {event}")
    traffic: Traffic = request.getfixturevalue("traffic")
    expected = traffic.expected(event)
    if not expected:
        failed = f"; not answered: {'; '.join(traffic.failures)}" if traffic.failures else ""
        pytest.fail(
            f"cannot prove that {spec.metric} counts {event}: the suite's traffic caused none "
            f"({WHAT[event]}; monitoring.conversations may need a turn that does){failed}",
            pytrace=False,
        )
    exact = _quiet(traffic, counters.get("chats"))
    wrong: list[str] = []
    by_label = spec.label is not None and None not in expected
    groups: dict[str | None, int] = dict(expected) if by_label else {None: sum(expected.values())}
    for value, count in groups.items():
        labels: dict[str, str] = {spec.label: value} if spec.label and value is not None else {}
        after = total(traffic.after, spec.metric, labels)
        before = total(traffic.before, spec.metric, labels) or 0.0
        observed = None if after is None else after - before
        record = CounterRecord(
            event=event, metric=spec.metric, labels=labels, expected=count, observed=observed,
            exact=exact, ok=counter_ok(count, observed, exact),
        )  # fmt: skip
        releasegate_record("monitoring", MonitoringRecord(counter=record))
        if not record.ok:
            wrong.append(record.describe())
    assert not wrong, "monitoring does not count what happened: " + "; ".join(wrong)


def _file(config: Config, monitoring_file: tuple[str, str] | None) -> tuple[str, str, Path]:
    if monitoring_file is None:
        pytest.skip("not applicable: [monitoring] lists no dashboards or rules")
    kind, name = monitoring_file
    return kind, name, config.path(name)


def test_monitoring_file_is_valid(
    monitoring_file: tuple[str, str] | None,
    releasegate_config: Config,
    releasegate_record: Record,
) -> None:
    """A dashboard is valid JSON with PromQL panels; a rule file passes promtool."""
    kind, name, path = _file(releasegate_config, monitoring_file)
    if kind == "dashboard":
        problem = monitoring_files.parse_dashboard(path, name).problem
    else:
        executable = monitoring_files.promtool()
        if executable is None:
            pytest.fail("promtool not found: install Debian's prometheus (scripts/setup.sh)")
        problem = monitoring_files.check_rules(path, executable)
    record = FileRecord(file=name, what=kind, valid=problem is None, problem=problem)
    releasegate_record("monitoring", MonitoringRecord(file=record))
    assert problem is None, f"{name}: {problem}"


@pytest.fixture(scope="module")
def recorded_series(releasegate_config: Config) -> set[str]:
    """Series the configured rule files record: they exist in Prometheus, not on /metrics."""
    defined: set[str] = set()
    for name in releasegate_config.monitoring.rules:
        defined |= monitoring_files.parse_rules(releasegate_config.path(name), name).defines
    return defined


@pytest.mark.capability("metrics")
def test_monitoring_file_refers_to_exposed_metrics(
    monitoring_file: tuple[str, str] | None,
    http: TargetSession,
    releasegate_config: Config,
    recorded_series: set[str],
    releasegate_record: Record,
) -> None:
    """Every metric a panel or rule reads is on the target's /metrics, or the panel is blank
    and the alert can never fire."""
    kind, name, path = _file(releasegate_config, monitoring_file)
    if kind == "dashboard":
        parsed = monitoring_files.parse_dashboard(path, name)
    else:
        parsed = monitoring_files.parse_rules(path, name)
    if parsed.problem:
        pytest.fail(f"{name}: {parsed.problem}", pytrace=False)
    _, families = scrape(http, releasegate_config)
    exposed = {n for family, samples in families for n in (family, *samples)}
    known = exposed | recorded_series | SYNTHETIC
    pairs = monitoring_files.references(parsed.expressions)
    assert pairs, f"{name}: no expression refers to any metric"
    missing = []
    for expression, metric in pairs:
        record = ReferenceRecord(
            file=name, where=expression.where, metric=metric, exposed=metric in known
        )
        releasegate_record("monitoring", MonitoringRecord(reference=record))
        if not record.exposed:
            missing.append(f"{expression.where}: {metric}")
    assert not missing, (
        f"{name} refers to metrics the target does not expose (blank panels, alerts that "
        f"never fire): {'; '.join(missing)}"
    )
