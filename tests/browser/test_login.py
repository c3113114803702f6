"""Logging in through the real page in Chromium, in both languages."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    ("locale", "email", "heading", "error"),
    [
        ("zh-CN", "member@example.org", "您好", "电子邮箱或密码不正确"),
        (
            "en-US",
            "member.en@example.org",
            "Hello",
            "The e-mail address or the password is not correct.",
        ),
    ],
)
def test_member_logs_in_through_the_login_page(
    browser: Browser, live_server: str, locale: str, email: str, heading: str, error: str
) -> None:
    context = browser.new_context(locale=locale, viewport={"width": 375, "height": 740})
    page = context.new_page()
    page.goto(f"{live_server}/account/login")

    page.get_by_label("E-mail" if locale == "en-US" else "电子邮箱").fill(email)
    page.locator("#password").fill("wrong password")
    page.locator("form[action='/account/login'] button[type=submit]").click()
    expect(page.locator(".form-errors")).to_contain_text(error)

    page.locator("#password").fill("chorus-demo-2026")
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server}/me/")
    expect(page.locator("h1")).to_contain_text(heading)
    # the page fits a phone screen: nothing wider than the viewport, measured once its
    # stylesheet applies (the URL changes before the new page has loaded)
    page.wait_for_load_state("load")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    context.close()


def test_logging_out_ends_a_kept_login_and_the_cookies_copied_before(
    browser: Browser, live_server: str
) -> None:
    """With "keep me logged in" ticked, then "Log out": the browser, and another one holding the
    cookies copied before the logout, both meet the login page."""
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    page.goto(f"{live_server}/account/login")
    page.get_by_label("E-mail").fill("organizer@example.org")
    page.locator("#password").fill("chorus-demo-2026")
    page.get_by_label("Keep me logged in on this device").check()
    page.locator("form[action='/account/login'] button[type=submit]").click()
    expect(page).to_have_url(f"{live_server}/me/")
    copied = context.cookies()
    assert {"session", "remember_token"} <= {cookie["name"] for cookie in copied}

    page.locator("form[action='/account/logout'] button").click()
    expect(page).to_have_url(f"{live_server}/")
    assert "remember_token" not in {cookie["name"] for cookie in context.cookies()}
    page.goto(f"{live_server}/me/")
    expect(page).to_have_url(re.compile(r"/account/login\?next="))

    thief = browser.new_context(locale="en-US")
    thief.add_cookies(copied)
    stolen = thief.new_page()
    stolen.goto(f"{live_server}/me/")
    expect(stolen).to_have_url(re.compile(r"/account/login\?next="))
    thief.close()
    context.close()
