"""The real CLI gating chatbots that are not taxbot: a Rasa REST channel whose disclaimer comes
as a second message, and an OpenAI-compatible API behind a bearer token, both launched by the
harness from their own project folder (a releasegate.toml and a conversations/policy.yaml)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from releasegate.config import TargetConfig
from releasegate.target import target_session

ROOT = Path(__file__).resolve().parents[2]
FAKES = ROOT / "tests" / "fakes"
TOKEN = "sk-test-8c1f0e5d2b7a4e9f"
FAKE_DISCLAIMER = (
    "General information only, not tax advice. Confirm details with your local tax office."
)

CHECKS = """
[stages.smoke]
suites = ["smoke"]
checks = ["smoke_pass_rate", "smoke_min_tests"]

[policy.checks.smoke_pass_rate]
metric = "tests.pass_rate"
select = {suite = "smoke"}
op = ">="
threshold = 1.0
min_samples = 5

[policy.checks.smoke_min_tests]
metric = "tests.executed"
select = {suite = "smoke"}
op = ">="
threshold = 5
"""

RASA = """
default_stage = "smoke"

[target]
name = "rasa-fake"
launch = "{{python}} {fakes}/rasa_rest.py --port {{port}} {faults}"
capabilities = ["health", "version"]
health_path = "/"

[target.chat]
preset = "rasa"
"""

OPENAI = """
default_stage = "smoke"

[target]
name = "openai-fake"
launch = "{{python}} {fakes}/openai_chat.py --port {{port}} {faults}"
capabilities = ["health"]
health_path = "/health"
health_status = "$.status"

[target.chat]
preset = "openai"
"""


def project(folder: Path, template: str, faults: str = "") -> Path:
    """A bot's own project: only a releasegate.toml and its conversation policy."""
    folder.mkdir(parents=True, exist_ok=True)
    flags = f"--fault {faults}" if faults else ""
    (folder / "releasegate.toml").write_text(template.format(fakes=FAKES, faults=flags) + CHECKS)
    (folder / "conversations").mkdir(exist_ok=True)
    (folder / "conversations" / "policy.yaml").write_text(
        f"disclaimers:\n  - id: fake-v1\n    text: {FAKE_DISCLAIMER}\n"
    )
    return folder


def releasegate(
    *args: str | Path, cwd: Path, token: str | None = TOKEN
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("OPENAI_API_KEY", "PYTEST_ADDOPTS")}
    if token is not None:
        env["OPENAI_API_KEY"] = token
    env["FAKE_OPENAI_TOKEN"] = TOKEN  # what the fake expects
    return subprocess.run(
        [sys.executable, "-m", "releasegate", *map(str, args)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def run_folder(reports: Path) -> Path:
    (run_dir,) = [p for p in reports.iterdir() if p.is_dir() and p.name != "latest"]
    return run_dir


def decision_of(reports: Path) -> dict:
    return json.loads((run_folder(reports) / "decision.json").read_text())


def everything_written(folder: Path) -> str:
    return "\n".join(p.read_text(errors="replace") for p in folder.rglob("*") if p.is_file())


def test_rasa_with_the_disclaimer_in_a_second_message_promotes(tmp_path):
    folder = project(tmp_path / "rasa", RASA)
    result = releasegate("run", "--stage", "smoke", cwd=folder)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "PROMOTE: all 2 checks pass" in result.stdout
    smoke = decision_of(folder / "reports")["checks"][0]
    assert smoke["reason"] == (
        "6 of 6 smoke tests (4 not applicable to this target: test_chat_page_is_served, "
        "test_feedback_is_accepted, test_metrics_are_exposed, test_ready_with_dependencies) passed"
    )


def test_rasa_dropping_the_disclaimer_blocks_naming_the_approved_text(tmp_path):
    folder = project(tmp_path / "rasa", RASA, faults="no_disclaimer")
    result = releasegate("run", "--stage", "smoke", cwd=folder)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "BLOCK: smoke_pass_rate FAIL" in result.stdout
    reason = decision_of(folder / "reports")["checks"][0]["reason"]
    assert (
        "test_chat_round_trip_carries_disclaimer [failed]: Failed: a tax answer without an "
        f"approved disclaimer (looked for fake-v1: '{FAKE_DISCLAIMER}', from "
        "conversations/policy.yaml). The reply to 'When is my property tax due?', in 1 part(s): "
        "'Property tax bills list"
    ) in reason


def test_rasa_answering_an_object_is_a_contract_mismatch_exit_2(tmp_path):
    folder = project(tmp_path / "rasa", RASA, faults="object_reply")
    result = releasegate("run", "--stage", "smoke", cwd=folder)
    assert result.returncode == 2, result.stdout + result.stderr
    (line,) = result.stderr.strip().splitlines()[-1:]
    assert line.startswith("releasegate: error: target.chat.reply: $[*].text not found in {")
    assert "Traceback" not in result.stderr


def test_openai_with_a_token_from_the_environment_promotes_and_never_writes_it(tmp_path):
    folder = project(tmp_path / "openai", OPENAI)
    result = releasegate("run", "--stage", "smoke", cwd=folder)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "PROMOTE: all 2 checks pass" in result.stdout
    assert TOKEN not in result.stdout + result.stderr
    written = everything_written(folder / "reports")
    assert "PROMOTE" in written
    assert TOKEN not in written


def test_openai_without_its_token_variable_is_exit_2_naming_it(tmp_path):
    folder = project(tmp_path / "openai", OPENAI)
    result = releasegate("run", "--stage", "smoke", cwd=folder, token=None)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.strip().splitlines()[-1] == (
        "releasegate: error: releasegate.toml: target.chat.headers.Authorization: environment "
        "variable OPENAI_API_KEY is not set (it is read by 'Bearer ${OPENAI_API_KEY}')"
    )


def test_openai_refusing_the_token_is_exit_2_not_a_block(tmp_path):
    folder = project(tmp_path / "openai", OPENAI)
    result = releasegate("run", "--stage", "smoke", cwd=folder, token="sk-wrong-0000")
    assert result.returncode == 2, result.stdout + result.stderr
    assert "the target refused the credentials" in result.stderr
    assert "sk-wrong-0000" not in result.stdout + result.stderr


def test_openai_answering_another_shape_is_a_contract_mismatch_exit_2(tmp_path):
    folder = project(tmp_path / "openai", OPENAI, faults="bad_shape")
    result = releasegate("run", "--stage", "smoke", cwd=folder)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "releasegate: error: target.chat.reply: $.choices[0].message.content not found in" in (
        result.stderr
    )


def test_credentials_in_the_base_url_are_sent_but_never_written(tmp_path):
    """A deployment given as https://user:key@host: basic auth is sent, the key is not shown."""
    folder = project(tmp_path / "rasa", RASA)
    launcher = TargetConfig(
        name="rasa", launch=f"{{python}} {FAKES}/rasa_rest.py --port {{port}}", health_path="/"
    )
    with target_session(launcher, announce=False) as running:
        url = running.base_url.replace("http://", "http://deploy:s3cr3t-k3y-42@")
        result = releasegate("run", "--stage", "smoke", "--base-url", url, cwd=folder)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "s3cr3t-k3y-42" not in result.stdout + result.stderr
    assert "s3cr3t-k3y-42" not in everything_written(folder / "reports")
    assert decision_of(folder / "reports")["target"]["base_url"] == running.base_url


@pytest.mark.parametrize("bot", ["rasa", "openai"])
def test_pytest_m_smoke_in_the_bots_folder_runs_the_built_in_suites(tmp_path, bot):
    folder = project(tmp_path / bot, RASA if bot == "rasa" else OPENAI)
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_ADDOPTS"}
    env |= {"OPENAI_API_KEY": TOKEN, "FAKE_OPENAI_TOKEN": TOKEN}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-m", "smoke", "-q", "-p", "no:cacheprovider"],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    skipped = 4 if bot == "rasa" else 5
    assert f"{10 - skipped} passed, {skipped} skipped" in result.stdout
