"""The security kind: findings counted by rule and severity over the probes of those rules,
never over nothing, and never with a secret in them."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from releasegate import redaction
from releasegate.evidence.kinds.security import Finding, ProbeRecord, SecurityData
from releasegate.evidence.registry import Measurement, NoData, Scope, Sourced, metrics
from releasegate.security.headers import Issue
from releasegate.security.probes import Probes, SecurityFinding


def measure(data: SecurityData, **select: str) -> Measurement | NoData:
    scope = Scope(select=select, stage_suites=("security",))
    return metrics()["security.findings"].measure(scope, [Sourced("security.json", data)])


DATA = SecurityData(
    probes=[
        ProbeRecord(rule="csp", request="GET /", findings=[
            Finding(rule="csp", severity="high", message="no Content-Security-Policy")]),
        ProbeRecord(rule="xss", request="typed: <img src=x onerror=1>"),
        ProbeRecord(rule="rate_limit", request="30 x POST /api/chat", findings=[
            Finding(rule="rate_limit", severity="low", message="no rate limit seen")]),
    ]
)  # fmt: skip


def test_findings_of_one_severity_over_every_probe():
    high = measure(DATA, severity="high")
    assert isinstance(high, Measurement)
    assert (high.value, high.samples) == (1, 3)
    assert high.summary == "1 finding(s) (severity high) in 3 probe(s) of 3 rule(s)"
    assert high.details == ["[csp] high: no Content-Security-Policy (request: GET /)"]
    medium = measure(DATA, severity="medium")
    assert isinstance(medium, Measurement)
    assert (medium.value, medium.details) == (0, [])


def test_a_rule_narrows_the_probes_and_names_the_payload():
    xss = measure(DATA, rule="xss")
    assert isinstance(xss, Measurement)
    assert (xss.value, xss.samples) == (0, 1)
    low = measure(DATA, rule="rate_limit", severity="low")
    assert isinstance(low, Measurement)
    assert low.details == ["[rate_limit] low: no rate limit seen (request: 30 x POST /api/chat)"]


def test_no_probe_is_no_data_not_zero_findings():
    assert measure(SecurityData(probes=[])) == NoData(
        "no security probe ran: zero findings over nothing"
    )
    assert measure(DATA, rule="hsts") == NoData(
        "no security probe (rule hsts) ran: zero findings over nothing"
    )


def test_a_severity_outside_the_scale_is_refused():
    with pytest.raises(ValidationError):
        Finding.model_validate({"rule": "csp", "severity": "critical", "message": "m"})


def test_secrets_and_long_bodies_never_reach_evidence(monkeypatch):
    monkeypatch.setattr(redaction, "_secrets", {"s3cr3t-token"})
    finding = Finding(rule="error_leak", severity="high", message="m",
                      evidence="Authorization: Bearer s3cr3t-token " + "x" * 1000)  # fmt: skip
    assert "s3cr3t-token" not in finding.evidence
    assert len(finding.evidence) <= 300
    probe = ProbeRecord(rule="xss", request="GET /?key=s3cr3t-token")
    assert probe.request == "GET /?key=***"


def test_probes_fail_on_high_and_warn_on_lower_findings():
    recorded = []
    probes = Probes(lambda kind, record: recorded.append((kind, record)), "t::test")
    probes.add("rate_limit", "burst", [Issue("rate_limit", "low", "no limit")])
    with pytest.warns(SecurityFinding, match=r"\[rate_limit\] low: no limit"):
        probes.check()
    probes.add("csp", "GET /", [Issue("csp", "high", "no policy", "headers: ...")])
    probes.add("xss", "typed <b>", [Issue("xss", "high", "became 1 element")])
    with pytest.raises(AssertionError) as failed, pytest.warns(SecurityFinding):
        probes.check()
    first = str(failed.value).splitlines()[0]
    assert first == "[csp] high: no policy (request: GET /) (and 1 more)"
    assert [kind for kind, _ in recorded] == ["security"] * 3
