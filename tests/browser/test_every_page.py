"""Every page each kind of person can reach, found by following links from the home page,
passes the same checks as the journey: accessible, in one language, as wide as a phone.

Pages are grouped by route (ids replaced by ``*``) and the first of each group is checked, so
a new page is covered as soon as something links to it.
"""

from __future__ import annotations

import re
from urllib.parse import urldefrag, urlparse

import pytest
from playwright.sync_api import Browser, Page

from models.base import PUBLIC_ID_ALPHABET, PUBLIC_ID_LENGTH
from tests.browser import checks, two_step

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 812}
DESK = {"width": 1280, "height": 900}
#: downloads, images and machine endpoints: not pages
NOT_PAGES = re.compile(
    r"^/(static|api)/|/(file|thumbnail|pages/\d+|work/\d+|bundle\.zip|qr\.png|og\.png)$|\.(pem|csv|json)$"
)
#: an object's id in a path: a public id (which may hold no digit at all: one in 36 does), a
#: longer token with a digit, a number
ID_SEGMENT = re.compile(
    rf"/[{PUBLIC_ID_ALPHABET}]{{{PUBLIC_ID_LENGTH}}}(?=/|$)"
    r"|/(?=[a-z0-9]*\d)[a-z0-9]{8,}|/\d+(?=/|$)"
)
MAX_PAGES = 40


def _route(path: str) -> str:
    return ID_SEGMENT.sub("/*", path)


def _log_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/account/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill("chorus-demo-2026")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    two_step.pass_second_step(page, email)


def _crawl(
    page: Page, base: str, start: str, viewport: dict, language: str
) -> tuple[list[str], set[str]]:
    """Visit one page per route reachable from ``start``; return problems and routes seen.

    Starting from the person's own page reaches their own cases first, whose pages link to
    everything a member, organizer or regulator can do."""
    problems: list[str] = []
    seen_routes: set[str] = set()
    queue = [start, "/"]
    checked = 0
    while queue and checked < MAX_PAGES:
        path = queue.pop(0)
        route = _route(urlparse(path).path)
        if route in seen_routes:
            continue
        seen_routes.add(route)
        response = page.goto(base + path)
        if (
            response is None
            or response.status >= 400
            or "text/html" not in (response.headers.get("content-type", ""))
        ):
            continue
        checked += 1
        where = f"[{language} {viewport['width']}px] {path}"
        problems += [f"{where}: {v}" for v in checks.serious_accessibility_violations(page)]
        leftovers = checks.untranslated(page, language)
        if leftovers:
            problems.append(f"{where}: not in {language}: {leftovers}")
        for size in (PHONE, DESK):
            page.set_viewport_size(size)
            if checks.overflow_width(page):
                culprits = checks.overflowing(page)
                problems.append(f"{where}: wider than {size['width']}px: {culprits}")
        page.set_viewport_size(viewport)
        for href in page.locator("a[href^='/']").evaluate_all(
            "links => links.map(a => a.getAttribute('href'))"
        ):
            link = urldefrag(href).url
            if not NOT_PAGES.search(urlparse(link).path) and _route(urlparse(link).path) not in (
                seen_routes
            ):
                queue.append(link)
    return problems, seen_routes


EXPECTED_ROUTES = {
    "visitor": {"/", "/cases/", "/cases/*", "/account/login", "/account/register"},
    "member": {"/me/", "/cases/*", "/cases/*/petition", "/cases/*/evidence", "/complaints/*"},
    "organizer": {"/cases/*/petition/edit", "/cases/*/members", "/cases/*/share", "/evidence/*"},
    "regulator": {"/regulator/", "/regulator/cases/*", "/regulator/tokens"},
    "admin": {"/admin/audit", "/account/"},
}


@pytest.mark.parametrize(
    ("who", "language", "viewport"),
    [
        (None, "zh", PHONE),
        (None, "en", DESK),
        ("member@example.org", "zh", PHONE),
        ("member.en@example.org", "en", PHONE),
        ("organizer@example.org", "zh", DESK),
        ("regulator@example.org", "zh", DESK),
        ("regulator.cfpb@example.org", "en", PHONE),
        ("admin@example.org", "en", PHONE),
    ],
)
def test_every_reachable_page_passes_the_checks(
    browser: Browser, live_server: str, who: str | None, language: str, viewport: dict
) -> None:
    context = browser.new_context(
        locale="zh-CN" if language == "zh" else "en-US", viewport=viewport
    )
    page = context.new_page()
    if who:
        _log_in(page, live_server, who)
    start = {None: "/", "regulator": "/regulator/", "admin": "/admin/audit"}.get(
        who and who.split("@")[0][:9], "/me/"
    )
    problems, routes = _crawl(page, live_server, start, viewport, language)
    context.close()
    # the crawl itself works: it reached the pages this person's role is about
    expected = EXPECTED_ROUTES[who.split("@")[0].split(".")[0] if who else "visitor"]
    assert expected <= routes, f"not reached: {expected - routes}"
    assert not problems, "\n".join(problems)
