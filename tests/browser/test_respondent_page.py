"""The company's respondent in Chromium: the first login sets up the second step, the case is
read under pseudonyms, a bad refund amount is explained next to its field and nothing is sent,
a good one is; in Chinese and English, on a phone and at a desk, without a serious
accessibility violation or a word left in the other language."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.checks import overflowing, serious_accessibility_violations, untranslated
from tests.browser.two_step import pass_second_step

pytestmark = pytest.mark.browser

EMAIL = "respondent.paypal@example.org"
PAYPAL_CASE = "PayPal"


def _check(page: Page, language: str, where: str) -> None:
    assert serious_accessibility_violations(page) == [], where
    assert overflowing(page) == [] or page.viewport_size["width"] > 400, where
    # what people wrote (the company's answer, the joint complaint) stays as it was written
    page.evaluate(
        "() => document.querySelectorAll('#company-answer, article.petition')"
        ".forEach(el => el.remove())"
    )
    left = untranslated(page, language)
    assert left == [], (where, left[:40])
    page.reload()


def _log_in(browser: Browser, live_server: str, locale: str, width: int) -> Page:
    context = browser.new_context(locale=locale, viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(f"{live_server}/account/login")
    page.locator("#email").fill(EMAIL)
    page.locator("#password").fill("chorus-demo-2026")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    if pass_second_step(page, EMAIL) and not page.url.endswith("/company/"):
        page.goto(f"{live_server}/company/")  # after setting up the second step
    expect(page).to_have_url(f"{live_server}/company/")
    return page


def test_the_respondent_reads_the_case_and_offers_a_refund(
    browser: Browser, live_server: str
) -> None:
    page = _log_in(browser, live_server, "en-US", 375)  # a phone
    _check(page, "en", "case list")
    page.get_by_role("link", name=PAYPAL_CASE).first.click()
    expect(page.locator("#company-answer")).to_contain_text("Response from PayPal")
    _check(page, "en", "case page")
    rows = page.locator("table.data-table tbody tr")
    free = rows.filter(has=page.locator("form"))
    assert free.count() >= 1, "every member already has an offer"
    first = free.first
    member = first.locator("th").inner_text()
    assert member.startswith("Member ")
    first.locator("input[name=amount]").fill("abc")
    with page.expect_navigation():
        first.get_by_role("button").click()
    error = page.locator(".field-error").first
    expect(error).to_contain_text("Enter an amount more than 0")
    row = page.locator("table.data-table tbody tr").filter(has_text=member)
    expect(row.locator("input[aria-invalid=true]")).to_have_value("abc")
    expect(row.locator("form")).to_have_count(1)  # nothing was sent
    row.locator("input[name=amount]").fill("88.50")
    with page.expect_navigation():
        row.get_by_role("button").click()
    row = page.locator("table.data-table tbody tr").filter(has_text=member)
    expect(row).to_contain_text("Waiting for the member's answer")
    expect(row.locator("form")).to_have_count(0)

    desk = _log_in(browser, live_server, "zh-CN", 1280)
    desk.get_by_role("link", name=PAYPAL_CASE).first.click()
    with desk.expect_navigation():
        desk.locator("form.language-switch button[value=zh]").click()
    expect(desk.locator("h2#members-title")).to_have_text("成员与提议")
    expect(desk.locator("table.data-table")).to_contain_text("等待成员答复")
    _check(desk, "zh", "case page in Chinese")
