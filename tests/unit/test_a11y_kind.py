"""The a11y evidence kind: counts over scanned page states (a state not scanned is NO_DATA),
selectors, baseline identities, the WCAG mapping, and the [a11y] config table."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import ValidationError

from releasegate.a11y.baseline import load_baseline
from releasegate.a11y.findings import criteria_of
from releasegate.config import load_config
from releasegate.errors import ConfigError
from releasegate.evidence.envelope import Producer, TargetRef, make_evidence
from releasegate.evidence.io import write_evidence
from releasegate.evidence.kinds.a11y import (
    A11yData,
    A11yRecord,
    Finding,
    Scan,
    build,
    identity,
    mark_known,
    normalize_selector,
)
from releasegate.evidence.registry import Measurement, NoData, Scope, Sourced, metrics

ROOT = Path(__file__).resolve().parent.parent.parent


def scan(page: str = "/", state: str = "empty", source: str = "axe", **kw: object) -> Scan:
    return Scan.model_validate({"page": page, "state": state, "source": source, "ok": True, **kw})


def finding(rule: str, impact: str = "serious", **kw: object) -> Finding:
    values = {
        "source": "axe", "rule": rule, "impact": impact, "level": "block", "page": "/",
        "state": "empty", "selector": "#x", "message": "m", "criteria": ["1.4.3"], **kw,
    }  # fmt: skip
    return Finding.model_validate(values)


SCANS = [scan(source=s) for s in ("axe", "keyboard", "structure")]
SCANS += [scan(state="conversation", source=s) for s in ("axe", "keyboard", "structure")]
DATA = A11yData(
    scans=SCANS,
    findings=[
        finding("color-contrast", selector=".message:nth-child(3) > p"),
        finding("region", "moderate", level="warn", criteria=[]),
        finding("focus-not-visible", source="keyboard", criteria=["2.4.7"], state="conversation"),
        finding("image-alt", "critical", criteria=["1.1.1"], known=True),
    ],
)


def measure(name: str, data: A11yData = DATA, **select: str) -> Measurement | NoData:
    scope = Scope(select=select, stage_suites=("a11y",))
    return metrics()[name].measure(scope, [Sourced("a11y.json", data)])


def test_every_finding_counts_over_the_scans():
    measured = measure("a11y.violations")
    assert isinstance(measured, Measurement)
    assert (measured.value, measured.samples) == (4, 6)
    assert measured.summary.startswith("4 finding(s) on 2 page state(s): color-contrast,")
    assert measured.details[0] == (
        "color-contrast (serious WCAG 1.4.3) on / [empty]: .message:nth-child(3) > p: m"
    )


@pytest.mark.parametrize(
    ("select", "count"),
    [
        ({"source": "keyboard"}, 1),
        ({"level": "warn"}, 1),
        ({"impact": "critical"}, 1),
        ({"min_impact": "serious"}, 3),
        ({"criterion": "2.4.7"}, 1),
        ({"rule": "region"}, 1),
        ({"state": "conversation"}, 1),
        ({"page": "/other"}, None),  # nothing scanned there
    ],
)
def test_selectors_narrow_the_count(select, count):
    measured = measure("a11y.violations", **select)
    if count is None:
        assert isinstance(measured, NoData)
        assert measured.reason == "no page or state was scanned (page /other)"
    else:
        assert isinstance(measured, Measurement)
        assert measured.value == count


def test_known_findings_are_reported_but_not_new():
    measured = measure("a11y.new_violations", min_impact="serious")
    assert isinstance(measured, Measurement)
    assert measured.value == 2
    assert measured.summary.endswith("; 1 known from the baseline")


def test_a_state_that_was_not_scanned_is_no_data_naming_it():
    broken = A11yData(
        scans=[*SCANS, scan("/missing.html", "loaded", ok=False, reason="answered HTTP 404")],
        findings=DATA.findings,
    )
    measured = measure("a11y.violations", broken, source="axe")
    assert isinstance(measured, NoData)
    assert measured.reason == (
        "1 of 3 scan(s) could not run: /missing.html [loaded] axe: answered HTTP 404"
    )
    states = measure("a11y.states_scanned", broken)
    assert isinstance(states, Measurement)
    assert (states.value, states.samples) == (2, 3)
    assert states.details == ["/missing.html [loaded]"]


def test_no_scan_at_all_is_no_data():
    assert isinstance(measure("a11y.violations", A11yData(scans=[], findings=[])), NoData)
    assert isinstance(measure("a11y.states_scanned", A11yData(scans=[], findings=[])), NoData)


def test_the_data_rejects_findings_without_a_scan_and_failures_without_reasons():
    with pytest.raises(ValidationError, match="has no successful keyboard scan"):
        A11yData(scans=[scan()], findings=[finding("x", source="keyboard")])
    with pytest.raises(ValidationError, match="a failed scan needs a reason"):
        scan(ok=False)
    with pytest.raises(ValidationError, match="either a scan or a finding"):
        A11yRecord()


def test_records_build_the_data():
    data = build([A11yRecord(scan=scan()), A11yRecord(finding=finding("color-contrast"))])
    assert [f.rule for f in data.findings] == ["color-contrast"]


def test_wcag_tags_become_success_criteria():
    tags = ["cat.color", "wcag2aa", "wcag143", "wcag1410", "wcag2411", "EN-301-549", "wcag21aa"]
    assert criteria_of(tags) == ["1.4.3", "1.4.10", "2.4.11"]


def test_identity_survives_positions_and_counters():
    assert normalize_selector("#log > .message:nth-child(3) > P") == "#log > .message > p"
    assert normalize_selector("#msg-17 >   span") == "#msg-# > span"
    first = finding("color-contrast", selector=".message:nth-child(3) > p")
    later = finding("color-contrast", selector=".message:nth-child(9) > p", state="handoff")
    assert identity(first) == identity(later)
    assert identity(first) != identity(finding("color-contrast", page="/help"))
    marked = mark_known([first, finding("region")], {identity(later)})
    assert [f.known for f in marked] == [True, False]


def _write(path: Path, data: A11yData) -> Path:
    evidence = make_evidence(
        data, "run-1", "staging", TargetRef(base_url="http://127.0.0.1:1"),
        Producer(tool="test", version="0"), datetime.now(UTC),
    )  # fmt: skip
    write_evidence(path, evidence)
    return path


def test_the_baseline_is_read_from_evidence_a_run_folder_or_a_decision(tmp_path):
    run = tmp_path / "run"
    file = _write(run / "evidence" / "functional" / "a11y-run-1.json", DATA)
    expected = {identity(f) for f in DATA.findings}
    assert load_baseline(file) == expected
    assert load_baseline(run) == expected
    decision = {
        "schema": "releasegate.decision/v1",
        "evidence": [{"file": "evidence/functional/a11y-run-1.json", "kind": "a11y"}],
    }
    (run / "decision.json").write_text(json.dumps(decision))
    assert load_baseline(run / "decision.json") == expected


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (None, "a11y.baseline: no such file or folder"),
        ("{", "not valid JSON"),
        ('{"schema": "releasegate.decision/v1", "evidence": []}', "lists no a11y evidence"),
    ],
)
def test_a_bad_baseline_is_one_clear_line(tmp_path, content, problem):
    path = tmp_path / ("decision.json" if content and "decision" in content else "a11y.json")
    if content is not None:
        path.write_text(content)
    with pytest.raises(ConfigError, match=problem):
        load_baseline(path)


@pytest.mark.parametrize(
    ("table", "problem"),
    [
        ('pages = ["help.html"]', "a11y.pages[0]: must start with '/' (got 'help.html')"),
        ('block_tags = ["WCAG 2"]', "is not an axe rule tag"),
        ('warn_tags = ["wcag2a"]', "warn_tags: wcag2a is already in block_tags"),
        ('chat_states = ["typing"]', "a11y.chat_states[0]"),
        ("max_tab_stops = 1", "a11y.max_tab_stops"),
        ("colour = 1", "a11y.colour"),
    ],
)
def test_bad_a11y_config_names_the_key(tmp_path, table, problem):
    config = tmp_path / "releasegate.toml"
    config.write_text((ROOT / "releasegate.toml").read_text() + f"\n[a11y]\n{table}\n")
    with pytest.raises(ConfigError) as caught:
        load_config(config)
    assert problem in str(caught.value)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("snapshot", "visible", "cue"),
    [
        ('- text: "You said:"\n- paragraph: Hello there', "Hello there", "text you said paragraph"),
        ("- paragraph: Hello there", "Hello there", "paragraph"),
        ('- article "Assistant":\n  - paragraph: Hi', "Hi", "article assistant paragraph"),
        ("- paragraph: You: Hello", "You: Hello", "paragraph"),  # a visible label is visible
    ],
)
def test_the_speaker_cue_is_what_a_screen_reader_hears_besides_the_text(snapshot, visible, cue):
    from releasegate.a11y.structure import speaker_cue

    assert speaker_cue(snapshot, visible) == cue
