"""Upload a wallet statement, untick a row, confirm: what a member sees at each step.

The PayPal activity fixture (invented rows in PayPal's layout) is uploaded by the demo's
English member on their case; the table lists the two payments to the shop and its refund,
the member unticks one payment and confirms, and the confirmed table shows the new total,
the comparison with the complaint's amount, and reads in Chinese too.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.support import statements as samples

pytestmark = pytest.mark.browser


def test_upload_check_and_confirm_a_loss_table(
    browser: Browser, live_server: str, tmp_path: Path
) -> None:
    statement = tmp_path / "Download.CSV"
    statement.write_bytes(samples.paypal_csv(bom=True))
    page = browser.new_context(locale="en-US").new_page()
    page.goto(f"{live_server}/account/login")
    page.locator("#email").fill("member.en@example.org")
    page.locator("#password").fill("chorus-demo-2026")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    case = page.locator("main a[href^='/cases/']").first.get_attribute("href")
    page.goto(f"{live_server}{case}/evidence")
    with page.expect_navigation():
        page.get_by_role("link", name="Prove your loss with your wallet's own record").click()

    page.locator("#statement").set_input_files(statement)
    page.locator("#counterparty").fill("Sunny Gadgets")
    page.locator("#window_start").fill("2026-10-01")
    page.locator("#window_end").fill("2026-10-31")
    with page.expect_navigation():
        page.get_by_role("button", name="Read the statement").click()

    table = page.locator("#loss-table")
    expect(table.locator("tbody tr")).to_have_count(3)  # two payments and the refund
    expect(table).not_to_contain_text("Book Corner")
    expect(page.locator("#loss-total")).to_have_text("$164.99")
    page.get_by_label("Claim the row of 2026-10-03 03:46").uncheck()
    page.get_by_label("This is a statement of my own account.").check()  # PayPal names nobody
    with page.expect_navigation():
        page.get_by_role("button", name="Confirm the ticked rows").click()

    expect(page.locator(".flash-success")).to_contain_text("confirmed")
    expect(table.locator("tbody tr")).to_have_count(2)
    expect(page.locator("#loss-total")).to_have_text("$15.00")
    expect(table).to_contain_text("[PHONE]")  # the note's phone number, redacted
    expect(page.locator("#claim-mismatch")).to_contain_text("$15.00")
    expect(page.locator("#holder")).to_contain_text("you stated that it is of your own account")

    with page.expect_navigation():
        page.locator(".language-switch button[value=zh]").click()
    expect(page.locator("h1")).to_have_text("损失明细")
    expect(page.locator("#claim-mismatch")).to_contain_text("这份明细合计为")
    # the switch is kept on the shared demo account: give it back its language
    with page.expect_navigation():
        page.locator(".language-switch button[value=en]").click()
    expect(page.locator("h1")).to_have_text("Loss table")
    page.context.close()
