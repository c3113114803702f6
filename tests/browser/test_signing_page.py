"""The signing page in Chromium: the text to sign comes first, the hash is explained in plain
words and kept behind a toggle, and a confirmed action asks once however often it is clicked."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Dialog, Page, Request, Route, expect

pytestmark = pytest.mark.browser

ALIPAY_CASE = "支付宝账户凌晨被陌生设备登录盗刷,客服拒绝赔付"


def _member_on_the_alipay_case(browser: Browser, live_server: str) -> Page:
    """The demo member, logged in through the login page, on the case open for signing."""
    page = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}).new_page()
    page.goto(f"{live_server}/account/login")
    page.locator("#email").fill("member@example.org")
    page.locator("#password").fill("chorus-demo-2026")
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server}/me/")
    page.get_by_role("link", name=ALIPAY_CASE).first.click()
    expect(page.locator("h1")).to_have_text(ALIPAY_CASE)
    return page


def test_the_text_to_sign_comes_before_the_signing_choices_and_hashes_hide(
    browser: Browser, live_server: str
) -> None:
    page = _member_on_the_alipay_case(browser, live_server)
    page.goto(f"{page.url}/petition")

    text_first = page.evaluate(
        "() => Boolean(document.querySelector('article.petition').compareDocumentPosition("
        "document.querySelector('.signing-box')) & Node.DOCUMENT_POSITION_FOLLOWING)"
    )
    assert text_first, "the signing box must follow the text it signs"
    box = page.locator(".signing-box")
    expect(box).to_contain_text("您的签名与这份文本逐字绑定")
    digest = box.locator("details code")
    expect(digest).to_be_hidden()
    box.get_by_text("技术细节").click()
    expect(digest).to_be_visible()
    expect(digest).to_have_text(re.compile(r"^[0-9a-f]{64}$"))


def test_a_confirmed_action_asks_once_however_often_it_is_clicked(
    browser: Browser, live_server: str
) -> None:
    page = _member_on_the_alipay_case(browser, live_server)
    dialogs: list[str] = []
    posts: list[str] = []

    def accept(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.accept()

    def hold(route: Route, request: Request) -> None:
        posts.append(request.method)
        route.abort()  # the member stays in the case whatever the page does

    page.on("dialog", accept)
    page.route("**/leave", hold)
    page.locator("form[action$='/leave'] button[type=submit]").dblclick()
    page.wait_for_timeout(1000)
    assert len(dialogs) == 1, dialogs
    assert posts == ["POST"]
