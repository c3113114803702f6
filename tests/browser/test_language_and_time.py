"""What a newcomer's browser says about them is where the site starts: the language its
Accept-Language prefers, the time zone its clock is set to."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import Browser, expect

from tests.support.smtp import Inbox, link_in, wait_for_account_mail

pytestmark = pytest.mark.browser

PASSWORD = "a long newcomer password"


@pytest.mark.parametrize(
    ("locale", "language", "dashboard_heading"),
    [("en-US", "en", "Hello"), ("zh-CN", "zh", "您好")],
)
def test_a_browser_registers_in_its_own_language_and_stays_in_it(
    browser: Browser,
    live_server: str,
    live_mailbox: Inbox,
    locale: str,
    language: str,
    dashboard_heading: str,
) -> None:
    context = browser.new_context(locale=locale)
    page = context.new_page()
    page.goto(f"{live_server}/account/register")
    expect(page.locator(f"input[name=locale][value={language}]")).to_be_checked()

    email = f"newcomer-{uuid.uuid4().hex[:10]}@example.net"
    page.locator("#email").fill(email)
    page.locator("#display_name").fill("Nora Newcomer")
    page.locator("#password").fill(PASSWORD)
    page.locator("#confirm").fill(PASSWORD)
    with page.expect_navigation():
        page.locator("form[action='/account/register'] button[type=submit]").click()
    expect(page.locator("html")).to_have_attribute("lang", "en" if language == "en" else "zh-CN")

    wait_for_account_mail()
    (message,) = live_mailbox.to(email)
    page.goto(live_server + link_in(message, "/account/confirm/"))
    page.locator("#password").fill(PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("h1")).to_contain_text(dashboard_heading)
    expect(page.locator("html")).to_have_attribute("lang", "en" if language == "en" else "zh-CN")
    context.close()
