"""On a 375 px phone the header is one row, the brand and a menu that opens without any
script; on a desk the links stand in the row. Amounts never break inside themselves."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 812}
DESK = {"width": 1280, "height": 900}


@pytest.mark.parametrize("javascript", [True, False])
def test_the_phone_header_is_one_row_with_a_menu(
    browser: Browser, live_server: str, javascript: bool
) -> None:
    context = browser.new_context(locale="zh-CN", viewport=PHONE, java_script_enabled=javascript)
    page = context.new_page()
    page.goto(f"{live_server}/")
    header = page.locator(".site-header")
    brand, menu = page.locator(".brand"), page.locator(".site-menu > summary")
    expect(menu).to_be_visible()
    # one row: brand and menu side by side, the header no taller than one button and padding
    assert abs(brand.bounding_box()["y"] - menu.bounding_box()["y"]) < 20
    assert header.bounding_box()["height"] <= 64, header.bounding_box()
    cases = page.locator(".main-nav a[href='/cases/']")
    expect(cases).to_be_hidden()
    menu.click()
    expect(cases).to_be_visible()
    expect(page.locator(".language-switch button[value=en]")).to_be_visible()
    with page.expect_navigation():
        cases.click()
    expect(page).to_have_url(f"{live_server}/cases/")
    context.close()


def test_the_desk_header_shows_its_links_in_the_row(browser: Browser, live_server: str) -> None:
    page = browser.new_context(locale="en-US", viewport=DESK).new_page()
    page.goto(f"{live_server}/")
    expect(page.locator(".site-menu > summary")).to_be_hidden()
    expect(page.locator(".main-nav a[href='/cases/']")).to_be_visible()
    expect(page.locator(".language-switch button[value=zh]")).to_be_visible()
    assert page.locator(".site-header").bounding_box()["height"] <= 70
    page.context.close()


def test_amounts_never_break_inside_on_a_phone(browser: Browser, live_server: str) -> None:
    context = browser.new_context(locale="zh-CN", viewport=PHONE)
    member = context.new_page()
    member.goto(f"{live_server}/account/login")
    member.locator("#email").fill("member@example.org")
    member.locator("#password").fill("chorus-demo-2026")
    with member.expect_navigation():
        member.keyboard.press("Enter")
    for target in ("main a[href^='/complaints/']:not([href$='/new'])", "main a[href^='/cases/']"):
        member.goto(f"{live_server}/me/")
        with member.expect_navigation():
            member.locator(target).first.click()
        amounts = member.locator(".amount")
        assert amounts.count() > 0, member.url
        lines = amounts.evaluate_all("els => els.map(e => e.getClientRects().length)")
        assert set(lines) == {1}, (member.url, lines)
    context.close()
