"""``kind: security``: what the security suite probed, and what it found.

Each record is one **probe**: one rule tried on one request (the page's headers, a payload in
the chat log, a malformed body, an injection prompt, a fuzzed API call), with the findings it
produced. Findings carry a rule, a severity, the request (method, path and the payload, never
a header value) and an excerpt of the evidence, passed through :mod:`releasegate.redaction`
when recorded, so no secret the run knows of is ever written.

``security.findings`` counts findings (narrowed by ``rule`` and ``severity``) over the probes
of those rules: zero findings over no probe is NO_DATA, not a clean bill of health.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from pydantic import Field, field_validator

from releasegate.evidence.registry import (
    Kind,
    KindData,
    Measurement,
    Metric,
    NoData,
    Records,
    Scope,
    Selector,
    Sourced,
    register,
)
from releasegate.model import Strict
from releasegate.redaction import redact

Severity = Literal["high", "medium", "low", "info"]
SEVERITIES: tuple[Severity, ...] = ("high", "medium", "low", "info")
EXCERPT = 300
MAX_DETAILS = 8


def _clip(text: str, limit: int = EXCERPT) -> str:
    """One line, redacted, shortened in the middle so both ends stay readable."""
    text = redact(" ".join(text.split()))
    if len(text) <= limit:
        return text
    half = (limit - len(" [...] ")) // 2
    return f"{text[:half]} [...] {text[-half:]}"


class Finding(Strict):
    rule: str = Field(min_length=1)
    severity: Severity
    message: str = Field(min_length=1)  # what is wrong, in words
    evidence: str = ""  # the response (header, body, page text) around the finding

    @field_validator("message", "evidence")
    @classmethod
    def _redacted(cls, text: str) -> str:
        return _clip(text)


class ProbeRecord(Strict):
    """One rule tried on one request, and what it found (nothing: the probe passed)."""

    rule: str = Field(min_length=1)
    request: str = Field(min_length=1)  # "POST /api/chat message='<img src=x ...>'"
    test: str = ""  # the test that probed, for a reviewer to rerun
    findings: list[Finding] = []

    @field_validator("request")
    @classmethod
    def _redacted(cls, text: str) -> str:
        return _clip(text)


class SecurityData(KindData):
    KIND = "security"

    probes: list[ProbeRecord]


def build(records: list[ProbeRecord]) -> SecurityData:
    return SecurityData(probes=records)


def _where(scope: Scope) -> str:
    shown = [f"{key} {scope.select[key]}" for key in ("rule", "severity") if key in scope.select]
    return f" ({', '.join(shown)})" if shown else ""


def measure_findings(scope: Scope, files: Sequence[Sourced[SecurityData]]) -> Measurement | NoData:
    """Findings of the selected rule and severity, over the probes of that rule."""
    rule = scope.select.get("rule")
    severity = scope.select.get("severity")
    probes = [p for f in files for p in f.data.probes if rule is None or p.rule == rule]
    if not probes:
        return NoData(f"no security probe{_where(scope)} ran: zero findings over nothing")
    found = [
        (probe, finding)
        for probe in probes
        for finding in probe.findings
        if severity is None or finding.severity == severity
    ]
    rules = sorted({p.rule for p in probes})
    summary = (
        f"{len(found)} finding(s){_where(scope)} in {len(probes)} probe(s) of {len(rules)} rule(s)"
    )
    details = [
        f"[{f.rule}] {f.severity}: {f.message} (request: {p.request})"
        + (f"; evidence: {f.evidence}" if f.evidence else "")
        # by rule and request: the same decision whatever order parallel workers probed in
        for p, f in sorted(found, key=lambda pf: (pf[0].rule, pf[0].request, pf[1].message))
    ]
    return Measurement(
        len(found), len(probes), summary,
        details=details[:MAX_DETAILS], omitted=max(0, len(details) - MAX_DETAILS),
    )  # fmt: skip


KIND = register(
    Kind(
        name="security",
        description="security probes of the target and their findings",
        data_model=SecurityData,
        records=Records(ProbeRecord, build),
        metrics=(
            Metric(
                "security.findings",
                "count",
                "security findings of the selected rule and severity",
                measure_findings,
                (
                    Selector("severity", "only findings of this severity", SEVERITIES),
                    Selector("rule", "only probes and findings of this rule"),
                ),
            ),
        ),
    )
)
