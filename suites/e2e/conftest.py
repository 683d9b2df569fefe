"""Fixtures of the e2e journeys: the chat page opened in a fresh browser context, and the
escalation rules of the conversation policy."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from releasegate.chat.detectors import EscalationPolicy
from releasegate.chat.page import ChatPage
from releasegate.config import Config
from releasegate.errors import UserError
from releasegate.plugin.options import find_config, usage_errors


@pytest.fixture
def chat_page(page: Page, releasegate_config: Config, pytestconfig: pytest.Config) -> ChatPage:
    """The target's chat page, loaded, with every ``[target.page]`` selector checked."""
    target = releasegate_config.target
    driver = ChatPage(page, target.page, find_config(pytestconfig).name)
    try:
        driver.open(target.page_path)
    except UserError as exc:
        pytest.fail(f"releasegate: {exc}", pytrace=False)
    return driver


@pytest.fixture(scope="session")
def escalation(releasegate_config: Config) -> EscalationPolicy:
    with usage_errors():
        return releasegate_config.conversation_policy().escalation
