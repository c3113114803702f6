"""Getting a regulator past two-step verification in the browser, as they would: on the first
login the setup page shows a key to type into an authenticator app; later logins ask for the
app's code. The secrets live here, like the app on a phone, for the whole test session."""

from __future__ import annotations

import time
from collections.abc import Callable

import pyotp
from playwright.sync_api import Page

#: e-mail → (secret, the last 30-second step whose code was used: each code works once)
_phones: dict[str, tuple[str, int]] = {}


def _next_code(email: str) -> str:
    """The code of the current step, or of the next one if the current one was used (the site
    accepts one step either way). Never the previous step: by the time the site checks it, the
    clock may have moved on and left it outside the window."""
    secret, last = _phones[email]
    while True:
        now = int(time.time() // 30)
        step = max(now, last + 1)
        if step <= now + 1:
            _phones[email] = (secret, step)
            return pyotp.TOTP(secret).at(step * 30)
        time.sleep(1)


def pass_second_step(
    page: Page, email: str, on_page: Callable[[str], None] = lambda _label: None
) -> bool:
    """After the password: set up or answer the second step if the site asks; True if it did.
    ``on_page`` is called on each page it shows (to check it). Leaves the browser on the page
    the site sends to next."""
    path = page.url.split("://", 1)[-1].partition("/")[2]
    if path.startswith("account/two-step/setup"):
        on_page("two-step setup")
        key = page.locator("[data-totp-secret]").inner_text().replace(" ", "")
        _phones[email] = (key, -1)
        page.locator("#code").fill(_next_code(email))
        with page.expect_navigation():
            page.keyboard.press("Enter")
        on_page("recovery codes")
        with page.expect_navigation():  # the recovery codes, once
            page.locator("a.button-primary").click()
        return True
    if path.startswith("account/two-step"):
        on_page("two-step code")
        page.locator("#code").fill(_next_code(email))
        with page.expect_navigation():
            page.keyboard.press("Enter")
        return True
    return False
