"""The layout holds: who may import what, and where each thing is declared."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from releasegate.evidence import registry

PACKAGE = Path(__file__).resolve().parents[2] / "releasegate"


def imports_of(path: Path) -> list[tuple[int, str]]:
    """Every module a file imports, at any depth (function-level imports count too)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            found.append((node.lineno, node.module or ""))
    return found


def offenders(folder: str, forbidden: set[str]) -> list[str]:
    """Imports of a forbidden top-level module (or package prefix) below a folder."""
    found = []
    for path in sorted((PACKAGE / folder).rglob("*.py")):
        for line, module in imports_of(path):
            if any(module == f or module.startswith(f + ".") for f in forbidden):
                found.append(f"{path.relative_to(PACKAGE.parent)}:{line} imports {module}")
    return found


def test_releasegate_never_imports_taxbot():
    """The harness treats taxbot like any user's app: it starts it as a command."""
    assert offenders(".", {"taxbot"}) == []


@pytest.mark.parametrize("folder", ["gate", "report"])
def test_gate_and_reports_import_neither_pytest_nor_an_http_client(folder):
    assert offenders(folder, {"pytest", "_pytest", "httpx", "requests", "urllib3"}) == []


def test_only_the_load_package_imports_locust():
    found = offenders(".", {"locust", "locust_plugins"})
    assert [f for f in found if not f.startswith("releasegate/load/")] == []


def test_the_kind_registry_is_a_leaf():
    """Config, gate and reports import the registry; it imports none of them."""
    above = {
        f"releasegate.{name}"
        for name in ("config", "gate", "report", "plugin", "cli", "runner", "target", "chat")
    }
    found = offenders("evidence/kinds", above)
    found += [
        f"releasegate/evidence/registry.py:{line} imports {module}"
        for line, module in imports_of(PACKAGE / "evidence" / "registry.py")
        if any(module == a or module.startswith(a + ".") for a in above)
    ]
    assert found == []


def test_each_metric_name_is_written_once_in_the_package():
    """A metric is declared by its kind and nowhere else (config, gate and reports ask the
    registry)."""
    sources = {p: p.read_text() for p in PACKAGE.rglob("*.py")}
    for name in registry.metrics():
        places = [
            str(p.relative_to(PACKAGE.parent))
            for p, text in sources.items()
            for _ in range(text.count(f'"{name}"'))
        ]
        assert len(places) == 1, f"{name} is written in {places}"


def test_every_kind_module_registers_exactly_its_kind():
    modules = sorted(
        p.stem for p in (PACKAGE / "evidence" / "kinds").glob("*.py") if not p.stem.startswith("_")
    )
    assert sorted(registry.kinds()) == modules
    for kind in registry.kinds().values():
        assert kind.name == kind.data_model.KIND
        assert all(m.kind == kind.name for m in kind.metrics)


def test_a_kind_that_contradicts_itself_fails_at_registration():
    tests = registry.kind("tests")
    assert tests is not None
    assert registry.register(tests) is tests  # its module imported again: the same kind

    class Impostor(registry.KindData):
        KIND = "tests"

    with pytest.raises(registry.KindDeclarationError, match="is registered twice"):
        registry.register(registry.Kind("tests", "", Impostor, metrics=()))
    with pytest.raises(registry.KindDeclarationError, match=r"TestsData\.KIND must be 'other'"):
        registry.register(registry.Kind("other", "", tests.data_model, metrics=(), records=None))


def test_a_pytest_session_that_uses_no_releasegate_fixture_imports_nothing_heavy(
    pytester: pytest.Pytester,
):
    """pytest loads the plugin in every session wherever releasegate is installed: a project
    that does not use it must not pay for pydantic, HTTP clients or the config."""
    heavy = ["pydantic", "httpx", "requests", "yaml", "jsonpath_ng", "releasegate.config"]
    pytester.makeconftest(
        f"""
        import json, sys

        def pytest_sessionfinish():
            loaded = [m for m in {heavy!r} if m in sys.modules]
            print("LOADED=" + json.dumps(loaded))
        """
    )
    pytester.makepyfile(test_plain="def test_plain():\n    assert True\n")
    # schemathesis' own pytest plugin imports requests in every session; that cost is theirs.
    result = pytester.runpytest_subprocess("-s", "-p", "no:cacheprovider", "-p", "no:schemathesis")
    result.assert_outcomes(passed=1)
    assert "releasegate-" in result.stdout.str()  # the plugin was loaded
    (line,) = [x for x in result.stdout.lines if "LOADED=" in x]
    assert json.loads(line.split("LOADED=", 1)[1]) == []


def test_every_metric_is_documented_in_the_policy_reference():
    reference = (PACKAGE.parent / "docs" / "policy.md").read_text()
    assert [m for m in registry.metrics() if f"| `{m}` |" not in reference] == []


def test_the_wheel_lists_every_package_and_suite_folder():
    """pyproject.toml names packages one by one (suites/ installs as releasegate.suites): a
    new folder missing there would be missing from every installed copy."""
    import tomllib

    root = PACKAGE.parent
    listed = set(
        tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    )
    found = {
        ".".join(p.relative_to(root).parts)
        for base in (PACKAGE, root / "taxbot")
        for p in [base, *base.rglob("*")]
        if p.is_dir() and (p / "__init__.py").is_file()
    }
    found |= {
        "releasegate.suites" + "".join(f".{part}" for part in p.relative_to(root / "suites").parts)
        for p in [root / "suites", *(root / "suites").rglob("*")]
        if p.is_dir() and any(p.glob("*.py"))
    }
    assert listed == found
