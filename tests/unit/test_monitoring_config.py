"""``[monitoring]``: defaults, and every mistake one line naming the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from releasegate.config import load_config
from releasegate.errors import ConfigError
from releasegate.monitoring.config import TAXBOT_COUNTERS


def edited(project_root: Path, tmp_path: Path, old: str, new: str) -> Path:
    text = (project_root / "releasegate.toml").read_text()
    assert old in text, f"the default config no longer contains {old!r}"
    path = tmp_path / "releasegate.toml"
    path.write_text(text.replace(old, new, 1))
    return path


def error_of(path: Path) -> str:
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert "\n" not in str(info.value)
    return str(info.value)


def test_defaults_are_taxbots(default_config):
    monitoring = default_config.monitoring
    assert monitoring.counters == TAXBOT_COUNTERS
    assert monitoring.prometheus == "launch"
    assert set(monitoring.slis) == {"api_error_ratio", "chat_p95_s", "target_up"}


def test_a_counters_table_replaces_the_defaults(project_root, tmp_path):
    path = edited(project_root, tmp_path, "[monitoring.slis.api_error_ratio]",
                  '[monitoring.counters]\nchats = {metric = "bot_turns_total", label = "topic"}\n\n'
                  "[monitoring.slis.api_error_ratio]")  # fmt: skip
    counters = load_config(path).monitoring.counters.configured()
    assert list(counters) == ["chats"]
    assert counters["chats"].label == "topic"


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ('prometheus = "launch"', 'prometheus = "lanch"',
         'monitoring.prometheus: "launch" or the URL of a Prometheus server: '
         "'lanch' is not an http(s) URL"),
        ('prometheus = "launch"\n', "",
         "stages.staging.checks[19]: check 'api_error_ratio' reads an SLI, but "
         "monitoring.prometheus is not set"),
        ('select = {name = "chat_p95_s"}', 'select = {name = "chat_p59_s"}',
         "stages.staging.checks[20]: check 'chat_latency_p95' reads SLI 'chat_p59_s', not in "
         "monitoring.slis (known: api_error_ratio, chat_p95_s, target_up)"),
        ("query = 'min_over_time(up{job=\"$job\"}[$window])'",
         "query = 'min_over_time(up{job=\"$job\"}[$range])'",
         "monitoring.slis.target_up.query: unknown placeholder $range"),
        ('rules = ["taxbot/monitoring/alerts.yml"]', 'rules = "taxbot/monitoring/alerts.yml"',
         "monitoring.rules"),
        ("[monitoring.slis.api_error_ratio]",
         '[monitoring.counters]\nchats = {metric = "bad name"}\n[monitoring.slis.api_error_ratio]',
         "monitoring.counters.chats.metric"),
    ],
)  # fmt: skip
def test_mistakes_name_the_key(project_root, tmp_path, old, new, expected):
    assert expected in error_of(edited(project_root, tmp_path, old, new))


def test_production_reads_its_prometheus_from_the_environment(default_config, monkeypatch):
    monkeypatch.setenv("PROMETHEUS_URL", "http://127.0.0.1:9090")
    production = default_config.monitoring_for("production")
    assert (production.prometheus, production.job, production.lookback_s) == (
        "http://127.0.0.1:9090",
        "taxbot",
        300,
    )
    assert production.slis == default_config.monitoring.slis  # the rest is [monitoring]'s
    assert default_config.monitoring_for("staging") == default_config.monitoring


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("", "stages.production.monitoring.prometheus reads the environment variable "
             "PROMETHEUS_URL, which is not set"),
        ("prometheus:9090", "stages.production.monitoring: \"launch\" or the URL of a "
                            "Prometheus server: 'prometheus:9090' is not an http(s) URL"),
    ],
)  # fmt: skip
def test_a_bad_production_prometheus_names_the_key(default_config, monkeypatch, value, expected):
    monkeypatch.setenv("PROMETHEUS_URL", value)
    with pytest.raises(ConfigError) as info:
        default_config.monitoring_for("production")
    assert expected in str(info.value)


def test_a_stage_prometheus_reference_must_be_written_as_a_variable(project_root, tmp_path):
    path = edited(project_root, tmp_path, 'prometheus = "${PROMETHEUS_URL}"',
                  'prometheus = "$PROMETHEUS_URL}"')  # fmt: skip
    assert "stages.production.monitoring.prometheus" in error_of(path)
