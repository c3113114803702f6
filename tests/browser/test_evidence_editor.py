"""Contributing a screenshot in Chromium: drop it, watch it being anonymized, fix the boxes.

Runs against the live server with jobs on its thread pool, so the upload progress, the job
progress and the reload when the job ends are the real ones.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

pytestmark = pytest.mark.browser

SCREENSHOT = Path(__file__).parents[1] / "data" / "evidence" / "screenshot_zh.png"


def _log_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/account/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill("chorus-demo-2026")
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{base}/me/")


def _boxes(page: Page) -> dict[str, list[dict[str, int]]]:
    return json.loads(page.locator(".box-form input[name=boxes]").input_value())


def _organizers_case_evidence_link(page: Page, base: str) -> Locator:
    """Log the demo organizer in, in English, on their case; its link to the evidence pool."""
    _log_in(page, base, "organizer@example.org")
    # the stylesheet decides whether the header folds into a menu (on a phone): wait for it
    # before asking, or the unstyled page shows a menu button that is gone a moment later
    page.wait_for_load_state("load")
    menu = page.locator(".site-menu > summary")
    if menu.is_visible():
        menu.click()
    page.get_by_role("button", name="English").click()  # the demo organizer reads Chinese
    page.get_by_role("link", name="Meituan Pay charges twice").first.click()  # English title
    return page.locator("nav.subnav").get_by_role("link", name="Evidence")


def test_member_uploads_a_screenshot_adjusts_the_boxes_and_pools_it(
    browser: Browser, live_server: str
) -> None:
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    evidence = _organizers_case_evidence_link(page, live_server)
    evidence.click()
    expect(page.locator("h1")).to_have_text("Evidence")

    page.locator("#files").set_input_files(SCREENSHOT)
    item = page.locator(".upload-item")
    expect(item.locator(".upload-name")).to_have_text("screenshot_zh.png")
    check = item.get_by_role("link", name="Check and confirm")
    expect(check).to_be_visible(timeout=30_000)
    check.click()

    expect(page.locator(".badge")).to_have_text("Waiting for your check")
    boxes = page.locator(".box-editor .box")
    expect(boxes.first).to_be_visible()
    proposed = _boxes(page)["0"]
    assert len(proposed) >= 2  # the phone number and the ID number
    assert boxes.count() == len(proposed)

    # move the first box 40 screen pixels right with the mouse
    boxes.first.scroll_into_view_if_needed()
    first = boxes.first.bounding_box()
    assert first is not None
    page.mouse.move(first["x"] + first["width"] / 2, first["y"] + first["height"] / 2)
    page.mouse.down()
    page.mouse.move(first["x"] + first["width"] / 2 + 40, first["y"] + first["height"] / 2, steps=5)
    page.mouse.up()
    assert _state_after_submit(page)["0"][0]["left"] > proposed[0]["left"]

    # add one box with the button, then remove the second proposed one from the keyboard
    page.get_by_role("button", name="Add a box").click()
    expect(boxes).to_have_count(len(proposed) + 1)
    boxes.nth(1).focus()
    page.keyboard.press("Delete")
    expect(boxes).to_have_count(len(proposed))

    page.get_by_role("button", name="Apply the boxes").click()
    expect(page.locator(".badge")).to_have_text("Waiting for your check", timeout=30_000)
    applied = _boxes(page)["0"]
    assert len(applied) == len(proposed)
    assert applied[0]["left"] > proposed[0]["left"]
    assert proposed[1] not in applied
    expect(page.locator(".removed-list")).to_contain_text("areas blacked out")

    page.get_by_role("button", name="Add to the pool").click()
    expect(page.locator(".flash-success")).to_contain_text("original file has been deleted")
    expect(page.locator(".evidence-card img.thumb").first).to_be_visible()
    context.close()


def _state_after_submit(page: Page) -> dict[str, list[dict[str, int]]]:
    """The editor's boxes as they would be submitted (the form serializes them on submit)."""
    return page.evaluate(
        """() => {
          const form = document.querySelector('.box-form');
          form.dispatchEvent(new Event('submit', {cancelable: true}));
          return JSON.parse(form.querySelector('input[name=boxes]').value);
        }"""
    )


def test_a_file_picked_while_the_page_still_loads_is_uploaded_once_it_has(
    browser: Browser, live_server: str
) -> None:
    context = browser.new_context(locale="en-US", viewport={"width": 375, "height": 812})
    page = context.new_page()
    evidence_url = _organizers_case_evidence_link(page, live_server).get_attribute("href")
    held = []  # the upload script, held back as on a slow line
    page.route("**/js/upload.js", lambda route: held.append(route))
    page.goto(f"{live_server}{evidence_url}", wait_until="commit")
    notes = {"name": "notes.txt", "mimeType": "text/plain", "buffer": "客服一直不回复。".encode()}
    page.locator("#files").set_input_files(files=[notes])
    expect(page.locator(".upload-item")).to_have_count(0)  # nothing can send it yet
    assert len(held) == 1
    held[0].continue_()
    item = page.locator(".upload-item")
    expect(item.locator(".upload-name")).to_have_text("notes.txt")
    expect(item.get_by_role("link", name="Check and confirm")).to_be_visible(timeout=30_000)
    context.close()
