"""Chromium is chosen and launched the releasegate way, in our API and through pytest-playwright."""

from __future__ import annotations

import shutil

import pytest

from releasegate.browser import CHROMIUM_ARGS, ENV_VAR, chromium_executable, launch_options
from releasegate.errors import ConfigError


def test_a_configured_binary_wins_and_a_missing_one_is_named(monkeypatch, tmp_path):
    fake = tmp_path / "my-chromium"
    fake.write_text("#!/bin/sh\n")
    monkeypatch.setenv(ENV_VAR, "/nowhere/chromium")
    assert chromium_executable(str(fake)) == str(fake)
    missing = r"RELEASEGATE_CHROMIUM: no Chromium binary at '/nowhere/chromium'"
    with pytest.raises(ConfigError, match=missing):
        chromium_executable(None)
    with pytest.raises(ConfigError, match=r"\[browser\] executable: no Chromium binary at 'nope'"):
        chromium_executable("nope")


def test_without_configuration_debian_chromium_else_playwrights_own(monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)
    assert chromium_executable() == shutil.which("chromium")
    monkeypatch.setenv("PATH", "/nonexistent")
    options = launch_options()
    assert "executable_path" not in options  # Playwright's managed browser
    assert options["args"] == list(CHROMIUM_ARGS)


def test_pytest_playwright_launches_with_our_flags_and_keeps_its_own(pytester):
    pytester.makepyfile(
        """
        def test_page(page, browser_type_launch_args):
            page.set_content("<h1 id=h>hi</h1>")
            assert page.inner_text("#h") == "hi"
            print("ARGS", sorted(browser_type_launch_args["args"]))
            print("SLOWMO", browser_type_launch_args.get("slow_mo"))
        """
    )
    result = pytester.runpytest_subprocess("-s", "--slowmo", "1", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    output = result.stdout.str()
    assert f"ARGS {sorted(CHROMIUM_ARGS)}" in output
    assert "SLOWMO 1" in output
