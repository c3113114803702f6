"""What a newcomer's browser says about them is where the site starts: the language its
Accept-Language prefers, the time zone its clock is set to."""

from __future__ import annotations

import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_datetime
from playwright.sync_api import Browser, Page, expect

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


def _expected(instant: str, zone: str, locale: str) -> str:
    """How a UTC instant reads in ``zone``: Babel's short format, then the zone's offset."""
    moment = datetime.fromisoformat(instant).astimezone(ZoneInfo(zone))
    text = format_datetime(moment, "short", tzinfo=ZoneInfo(zone), locale=locale)
    return f"{text} {format_datetime(moment, 'ZZZZ', tzinfo=ZoneInfo(zone), locale=locale)}"


def _timeline_times(page: Page) -> list[tuple[str, str]]:
    """(UTC instant, text shown) of each timed entry of a case's timeline."""
    return page.locator(".timeline time[datetime*='T']").evaluate_all(
        "times => times.map(t => [t.getAttribute('datetime'), t.textContent.trim()])"
    )


def _largest_case(page: Page, base: str) -> str:
    page.goto(f"{base}/cases/?sort=size")
    return page.locator("a[href^='/cases/']").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))"
        ".filter(h => /^\\/cases\\/[a-z0-9]+$/.test(h))[0]"
    )


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "America/New_York"])
def test_a_visitor_reads_the_timeline_in_the_browsers_time_zone(
    browser: Browser, live_server: str, zone: str
) -> None:
    finder = browser.new_context()
    case = _largest_case(finder.new_page(), live_server)
    finder.close()
    context = browser.new_context(locale="zh-CN", timezone_id=zone)
    page = context.new_page()
    # the very first page: the server cannot know the zone yet, so it shows itself again
    page.goto(f"{live_server}{case}")
    page.wait_for_function(
        "() => performance.getEntriesByType('navigation')[0].type === 'reload'"
        " && document.readyState === 'complete'"
    )
    shown = _timeline_times(page)
    assert shown, "the demo case has a timeline with times"
    for instant, text in shown:
        assert instant.endswith("+00:00"), instant  # machines read UTC
        assert text == _expected(instant, zone, "zh_CN"), (instant, text)
    if zone == "Asia/Shanghai":
        assert shown[0][1].endswith("GMT+08:00")
    context.close()


def test_an_account_keeps_the_zone_it_chose(browser: Browser, live_server: str) -> None:
    context = browser.new_context(locale="en-US", timezone_id="Asia/Shanghai")
    page = context.new_page()
    page.goto(f"{live_server}/account/login")
    page.locator("#email").fill("member.en@example.org")
    page.locator("#password").fill("chorus-demo-2026")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    case = _largest_case(page, live_server)
    page.goto(f"{live_server}{case}")
    instant, text = _timeline_times(page)[0]
    assert text == _expected(instant, "Asia/Shanghai", "en_US")

    # settings: the zone follows the device until one is chosen; a choice is kept
    page.goto(f"{live_server}/account/")
    expect(page.locator("#time_zone")).to_have_value("")
    page.locator("#time_zone").select_option("America/Los_Angeles")
    with page.expect_navigation():
        page.locator("form[action='/account/preferences'] button[type=submit]").click()
    expect(page.locator("#time_zone")).to_have_value("America/Los_Angeles")
    # choosing a zone changed nothing else: the page still speaks the language it spoke
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.goto(f"{live_server}{case}")
    assert _timeline_times(page)[0] == [instant, _expected(instant, "America/Los_Angeles", "en_US")]
    context.close()
