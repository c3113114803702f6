"""The upload form does what it says, and its counts read right in both languages.

A file uploads as soon as it is picked; words to hide typed afterwards are applied to it when
the button (which then says so) is pressed, never "choose at least one file" and never
silently dropped. A text file's preview has no black-out box editor. What was removed is
counted as each language counts ("1 e-mail address", "1 个邮箱地址") and speaks of the
contributor, not of "your name", since every member of the case reads it."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

pytestmark = pytest.mark.browser

STATEMENT = (
    "I paid the Wexford cleaner through the app on 3 October and the money never arrived.\n"
    "Support wrote to me from refunds-desk@example.com and then stopped answering.\n"
)


def test_words_typed_after_the_upload_are_applied_and_counted(
    browser: Browser, live_server: str, tmp_path: Path
) -> None:
    statement = tmp_path / "what-happened-to-me.txt"
    statement.write_text(STATEMENT, encoding="utf-8")
    page = browser.new_context(locale="en-US").new_page()
    page.goto(f"{live_server}/account/login")
    page.locator("#email").fill("member.en@example.org")
    page.locator("#password").fill("chorus-demo-2026")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    case = page.locator("main a[href^='/cases/']").first.get_attribute("href")
    page.goto(f"{live_server}{case}/evidence")

    # picked: uploaded at once; then a word to hide, then the button
    page.locator("#files").set_input_files(statement)
    row = page.locator(".upload-item").filter(has_text=statement.name)
    expect(row.locator("a")).to_be_visible(timeout=60_000)
    button = page.locator("#upload-form button[type=submit]")
    expect(button).to_have_text("Hide these words in the uploaded files")
    page.locator("#words").fill("Wexford")
    button.click()
    expect(row).to_contain_text("Scanning again with your words.")
    expect(page.locator(".field-error, .form-errors")).to_have_count(0)

    # the preview: the word is gone, counted, and no box editor for a text
    with page.expect_navigation():
        row.locator("a").click()
    expect(page.locator(".badge-preview")).to_be_visible(timeout=60_000)
    page.reload()
    expect(page.locator(".evidence-text")).not_to_contain_text("Wexford")
    expect(page.locator(".evidence-text")).not_to_contain_text("refunds-desk@example.com")
    expect(page.locator("#box-section, .box-editor")).to_have_count(0)
    removed = page.locator(".removed-list")
    expect(removed).to_contain_text("1 e-mail address")
    expect(removed).not_to_contain_text("1 e-mail addresses")
    expect(removed).to_contain_text("1 name or word the contributor chose")
    expect(removed).not_to_contain_text("your")

    # the same counts in Chinese, with their measure word
    with page.expect_navigation():
        page.locator(".language-switch button[value=zh]").click()
    expect(page.locator(".removed-list")).to_contain_text("1 个邮箱地址")
    page.context.close()
