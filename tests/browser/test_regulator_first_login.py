"""A regulator's first login: two-step verification is set up before anything else, and then
the regulator is where their work is, the inbox, not the account page."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from tests.browser import two_step

pytestmark = pytest.mark.browser

EMAIL = "regulator.pboc@example.org"  # no other browser test logs this regulator in


def test_a_regulator_lands_in_the_inbox_after_setting_up_two_step(
    browser: Browser, live_server: str
) -> None:
    page = browser.new_context(locale="zh-CN").new_page()
    page.goto(f"{live_server}/account/login")
    page.locator("#email").fill(EMAIL)
    page.locator("#password").fill("chorus-demo-2026")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server}/account/two-step/setup")
    assert two_step.pass_second_step(page, EMAIL)  # code, recovery codes, "I have saved them"
    expect(page).to_have_url(f"{live_server}/regulator/")
    expect(page.locator("h1")).to_be_visible()
    page.context.close()
