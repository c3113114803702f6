"""A submitted case says where the authority has it: its badge follows the authority's latest
status, and the case page shows the stages as a progress bar with the current one named in
words and marked for assistive technology (aria-current), not by colour alone."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

pytestmark = pytest.mark.browser

# the reader reads English, so the card leads with the organizers' English title
UNDER_REVIEW_CASE = "WeChat Pay freezes balances without reason"


@pytest.mark.parametrize(
    "viewport", [{"width": 1280, "height": 900}, {"width": 375, "height": 812}]
)
def test_a_case_under_review_says_so_on_its_badge_and_progress_bar(
    browser: Browser, live_server: str, viewport: dict
) -> None:
    page = browser.new_context(locale="en-US", viewport=viewport).new_page()
    page.goto(f"{live_server}/cases/?status=submitted")
    card = page.locator(".case-card").filter(has_text=UNDER_REVIEW_CASE)
    expect(card.locator(".badge")).to_have_text("Under review")
    with page.expect_navigation():
        card.get_by_role("link", name=UNDER_REVIEW_CASE).click()
    expect(page.locator(".case-header .badge")).to_have_text("Under review")

    stages = page.locator(".progress-card ol.stages > li")
    expect(stages).to_have_count(6)
    current = page.locator(".progress-card [aria-current=step]")
    expect(current).to_have_count(1)
    expect(current).to_contain_text("Under review")
    expect(current).to_contain_text("now")  # in words, not only in colour
    assert stages.nth(0).locator(".stage-mark").inner_text() == "✓"
    assert stages.nth(1).locator(".stage-mark").inner_text() == "✓"
    assert stages.nth(3).locator(".stage-mark").inner_text() == "○"
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    page.context.close()
