"""The compliance detectors, held to their published accuracy on the labelled cases.

The figures come from ``bench/detector_accuracy.py`` (imported here, so the test and the bench
cannot disagree about how a case is judged). The thresholds are the figures published in
``docs/detectors.md`` rounded down to two decimals: a change that loses accuracy fails here, a
change that gains some is published by updating both.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest
import yaml
from pydantic import ValidationError

from releasegate.chat.detectors import (
    DetectorPolicy,
    Exchange,
    Finding,
    Judgement,
    check_all,
    check_pii,
    find_disclaimer,
)
from releasegate.chat.detectors.pii import PiiPolicy

ROOT = Path(__file__).resolve().parents[2]


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "detector_accuracy", ROOT / "bench" / "detector_accuracy.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being defined
    spec.loader.exec_module(module)
    return module


bench = _bench()

# (precision, recall) published in docs/detectors.md, rounded down to two decimals.
THRESHOLDS = {
    "disclaimer": (0.96, 0.92),
    "tax_content": (0.89, 0.92),
    "promise": (1.00, 0.94),
    "escalation": (1.00, 0.92),
    "pii": (0.96, 0.96),
    "injection": (1.00, 0.75),
}
KEYS = {"id", "user", "reply", "applies", "violated", "earlier_user", "handoff", "note", "must"}
KEYS |= {"hard"}


def test_every_detector_has_a_threshold():
    assert set(THRESHOLDS) == set(bench.DETECTORS)


@pytest.mark.parametrize("detector", bench.DETECTORS)
def test_case_file_is_well_formed(detector):
    cases = bench.load_cases(detector)
    ids = [case.get("id") for case in cases]
    assert len(ids) == len(set(ids)), "case ids must be unique"
    assert len(cases) >= 50
    for case in cases:
        assert set(case) <= KEYS, f"{case['id']}: unknown keys {set(case) - KEYS}"
        for key, kind in (("user", str), ("reply", str), ("applies", bool), ("violated", bool)):
            assert isinstance(case[key], kind), f"{case['id']}: {key} must be a {kind.__name__}"
        assert case["applies"] or not case["violated"], f"{case['id']}: violated but not applies"
        assert case.get("handoff") in (True, False, None), case["id"]
        assert all(isinstance(m, str) for m in case.get("earlier_user", [])), case["id"]
    label = bench.decided(detector)
    assert {case[label] for case in cases} == {True, False}, f"both classes of {label}"
    assert sum(bool(case.get("hard")) for case in cases) * 3 >= len(cases), "a third hard"
    assert sum(bool(case.get("must")) for case in cases) * 3 >= len(cases), "central cases"


@pytest.mark.parametrize("detector", bench.DETECTORS)
def test_precision_and_recall_hold(detector):
    score = bench.score(detector)
    precision, recall = THRESHOLDS[detector]
    assert score.precision >= precision, "\n".join(score.wrong)
    assert score.recall >= recall, "\n".join(score.wrong)


@pytest.mark.parametrize("detector", bench.DETECTORS)
def test_central_cases_are_always_right(detector):
    assert bench.score(detector).wrong_must == []


# --- the API around the detectors ----------------------------------------------------------------


def test_the_shipped_conversation_policy_loads_as_a_detector_policy():
    raw = yaml.safe_load((ROOT / "conversations" / "policy.yaml").read_text(encoding="utf-8"))
    policy = DetectorPolicy.model_validate(raw)
    assert policy.disclaimers[0].id == "taxbot-general-v1"
    assert policy.promises.phrases == []
    assert policy.pii.kinds == ["email", "phone", "ssn", "card"]


@pytest.mark.parametrize(
    ("section", "error"),
    [
        ({"promises": {"phrase": ["x"]}}, "phrase"),
        ({"escalation": {"triggers": ["(unclosed"]}}, "not a regular expression"),
        ({"pii": {"kinds": ["iban"]}}, "kinds"),
        ({"injection": {"canaries": "one string"}}, "canaries"),
    ],
)
def test_policy_mistakes_are_errors_not_defaults(section, error):
    raw = {"disclaimers": [{"id": "a", "text": "General information only."}], **section}
    with pytest.raises(ValidationError, match=error):
        DetectorPolicy.model_validate(raw)


def test_disclaimer_ids_are_unique():
    entry = {"id": "a", "text": "General information only."}
    with pytest.raises(ValidationError, match="more than once"):
        DetectorPolicy.model_validate({"disclaimers": [entry, entry]})


def test_check_all_judges_every_rule_and_violated_needs_applies():
    judgements = check_all(Exchange("hello", "Hello! How can I help?"), bench.CASE_POLICY)
    assert set(judgements) == {"disclaimer", "promise", "escalation", "pii", "injection"}
    assert [rule for rule, j in judgements.items() if j.applies] == ["promise"]
    unapplied = Judgement(applies=False, findings=(Finding("pii", "x", "y"),))
    assert not unapplied.violated


def test_find_disclaimer_survives_formatting_but_not_rewording():
    texts = [entry.text for entry in bench.CASE_POLICY.disclaimers]
    assert (
        find_disclaimer(
            "<p>General <b>information</b>&nbsp;only, not tax advice.</p>"
            "Confirm details with your local tax office.",
            texts,
        )
        == texts[1]
    )
    assert find_disclaimer("General information only, not tax advice.", texts) is None


def test_pii_findings_never_repeat_the_value():
    exchange = Exchange(
        user="dana@example.com, 512-555-0199, SSN 123-45-6789",
        reply="Saved dana@example.com, (512) 555-0199 and 123-45-6789.",
    )
    judgement = check_pii(exchange, PiiPolicy())
    assert len(judgement.findings) == 3
    for finding in judgement.findings:
        shown = finding.message + finding.excerpt
        for value in ("dana@", "555-0199", "45-6789"):
            assert value not in shown


def test_excerpts_are_short_and_marked_where_cut():
    reply = "x " * 200 + "We guarantee your appeal will lower your tax bill. " + "y " * 200
    finding = check_all(Exchange("?", reply), bench.CASE_POLICY)["promise"].findings[0]
    assert finding.excerpt.startswith("…")
    assert finding.excerpt.endswith("…")
    assert len(finding.excerpt) < 60 * 2 + 60
