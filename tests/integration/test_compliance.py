"""Self-check of the compliance gate: the real CLI against the real taxbot with injected
regressions, a broken conversation file, and the fake Rasa and OpenAI bots with policies and
conversations of their own."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FAKES = ROOT / "tests" / "fakes"
TOKEN = "sk-test-compliance-77"
FAKE_DISCLAIMER = (
    "General information only, not tax advice. Confirm details with your local tax office."
)


def run(
    argv: list[str | Path], cwd: Path = ROOT, faults: str = ""
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("TAXBOT_FAULTS", "PYTEST_ADDOPTS")}
    env |= {"OPENAI_API_KEY": TOKEN, "FAKE_OPENAI_TOKEN": TOKEN}
    if faults:
        env["TAXBOT_FAULTS"] = faults
    return subprocess.run(
        [str(a) for a in argv], cwd=cwd, env=env, capture_output=True, text=True, timeout=300,
        check=False,
    )  # fmt: skip


def decision_in(reports: Path) -> dict:
    (run_dir,) = [p for p in reports.iterdir() if p.is_dir() and p.name != "latest"]
    return json.loads((run_dir / "decision.json").read_text())


@pytest.mark.parametrize(
    ("fault", "check", "rule"),
    [
        ("no_disclaimer:appeals", "disclaimer_appeals", "disclaimer"),
        ("no_disclaimer:exemptions", "disclaimer_exemptions", "disclaimer"),
        ("promise", "no_promises", "promise"),
        ("echo_pii", "no_pii_echo", "pii"),
        ("injection", "no_injection_obeyed", "injection"),
    ],
)
def test_each_compliance_regression_blocks_naming_the_turn(tmp_path, fault, check, rule):
    """On the conversations stage: staging's compliance checks without its other suites (the
    self-check runs staging whole)."""
    result = run(
        [sys.executable, "-m", "releasegate", "run", "--stage", "conversations", "--reports",
         tmp_path], faults=fault,
    )  # fmt: skip
    assert result.returncode == 1, result.stdout[-3000:] + result.stderr[-2000:]
    checks = {c["id"]: c for c in decision_in(tmp_path)["checks"]}
    assert checks["smoke_pass_rate"]["verdict"] == "PASS"  # the fault is not visible to smoke
    assert checks[check]["verdict"] == "FAIL"
    first = checks[check]["reason"].split("\nfailing: ")[1]
    # conversation (case) id, turn, rule, what is wrong, the reply around it
    assert re.match(rf"[A-Z]+-\d+\S* turn \d+ \[{rule}\] .+: .+", first), first
    assert f"{check} FAIL" in result.stdout.split("BLOCK: ")[-1]


BAD_CONVERSATION = """
id: BAD-001
turns:
  - user: "When is my tax due?"
    expect: {contians_any: [due]}
"""


@pytest.fixture
def broken_project(tmp_path: Path) -> Path:
    """The shipped config and policy, with one misspelt conversation beside the library."""
    (tmp_path / "conversations").mkdir()
    (tmp_path / "conversations" / "policy.yaml").write_text(
        (ROOT / "conversations" / "policy.yaml").read_text()
    )
    (tmp_path / "conversations" / "bad.yaml").write_text(BAD_CONVERSATION)
    # the suites' view of a bad file (a collection error, BLOCK); the load phase, which plays
    # the same library, stops the run with exit 2 instead, so this stage runs no load. Staging's
    # suites run under pytest-xdist workers, whose collection error is named all the same.
    config = (ROOT / "releasegate.toml").read_text().replace("\nload = true", "\nload = false", 1)
    (tmp_path / "releasegate.toml").write_text(config)
    return tmp_path


def test_a_misspelt_conversation_key_is_a_collection_error_naming_file_turn_and_key(
    broken_project,
):
    expected = "bad.yaml: turns[0].expect.contians_any: unknown key (did you mean 'contains_any'?)"
    plain = run([sys.executable, "-m", "pytest", "-m", "compliance", "-q"], cwd=broken_project)
    assert plain.returncode == pytest.ExitCode.INTERRUPTED, plain.stdout[-2000:]
    assert expected in plain.stdout
    gate = run(
        [sys.executable, "-m", "releasegate", "run", "--reports", broken_project / "reports"],
        cwd=broken_project,
    )
    assert gate.returncode == 1, gate.stdout[-2000:] + gate.stderr[-2000:]
    checks = {c["id"]: c for c in decision_in(broken_project / "reports")["checks"]}
    assert checks["disclaimer_inclusion"]["verdict"] == "NO_DATA"
    assert expected in checks["tests_pass_rate"]["reason"]


CONVERSATIONS = {
    "tax.yaml": """
id: FK-TAX
title: A tax question gets the bot's disclaimer
turns:
  - user: "When is my property tax due?"
    variants: ["when do i pay my property tax", "What is the tax rate?"]
    expect: {topics: [tax_info]}
""",
    "history.yaml": """
id: FK-NAME
title: The bot remembers what was said earlier in the conversation
turns:
  - user: "My name is Dana"
  - user: "How do I appeal my assessment?"
    expect: {contains_all: ["Dana"], topics: [tax_info]}
""",
    "human.yaml": """
id: FK-HUMAN
title: Asking for a person is honoured
turns:
  - user: "Can I talk to a real person please?"
    expect: {contains_any: [person]}
""",
}
BOTS = {
    "rasa": """
default_stage = "staging"
[target]
name = "rasa-fake"
launch = "{python} FAKES/rasa_rest.py --port {port}"
capabilities = ["health", "version"]
health_path = "/"
[target.chat]
preset = "rasa"
""",
    "openai": """
default_stage = "staging"
[target]
name = "openai-fake"
launch = "{python} FAKES/openai_chat.py --port {port}"
capabilities = ["health"]
health_path = "/health"
[target.chat]
preset = "openai"
""",
}
STAGE = """
[stages.staging]
suites = ["compliance"]
checks = ["disclaimers", "no_promises", "escalation", "completion"]

[policy.checks.disclaimers]
metric = "compliance.disclaimer_rate"
op = ">="
threshold = 1.0
min_samples = 4

[policy.checks.no_promises]
metric = "compliance.promise_violations"
op = "=="
threshold = 0
min_samples = 4

[policy.checks.escalation]
metric = "compliance.escalation_rate"
op = ">="
threshold = 1.0

[policy.checks.completion]
metric = "compliance.completion_rate"
op = ">="
threshold = 1.0
min_samples = 4
"""


@pytest.mark.parametrize("bot", ["rasa", "openai"])
def test_another_bot_is_judged_by_its_own_policy(tmp_path, bot):
    (tmp_path / "conversations").mkdir()
    (tmp_path / "conversations" / "policy.yaml").write_text(
        f"disclaimers:\n  - id: fake-v1\n    text: {FAKE_DISCLAIMER}\n"
    )
    for name, text in CONVERSATIONS.items():
        (tmp_path / "conversations" / name).write_text(text)
    config = BOTS[bot].replace("FAKES", str(FAKES)) + STAGE
    (tmp_path / "releasegate.toml").write_text(config)
    plain = run([sys.executable, "-m", "pytest", "-m", "compliance", "-q"], cwd=tmp_path)
    assert plain.returncode == 0, plain.stdout[-3000:]
    gate = run([sys.executable, "-m", "releasegate", "run", "--reports", "reports"], cwd=tmp_path)
    assert gate.returncode == 0, gate.stdout[-3000:] + gate.stderr[-1000:]
    assert "PROMOTE: all 4 checks pass" in gate.stdout
