"""Conversation scripts: a bad file is one line naming file, turn and key; includes, templates
and variants expand into readable cases without a cartesian blow-up."""

from __future__ import annotations

from pathlib import Path

import pytest

from releasegate.chat.scripts import ConversationError, discover, expand, load_scripts

GOOD = """
id: LQ-001
vars: {email: dana@example.com}
turns:
  - user: "Can I appeal?"
    variants: ["can i protest", "How do I appeal?"]
    expect: {topics: [tax_info], contains_any: [appeal]}
  - include: partials/contact.yaml
  - user: "Thanks"
    variants: ["thank you"]
end:
  expect: {captured: {ref: '^[A-Z]{2}-\\d{6}$'}}
  requests:
    - {path: "/api/leads/{{ ref }}", json: {"$.stage": qualified}}
  outcome: qualified
"""
CONTACT = """
- user: "I'm Dana, {{ email }}"
  capture: {ref: {regex: 'reference ([A-Z]{2}-\\d{6})'}}
"""


def folder_with(tmp_path: Path, **files: str) -> Path:
    for name, text in files.items():
        path = tmp_path / name.replace("__", "/")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


def error(tmp_path: Path, **files: str) -> str:
    with pytest.raises(ConversationError) as info:
        load_scripts(folder_with(tmp_path, **files))
    assert "\n" not in str(info.value)
    return str(info.value)


def test_a_script_with_an_include_loads_and_expands_each_variant_once(tmp_path):
    (script,) = load_scripts(
        folder_with(tmp_path, **{"lq.yaml": GOOD, "partials__contact.yaml": CONTACT})
    )
    assert [t.user for t in script.turns] == ["Can I appeal?", "I'm Dana, {{ email }}", "Thanks"]
    cases = expand(script)
    assert [c.id for c in cases] == ["LQ-001", "LQ-001[t1v1]", "LQ-001[t1v2]", "LQ-001[t3v1]"]
    assert cases[2].messages == ("How do I appeal?", "I'm Dana, {{ email }}", "Thanks")


def test_every_combination_is_capped_and_repeats_are_numbered(tmp_path):
    text = GOOD.replace("id: LQ-001", "id: LQ-001\nvariants: all\nrepeat: 2")
    (script,) = load_scripts(
        folder_with(tmp_path, **{"lq.yaml": text, "partials__contact.yaml": CONTACT})
    )
    ids = [c.id for c in expand(script)]
    assert len(ids) == 3 * 2 * 2  # (1 + 2 variants) x (1 + 1 variant) x 2 repeats
    assert ids[:3] == ["LQ-001#1", "LQ-001#2", "LQ-001[t3v1]#1"]
    assert "LQ-001[t1v2t3v1]#2" in ids


def test_policy_and_partials_are_not_conversations(tmp_path):
    folder = folder_with(
        tmp_path, **{"policy.yaml": "disclaimers: []", "a.yaml": GOOD, "partials__x.yaml": "[]"}
    )
    assert [p.name for p in discover(folder)] == ["a.yaml"]


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (
            ("contains_any", "contians_any"),
            "lq.yaml: turns[0].expect.contians_any: unknown key (did you mean 'contains_any'?)",
        ),
        (
            ('user: "Thanks"', 'usr: "Thanks"'),
            "lq.yaml: turns[2].user: required key is missing; turns[2].usr: unknown key "
            "(did you mean 'user'?)",
        ),
        (("topics: [tax_info]", "topics: [tax]"), "lq.yaml: turns[0].expect.topics[0]: input"),
        (("id: LQ-001", "id: 'LQ 001'"), "lq.yaml: id: string should match pattern"),
        (("{{ ref }}", "{{ reff }}"), "end.requests[0].path: {{ reff }} is not a var or capture"),
        (
            ("{topics: [tax_info], contains_any: [appeal]}", "{regex: '(unclosed'}"),
            "lq.yaml: turns[0].expect.regex: not a regular expression",
        ),
    ],
)
def test_a_bad_script_names_the_file_the_turn_and_the_key(tmp_path, edit, expected):
    old, new = edit
    assert old in GOOD
    message = error(
        tmp_path, **{"lq.yaml": GOOD.replace(old, new), "partials__contact.yaml": CONTACT}
    )
    assert expected in message


def test_a_template_that_names_nothing_known_is_an_error(tmp_path):
    message = error(
        tmp_path,
        **{"lq.yaml": GOOD, "partials__contact.yaml": CONTACT.replace("{{ email }}", "{{ mail }}")},
    )
    assert "lq.yaml: turns[1].user: {{ mail }} is neither in vars nor captured" in message


def test_a_missing_include_and_a_duplicate_id_are_named(tmp_path):
    assert "lq.yaml: turns[1].include partials/contact.yaml: no such file" in error(
        tmp_path, **{"lq.yaml": GOOD}
    )
    again = folder_with(
        tmp_path / "two",
        **{"a.yaml": GOOD, "b.yaml": GOOD, "partials__contact.yaml": CONTACT},
    )
    with pytest.raises(ConversationError, match=r"b\.yaml: id 'LQ-001' is also the id of a\.yaml"):
        load_scripts(again)
