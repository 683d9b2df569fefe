"""Accessibility of every configured page and every chat state: axe-core's rules for the
policy's tags, the keyboard (Tab walk, focus visible and not hidden, no trap, Enter sends,
focus back in the input, dialogs), and screen-reader structure (live log, speakers told apart,
headings, landmarks). Every scan and finding is recorded as ``a11y`` evidence; a state that
could not be scanned fails its test and is NO_DATA at the gate, never a pass."""

from __future__ import annotations

from pathlib import Path

import pytest

from releasegate.a11y.audit import Audit
from releasegate.a11y.states import Target
from releasegate.evidence.kinds.a11y import A11yRecord, Finding, Scan, Source, describe, identity

pytestmark = pytest.mark.a11y
SHOWN = 6


def _judge(
    source: Source,
    target: Target,
    audit: Audit,
    baseline: set[str],
    record,
    run_folder: Path,
    pytestconfig: pytest.Config,
) -> None:
    family = audit.families[source]
    scan = Scan(
        page=target.page,
        state=target.state,
        source=source,
        ok=family.error is None,
        reason=family.error or "",
        seconds=round(family.seconds, 3),
    )
    record("a11y", A11yRecord(scan=scan))
    if family.error is not None:
        pytest.fail(f"{target.id} not scanned ({source}): {family.error}", pytrace=False)
    blocking = []
    for index, found in enumerate(family.hits):
        shot = family.screenshots.get(index)
        finding = Finding(
            source=found.source,
            rule=found.rule,
            impact=found.impact,
            level=found.level,
            page=target.page,
            state=target.state,
            selector=found.selector,
            message=found.message,
            html=found.html,
            help_url=found.help_url,
            criteria=found.criteria,
            engines=found.engines,
            screenshot=f"a11y/{shot}" if shot else None,
        )
        finding = finding.model_copy(update={"known": identity(finding) in baseline})
        record("a11y", A11yRecord(finding=finding))
        if shot:
            _attach(pytestconfig, run_folder / "a11y" / shot, finding.rule)
        if finding.level == "block" and not finding.known:
            blocking.append(describe(finding))
    if blocking:
        more = f"\n... and {len(blocking) - SHOWN} more" if len(blocking) > SHOWN else ""
        pytest.fail(
            f"{len(blocking)} {source} finding(s) on {target.id}:\n"
            + "\n".join(blocking[:SHOWN])
            + more,
            pytrace=False,
        )


def _attach(pytestconfig: pytest.Config, path: Path, name: str) -> None:
    """The failing element's screenshot in the Allure results, when allure-pytest records."""
    if not pytestconfig.getoption("allure_report_dir", None):
        return
    import allure

    allure.attach.file(str(path), name=name, attachment_type=allure.attachment_type.PNG)


def test_axe(
    a11y_target, a11y_audit, a11y_baseline, releasegate_record, a11y_run_folder, pytestconfig
) -> None:
    _judge(
        "axe",
        a11y_target,
        a11y_audit(a11y_target),
        a11y_baseline,
        releasegate_record,
        a11y_run_folder,
        pytestconfig,
    )


def test_keyboard(
    a11y_target, a11y_audit, a11y_baseline, releasegate_record, a11y_run_folder, pytestconfig
) -> None:
    _judge(
        "keyboard",
        a11y_target,
        a11y_audit(a11y_target),
        a11y_baseline,
        releasegate_record,
        a11y_run_folder,
        pytestconfig,
    )


def test_screen_reader(
    a11y_target, a11y_audit, a11y_baseline, releasegate_record, a11y_run_folder, pytestconfig
) -> None:
    _judge(
        "structure",
        a11y_target,
        a11y_audit(a11y_target),
        a11y_baseline,
        releasegate_record,
        a11y_run_folder,
        pytestconfig,
    )
