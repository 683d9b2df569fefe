"""What a security test does with what it found: each probe becomes a ``security`` evidence
record, and the test fails on a high-severity finding (as the default policy blocks on one)
while lower ones are recorded and shown as warnings (as the policy warns on them)."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from releasegate.evidence.kinds.security import Finding, ProbeRecord
from releasegate.security.headers import Issue

Record = Callable[[str, Mapping[str, Any] | ProbeRecord], None]
FAILS = ("high",)


class SecurityFinding(UserWarning):
    """A finding below the severity that fails a test: reported, not failing."""


class Probes:
    """The probes of one test, recorded as they are made."""

    def __init__(self, record: Record, test: str) -> None:
        self._record = record
        self._test = test
        self.findings: list[tuple[str, Finding]] = []  # (request, finding)

    def add(self, rule: str, request: str, issues: Iterable[Issue]) -> list[Finding]:
        found = [
            Finding(rule=i.rule, severity=i.severity, message=i.message, evidence=i.evidence)
            for i in issues
        ]
        probe = ProbeRecord(rule=rule, request=request, test=self._test, findings=found)
        self._record("security", probe)
        self.findings += [(probe.request, f) for f in probe.findings]
        return probe.findings

    def check(self) -> None:
        """Fail on high findings, listing each; warn once about each lower one."""
        __tracebackhide__ = True
        lines = []
        for request, finding in self.findings:
            line = f"[{finding.rule}] {finding.severity}: {finding.message} (request: {request})"
            shown = f"{line}\n    evidence: {finding.evidence}" if finding.evidence else line
            if finding.severity in FAILS:
                lines.append((line, shown))
            else:
                warnings.warn(SecurityFinding(shown), stacklevel=2)
        if lines:
            more = f" (and {len(lines) - 1} more)" if len(lines) > 1 else ""
            first, *rest = [shown for _, shown in lines]
            head = lines[0][0] + more + first[len(lines[0][0]) :]
            raise AssertionError("\n".join([head, *rest]))
