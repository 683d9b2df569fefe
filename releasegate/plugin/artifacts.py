"""The screenshot and trace pytest-playwright keeps for a failed browser test, attached to the
test in Allure's results when allure-pytest writes them (``--alluredir``).

pytest-playwright moves its artifacts into ``--output`` while it builds the teardown report and
lists them there as ``playwright_screenshot`` / ``playwright_trace`` user properties; this hook
wraps that report, so it reads them once they exist (the test is still open in Allure then).
"""

from __future__ import annotations

from collections.abc import Generator
from pathlib import Path

import pytest
from allure_commons.types import AttachmentType

# pytest-playwright's user property -> its name in Allure and its attachment type
KINDS = {
    "playwright_screenshot": ("screenshot on failure", AttachmentType.PNG),
    "playwright_trace": ("Playwright trace (open with: playwright show-trace)", AttachmentType.ZIP),
}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item) -> Generator[None, pytest.TestReport, None]:
    outcome = yield
    report = outcome.get_result()
    if report.when != "teardown":
        return
    kept = [(name, str(value)) for name, value in report.user_properties if name in KINDS]
    if not kept:
        return
    import allure

    for name, path in kept:
        title, kind = KINDS[name]
        source = Path(item.config.invocation_params.dir, path)
        attach = allure.attach.file
        attach(str(source), name=title, attachment_type=kind)  # type: ignore[no-untyped-call]
