"""[target.page], [target.leads] and the feedback counter: defaults are taxbot's, and a mistake
is one line naming the key."""

from __future__ import annotations

from pathlib import Path
from typing import get_args

import pytest

from releasegate.chat.page import PageSelectors, SelectorKey
from releasegate.config import load_config
from releasegate.errors import ConfigError


def config_with(project_root: Path, tmp_path: Path, table: str) -> Path:
    """The shipped config with ``table`` added (a new table, or lines of an existing one)."""
    text = (project_root / "releasegate.toml").read_text()
    header = table.split("\n", 1)[0] + "\n"
    anchor = header if header in text else "[target.chat]\n"
    assert anchor in text
    edited = text.replace(anchor, f"{table}\n" + ("" if anchor == header else f"\n{anchor}"), 1)
    path = tmp_path / "releasegate.toml"
    path.write_text(edited)
    return path


def error_of(path: Path) -> str:
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert "\n" not in str(info.value)
    return str(info.value)


def test_every_selector_key_is_a_field():
    assert set(get_args(SelectorKey)) == set(PageSelectors.model_fields) - {"timeout_s"}


def test_defaults_are_taxbots_test_ids(default_config):
    page = default_config.target.page
    assert page.input == "testid=chat-input"
    assert page.error == "testid=chat-error"
    assert default_config.target.leads.path == "/api/leads/{reference}"
    assert default_config.target.feedback.counter == "taxbot_feedback_total"
    assert "leads" in default_config.target.capabilities


def test_selectors_of_another_page_load(project_root, tmp_path):
    path = config_with(
        project_root, tmp_path, '[target.page]\ninput = "#say"\nerror = "css=[role=alert]"'
    )
    page = load_config(path).target.page
    assert (page.input, page.error, page.send) == ("#say", "css=[role=alert]", "testid=send-button")


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ('[target.page]\ninput = "  "', "target.page.input: a selector must be one"),
        ('[target.page]\nerror = "testid="', "target.page.error: testid= needs a"),
        ("[target.page]\ntimeout_s = 0", "target.page.timeout_s: "),
        ('[target.page]\ninptu = "#say"', "target.page.inptu: unknown key (did you mean 'input'?)"),
        (
            '[target.leads]\npath = "/api/leads"',
            "target.leads.path: must start with '/' and contain {reference} once",
        ),
        (
            "[target.leads]\nreference = 'PT-\\d+'",
            "target.leads.reference: needs exactly one (group) around the reference",
        ),
        ("[target.leads]\nreference = '(PT'", "target.leads.reference: not a regular"),
        ("[target.leads]\nmessages = []", "target.leads.messages: "),
        (
            '[target.feedback]\ncounter = "feedback-total"',
            "target.feedback.counter: not a Prometheus metric name: 'feedback-total'",
        ),
    ],
)
def test_mistakes_name_the_key(project_root, tmp_path, table, expected):
    message = error_of(config_with(project_root, tmp_path, table))
    assert expected in message


def test_an_empty_counter_means_ratings_are_not_counted(project_root, tmp_path):
    path = config_with(project_root, tmp_path, '[target.feedback]\ncounter = ""')
    assert load_config(path).target.feedback.counter == ""
