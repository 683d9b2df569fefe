"""The security suite against chatbots that are not taxbot (a Rasa REST channel, an
OpenAI-compatible API behind a bearer token), from their own project folders: it runs through
their chat contract, records what does not apply to them as not applicable (no chat page, no
OpenAPI document), and never writes the bearer token it sent with every request."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

# The fakes' project folders, exactly as the other-bot tests build them.
_spec = importlib.util.spec_from_file_location(
    "other_bots", Path(__file__).with_name("test_other_bots.py")
)
assert _spec is not None
assert _spec.loader is not None
other_bots = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(other_bots)


@pytest.mark.parametrize("bot", ["rasa", "openai"])
def test_security_suite_runs_through_any_chat_contract(tmp_path, bot):
    folder = other_bots.project(
        tmp_path / bot, other_bots.RASA if bot == "rasa" else other_bots.OPENAI
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_ADDOPTS"}
    env |= {"OPENAI_API_KEY": other_bots.TOKEN, "FAKE_OPENAI_TOKEN": other_bots.TOKEN}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-m", "security", "-q", "-p", "no:cacheprovider",
         "-rfs", "--releasegate-evidence", "evidence", "--releasegate-stage", "smoke"],
        cwd=folder, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    # Both fakes answer a JSON body nested 10 000 deep with a 500 (json.loads raises
    # RecursionError, which they do not catch): the suite finds it, and nothing else fails.
    assert result.returncode == 1, result.stdout + result.stderr
    assert "1 failed, 37 passed, 12 skipped" in result.stdout
    (failed,) = [line for line in result.stdout.splitlines() if line.startswith("FAILED ")]
    assert "test_bad_request_gets_a_clean_4xx[nested 10000 deep]" in failed
    assert "not applicable: " in result.stdout  # the page and the API document
    (path,) = (folder / "evidence").glob("security-*.json")
    probes = json.loads(path.read_text())["data"]["probes"]
    rules = Counter(p["rule"] for p in probes)
    assert rules["error_status"] == 17
    assert rules["prompt_injection"] >= 13
    assert "xss" not in rules
    assert "api_fuzz" not in rules
    findings = {(f["rule"], f["severity"]) for p in probes for f in p["findings"]}
    assert ("rate_limit", "low") in findings  # neither fake limits its rate
    (nested,) = [
        p
        for p in probes
        for f in p["findings"]
        if (f["rule"], f["severity"]) == ("error_status", "high")
    ]
    assert nested["request"].endswith("with nested 10000 deep")
    assert nested["findings"][0]["message"] == "answered 500, a server error"
    assert other_bots.TOKEN not in other_bots.everything_written(folder)
