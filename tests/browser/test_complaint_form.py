"""Filing a complaint as a newcomer meets it: nothing chosen for them, a count of what fits,
a question before a paste is cut short, and a question before the same complaint is filed
twice (the back button after saving)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Dialog, Page, expect

pytestmark = pytest.mark.browser

NARRATIVE = (
    "Venmo let a stranger pull 240 dollars from my balance on 2 November after a fake "
    "support call; Venmo refused to reverse the payment and closed my dispute in a day."
)


def _logged_in(browser: Browser, base: str) -> Page:
    page = browser.new_context(locale="en-US").new_page()
    page.goto(f"{base}/account/login")
    page.locator("#email").fill("member.en@example.org")
    page.locator("#password").fill("chorus-demo-2026")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    return page


def _fill(page: Page) -> None:
    page.locator("#company").fill("Venmo")
    page.locator("#category").select_option(index=1)
    page.locator("#incident_date").fill("2026-11-02")
    page.locator("#amount").fill("240")
    page.locator("#currency").select_option("USD")
    page.locator("#narrative").fill(NARRATIVE)


def _paste(page: Page, text: str) -> None:
    page.locator("#narrative").evaluate(
        """(area, text) => {
          const data = new DataTransfer();
          data.setData('text/plain', text);
          area.dispatchEvent(new ClipboardEvent('paste', {clipboardData: data, bubbles: true,
                                                          cancelable: true}));
        }""",
        text,
    )


def test_the_narrative_counts_and_asks_before_cutting_a_paste(
    browser: Browser, live_server: str
) -> None:
    page = _logged_in(browser, live_server)
    page.goto(f"{live_server}/complaints/new")
    expect(page.locator("#category")).to_have_value("")  # nothing chosen for the member
    page.locator("#narrative").fill("Twelve chars")
    expect(page.locator("#narrative-counter")).to_have_text("12 of 5000 characters")

    asked: list[str] = []

    def answer(dialog: Dialog) -> None:
        asked.append(dialog.message)
        dialog.dismiss() if len(asked) == 1 else dialog.accept()

    page.on("dialog", answer)
    page.locator("#narrative").fill("")
    _paste(page, "x" * 5100)
    assert re.search(r"100 characters longer than the 5000", asked[0]), asked
    expect(page.locator("#narrative")).to_have_value("")  # "no": nothing pasted
    _paste(page, "x" * 5100)
    expect(page.locator("#narrative")).to_have_value("x" * 5000)  # "yes": the part that fits
    expect(page.locator("#narrative-counter")).to_have_text("5000 of 5000 characters")
    page.context.close()


def test_filing_the_same_complaint_again_asks_first(browser: Browser, live_server: str) -> None:
    page = _logged_in(browser, live_server)
    page.goto(f"{live_server}/complaints/new")
    _fill(page)
    with page.expect_navigation():
        page.locator("form[action='/complaints/new'] button[type=submit]").click()
    first = page.url
    assert re.search(r"/complaints/[a-z0-9]+$", first)

    # the back button, and the form sent again: a question, not a second complaint
    page.goto(f"{live_server}/complaints/new")
    _fill(page)
    page.locator("#narrative").fill(NARRATIVE.replace("a day", "one day"))
    with page.expect_navigation():
        page.locator("form[action='/complaints/new'] button[type=submit]").click()
    question = page.locator("#nearly-identical")
    expect(question).to_contain_text("You already filed a nearly identical complaint")
    expect(question.locator("a")).to_have_attribute("href", first.removeprefix(live_server))
    # a different incident after all: filed on the second press
    with page.expect_navigation():
        page.get_by_role("button", name="File it as well").click()
    assert re.search(r"/complaints/[a-z0-9]+$", page.url)
    assert page.url != first
    page.context.close()


@pytest.mark.parametrize(
    ("email", "locale", "term"),
    [
        ("member.en@example.org", "en-US", "Reference number"),
        ("member@example.org", "zh-CN", "投诉编号"),
    ],
)
def test_the_owner_sees_the_complaints_reference_number(
    browser: Browser, live_server: str, email: str, locale: str, term: str
) -> None:
    page = browser.new_context(locale=locale).new_page()
    page.goto(f"{live_server}/account/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill("chorus-demo-2026")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    with page.expect_navigation():
        page.locator("main a[href^='/complaints/']:not([href$='/new'])").first.click()
    public_id = page.url.rsplit("/", 1)[1]
    facts = page.locator("dl.facts")
    expect(facts.locator("dt").first).to_have_text(term)
    expected = "-".join(public_id.upper()[i : i + 4] for i in range(0, 12, 4))
    expect(facts.locator("code.reference")).to_have_text(expected)
    page.context.close()
