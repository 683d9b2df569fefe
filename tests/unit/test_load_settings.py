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
