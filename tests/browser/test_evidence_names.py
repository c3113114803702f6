"""A name printed on a screenshot, proposed in Chromium: the contributor hides it, the page
follows the rescan by itself, the name ends under a black box, and the choice is still there
after a reload. Against the live server with jobs on its thread pool, as in
test_evidence_editor.py."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.test_evidence_editor import SCREENSHOT, _organizers_case_evidence_link

pytestmark = pytest.mark.browser


def _box_count(page: Page) -> int:
    boxes = json.loads(page.locator(".box-form input[name=boxes]").input_value())
    return len(boxes["0"])


def test_member_hides_a_proposed_name_and_the_choice_stays(
    browser: Browser, live_server: str
) -> None:
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    _organizers_case_evidence_link(page, live_server).click()
    page.locator("#files").set_input_files(SCREENSHOT)
    check = page.locator(".upload-item").get_by_role("link", name="Check and confirm")
    expect(check).to_be_visible(timeout=30_000)
    check.click()
    expect(page.locator(".badge")).to_have_text("Waiting for your check")

    names = page.locator("#names")
    row = names.locator(".name-suggestion", has_text="张伟明")  # the screenshot's 姓名 row
    expect(row.locator(".name-state")).to_have_text("Proposed")
    before = _box_count(page)

    with page.expect_navigation():  # to the rescan, which the page follows by itself
        row.get_by_role("button", name="Hide 张伟明").click()
    row = page.locator("#names .name-suggestion", has_text="张伟明")
    # the badge read before the rescan is over would pass at once: wait for the new state
    expect(row.locator(".name-state")).to_have_text("Hidden", timeout=60_000)
    expect(page.locator(".badge")).to_have_text("Waiting for your check")
    assert _box_count(page) == before + 1

    page.reload()
    row = page.locator("#names .name-suggestion", has_text="张伟明")
    expect(row.locator(".name-state")).to_have_text("Hidden")
    expect(row.get_by_role("button", name="Keep visible: 张伟明")).to_be_visible()
    context.close()
