"""A config mistake is one line naming the file, the key path and what was expected."""

from __future__ import annotations

from pathlib import Path

import pytest

from releasegate.config import load_config
from releasegate.errors import ConfigError
from releasegate.evidence import registry
from releasegate.evidence.registry import Kind, KindData, Metric, NoData, registered


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "releasegate.toml"
    path.write_text(text)
    return path


def with_edit(project_root: Path, tmp_path: Path, old: str, new: str) -> Path:
    text = (project_root / "releasegate.toml").read_text()
    assert old in text, f"the default config no longer contains {old!r}"
    return write(tmp_path, text.replace(old, new, 1))


def error_of(path: Path) -> str:
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert "\n" not in message
    return message


def test_default_config_is_valid(default_config):
    name, stage = default_config.stage(None)
    assert name == "staging"
    assert stage.checks
    assert default_config.target.launch
    assert len(default_config.policy_sha256("staging")) == 64


def test_misspelt_key_suggests_the_right_one(project_root, tmp_path):
    path = with_edit(project_root, tmp_path, "threshold = 0.90", "treshold = 0.90")
    message = error_of(path)
    assert message.startswith(f"{path}: ")
    assert "policy.checks.tests_pass_rate.treshold: unknown key (did you mean 'threshold'?)" in (
        message
    )


def test_wrong_type_names_key_and_value(project_root, tmp_path):
    path = with_edit(project_root, tmp_path, "threshold = 0.90", 'threshold = "ninety"')
    message = error_of(path)
    assert "policy.checks.tests_pass_rate.threshold: input should be a valid number" in message
    assert "'ninety'" in message


def test_unknown_metric_lists_the_known_ones(project_root, tmp_path):
    path = with_edit(
        project_root, tmp_path, 'metric = "tests.pass_rate"', 'metric = "tests.passrate"'
    )
    message = error_of(path)
    assert (
        "policy.checks.tests_pass_rate.metric: unknown metric 'tests.passrate' "
        "(did you mean 'tests.pass_rate'?)"
    ) in message


def test_the_old_suite_key_says_what_to_write_instead(project_root, tmp_path):
    path = with_edit(project_root, tmp_path, 'select = {suite = "smoke"}', 'suite = "smoke"')
    assert (
        "policy.checks.smoke_pass_rate: 'suite' is now a selector: "
        'write select = {suite = "smoke"}'
    ) in error_of(path)


@pytest.mark.parametrize(
    ("select", "expected"),
    [
        (
            '{suit = "smoke"}',
            "select: unknown selector 'suit' (did you mean 'suite'?) for tests.pass_rate",
        ),
        ('{suite = "smoky"}', "select.suite: unknown suite 'smoky' (did you mean 'smoke'?)"),
        ("{suite = 1}", "select.suite: input should be a valid string (got 1)"),
    ],
)
def test_a_bad_selector_is_named(project_root, tmp_path, select, expected):
    path = with_edit(project_root, tmp_path, 'select = {suite = "smoke"}', f"select = {select}")
    message = error_of(path)
    assert message.startswith(f"{path}: policy.checks.smoke_pass_rate")
    assert expected in message


def test_stage_naming_an_undefined_check(project_root, tmp_path):
    path = with_edit(
        project_root,
        tmp_path,
        'checks = ["smoke_pass_rate", "smoke_min_tests"]',
        'checks = ["smoke_pass_rate", "smoke_min_test"]',
    )
    message = error_of(path)
    assert "stages.smoke.checks[1]: no check 'smoke_min_test' in policy.checks" in message


def test_unknown_suite(project_root, tmp_path):
    path = with_edit(project_root, tmp_path, 'suites = ["smoke"]', 'suites = ["smoky"]')
    assert "stages.smoke.suites[0]" in error_of(path)


def test_launch_without_port(project_root, tmp_path):
    path = with_edit(project_root, tmp_path, "--port {port}", "--port 8000")
    assert "target.launch: the command must contain {port}" in error_of(path)


def test_launch_with_unknown_placeholder(project_root, tmp_path):
    path = with_edit(project_root, tmp_path, "{tmpdir}/taxbot.db", "{tempdir}/taxbot.db")
    assert "target.launch: unknown placeholder {tempdir}" in error_of(path)


def test_bad_jsonpath(project_root, tmp_path):
    path = with_edit(project_root, tmp_path, 'reply = "$.reply"', 'reply = "$.[reply"')
    assert "target.chat.reply: invalid JSONPath '$.[reply'" in error_of(path)


def test_invalid_toml_names_the_line(tmp_path):
    path = write(tmp_path, "[target\nname = 1\n")
    message = error_of(path)
    assert f"{path}: invalid TOML" in message
    assert "line 1" in message


def test_missing_sections(tmp_path):
    message = error_of(write(tmp_path, 'default_stage = "smoke"\n'))
    assert "target: required key is missing" in message
    assert "policy: required key is missing" in message


def test_missing_file(tmp_path):
    message = error_of(tmp_path / "nope.toml")
    assert "no such config file" in message


def test_unknown_stage_lists_stages(default_config):
    listed = r"\(stages: smoke, staging, conversations, load, production, rollback-drill\)"
    with pytest.raises(ConfigError, match=rf"unknown stage 'prod' {listed}"):
        default_config.stage("prod")


def test_relative_paths_resolve_against_the_config_folder(project_root, tmp_path):
    config = load_config(with_edit(project_root, tmp_path, "", ""))
    assert config.path(config.conversations_dir) == (tmp_path / "conversations").resolve()


def test_suites_are_the_built_in_ones_plus_a_suites_folder_beside_the_config(
    project_root, tmp_path
):
    config = load_config(with_edit(project_root, tmp_path, "", ""))
    assert config.suite_paths() == [project_root / "suites"]  # installed as releasegate.suites
    (tmp_path / "suites").mkdir()
    assert config.suite_paths() == [project_root / "suites", tmp_path / "suites"]


def test_a_suites_dir_that_does_not_exist_is_named(project_root, tmp_path):
    path = with_edit(project_root, tmp_path, 'default_stage = "staging"', 'suites_dir = "mine"')
    with pytest.raises(ConfigError) as info:
        load_config(path).suite_paths()
    assert str(info.value) == f"{path}: suites_dir: no such folder {tmp_path / 'mine'}"


def test_a_missing_conversation_policy_names_the_key(project_root, tmp_path):
    config = load_config(with_edit(project_root, tmp_path, "", ""))
    with pytest.raises(ConfigError) as info:
        config.conversation_policy()
    assert str(info.value).startswith(
        f"{tmp_path / 'releasegate.toml'}: conversations_dir: no policy.yaml in "
        f"{tmp_path / 'conversations'} (write one with 'releasegate init'"
    )


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("threshold = 0.90", "threshold = 90", "rates are fractions between 0 and 1"),
        ("threshold = 0.90", 'threshold = "0.9"', "threshold: input should be a valid number"),
        ("threshold = 0.90", "threshold = true", "threshold: input should be a valid number"),
        ("threshold = 0.90", "threshold = nan", "threshold: input should be a finite number"),
        ("evidence_max_age_hours = 24", "evidence_max_age_hours = inf", "finite number"),
        ('health_path = "/healthz"', 'health_path = "healthz"', "must start with '/'"),
        ('launch = "', 'base_url = "http://[::1"\nlaunch = "', "target.base_url"),
        (
            'checks = ["smoke_pass_rate", "smoke_min_tests"]',
            'checks = ["smoke_pass_rate", "smoke_pass_rate"]',
            "stages.smoke.checks: listed more than once: smoke_pass_rate",
        ),
        (
            'suites = ["smoke"]\nchecks = ["smoke_pass_rate"',
            'suites = ["smoke", "smoke"]\nchecks = ["smoke_pass_rate"',
            "stages.smoke.suites: listed more than once: smoke",
        ),
    ],
)
def test_values_that_cannot_mean_what_they_say(project_root, tmp_path, old, new, expected):
    assert expected in error_of(with_edit(project_root, tmp_path, old, new))


def test_check_on_a_suite_the_stage_does_not_run(project_root, tmp_path):
    path = with_edit(
        project_root,
        tmp_path,
        'suites = ["smoke"]\nchecks = ["smoke_pass_rate"',
        'suites = ["e2e"]\nchecks = ["smoke_pass_rate"',
    )
    assert "check 'smoke_pass_rate' measures the smoke suite, which this stage does not run" in (
        error_of(path)
    )


def test_policy_fingerprint_covers_the_stage(default_config):
    data = default_config.model_dump()
    data["stages"]["staging"]["checks"].remove("min_tests")
    changed = type(default_config).model_validate(data)
    assert changed.policy_sha256("staging") != default_config.policy_sha256("staging")
    assert changed.policy_sha256("smoke") == default_config.policy_sha256("smoke")


def test_a_check_that_needs_a_capability_the_target_lacks_is_a_config_error(project_root, tmp_path):
    class CountersData(KindData):
        KIND = "counters"

    def no_measure(scope, files):
        return NoData("unused")

    counters = Kind(
        name="counters",
        description="counters read from /metrics",
        data_model=CountersData,
        metrics=(Metric("counters.moved", "count", "", no_measure, needs=frozenset({"metrics"})),),
    )
    text = (project_root / "releasegate.toml").read_text()
    text = text.replace('"metrics", "page"', '"page"').replace(
        'metric = "tests.executed"\nselect = {suite = "smoke"}', 'metric = "counters.moved"', 1
    )
    path = write(tmp_path, text)
    with registered(counters):
        message = error_of(path)
        assert (
            "stages.smoke.checks[1]: check 'smoke_min_tests' reads counters.moved, which needs "
            "the target's metrics capability, and target.capabilities does not list it" in message
        )
        load_config(write(tmp_path, text.replace('"page"', '"metrics", "page"')))
    assert registry.kind("counters") is None


def test_openapi_path_must_be_a_path(project_root, tmp_path):
    path = with_edit(
        project_root, tmp_path, 'openapi_path = "/openapi.json"', 'openapi_path = "openapi.json"'
    )
    assert "target.openapi_path: " in error_of(path)
