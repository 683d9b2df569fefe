"""[load] and a stage's load entry: validated with the key named, caps enforced; hosts refused."""

from __future__ import annotations

import re

import pytest

from releasegate.config import load_config
from releasegate.errors import ConfigError
from releasegate.load.safety import LoadRefused, check_caps, check_host
from releasegate.load.settings import LoadSettings

ROOT_CONFIG = "releasegate.toml"


def write(tmp_path, project_root, extra: str, stage: str = "") -> str:
    text = (project_root / ROOT_CONFIG).read_text()
    text += "\n" + extra
    if stage:
        at = text.index("load = true", text.index("[stages.load]"))
        text = text[:at] + stage + text[at + len("load = true") :]
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / ROOT_CONFIG
    path.write_text(text)
    (tmp_path / "conversations").symlink_to(project_root / "conversations")
    return str(path)


def test_default_config_runs_load_in_staging(project_root):
    config = load_config(project_root / ROOT_CONFIG)
    staging = config.load_settings(config.stages["staging"])
    assert staging is not None
    assert staging.duration_s <= 10  # CI-sized
    assert config.load_settings(config.stages["smoke"]) is None


def test_a_stage_overrides_load_and_the_caps_still_hold(tmp_path, project_root):
    config = load_config(write(tmp_path, project_root, "", "load = {users = 20, duration_s = 3}"))
    stage_load = config.load_settings(config.stages["load"])
    assert (stage_load.users, stage_load.duration_s) == (20, 3)
    with pytest.raises(ConfigError, match=r"stages\.load\.load: users: 80 is above max_users 50"):
        load_config(write(tmp_path / "b", project_root, "", "load = {users = 80}"))


@pytest.mark.parametrize(
    ("table", "problem"),
    [
        ({"users": 0}, "users"),
        ({"duration_s": 1000}, "duration_s: 1000 is above max_duration_s 900"),
        ({"think_time_s": [0.5, 0.1]}, "think_time_s: [0.5, 0.1] must be [min, max]"),
        ({"mix": {"conversation": 0, "page": 0, "health": 0, "feedback": 0}}, "every weight is 0"),
        ({"shape": "wave"}, "shape"),
        ({"tags": {"appeals": -1}}, "tags.appeals"),
    ],
)
def test_bad_load_settings_name_the_key(table, problem):
    with pytest.raises(ValueError, match=re.escape(problem)):
        LoadSettings.model_validate(table)


def test_loopback_and_listed_hosts_only():
    settings = LoadSettings(allowed_hosts=["staging.example.com"])
    for url in ("http://127.0.0.1:8000", "http://localhost", "http://[::1]:80",
                "https://staging.example.com"):  # fmt: skip
        check_host(url, settings, "cfg")
    with pytest.raises(LoadRefused, match=r"refusing to send load to prod\.example\.com"):
        check_host("https://prod.example.com", settings, "cfg")


def test_caps():
    settings = LoadSettings()
    check_caps(50, 50, 900, settings, "cfg")
    with pytest.raises(LoadRefused, match="refusing spawn rate 51"):
        check_caps(1, 51, 10, settings, "cfg")
    with pytest.raises(LoadRefused, match="refusing duration 901"):
        check_caps(1, 1, 901, settings, "cfg")


def test_a_stage_that_runs_nothing_is_a_config_error(tmp_path, project_root):
    path = write(tmp_path, project_root, '[stages.empty]\nchecks = ["load_p95"]\n')
    with pytest.raises(
        ConfigError, match=r"stages\.empty: the stage runs nothing: list suites, or set load = true"
    ):
        load_config(path)


def test_a_baseline_from_a_decision_or_from_load_evidence(tmp_path):
    import json

    from releasegate.errors import UserError
    from releasegate.load.baseline import read_baseline

    decision = {
        "schema": "releasegate.decision/v1", "decision": "PROMOTE", "stage": "load",
        "run_id": "r1", "target": {"base_url": "http://127.0.0.1:1", "version": "1"},
        "policy_sha256": "x", "evidence": [],
        "checks": [
            {"id": "p95", "level": "block", "verdict": "PASS", "observed": 120.0,
             "threshold": "<= 300", "samples": 500, "reason": "", "metric": "load.p95_ms",
             "select": {"name": "chat:appeals"}},
            {"id": "rps", "level": "block", "verdict": "PASS", "observed": 60.0,
             "threshold": ">= 30", "samples": 500, "reason": "", "metric": "load.throughput"},
        ],
    }  # fmt: skip
    path = tmp_path / "decision.json"
    path.write_text(json.dumps(decision))
    baseline = read_baseline(path, LoadSettings(regression_relative=0.3))
    assert baseline.p95_ms == {"chat:appeals": 120.0}
    assert baseline.throughput == {"Aggregated": 60.0}
    assert (baseline.relative, baseline.floor_ms, baseline.run_id) == (0.3, 50.0, "r1")
    (tmp_path / "other.json").write_text('{"schema": "something/v9"}')
    with pytest.raises(UserError, match=r"not a load evidence file or a decision\.json"):
        read_baseline(tmp_path / "other.json", LoadSettings())
    with pytest.raises(UserError, match="cannot read the load baseline"):
        read_baseline(tmp_path / "missing.json", LoadSettings())
