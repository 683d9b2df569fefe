"""The recipes in docs/ parse: a CI file copied from them must at least be valid YAML, and the
config snippets valid TOML."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
import yaml

DOCS = Path(__file__).resolve().parent.parent.parent / "docs"


def blocks(name: str, language: str) -> list[str]:
    text = (DOCS / name).read_text()
    return re.findall(rf"```{language}\n(.*?)```", text, flags=re.DOTALL)


@pytest.mark.parametrize("doc", ["ci.md"])
def test_yaml_recipes_parse(doc):
    found = blocks(doc, "yaml")
    assert len(found) >= 2
    for block in found:
        assert isinstance(yaml.safe_load(block), dict)


@pytest.mark.parametrize("doc", ["ci.md", "policy.md"])
def test_toml_snippets_parse(doc):
    for block in blocks(doc, "toml"):
        tomllib.loads(block)
