"""The page checks of the journey find what they look for: a check that cannot fail proves
nothing."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser

from tests.browser import checks

pytestmark = pytest.mark.browser

BAD_PAGE = """<!doctype html><html lang="zh-CN"><head><title>测试</title></head><body>
<main><h1>投诉</h1><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
<form><input type="text" name="q"><button type="submit">Search</button></form>
<div style="width: 900px">宽</div></main></body></html>"""

GOOD_PAGE = """<!doctype html><html lang="zh-CN"><head><title>测试</title></head><body>
<main><h1>投诉</h1><p>Chorus 帮助大家一起投诉 Alipay。</p></main></body></html>"""


def test_checks_report_a_missing_label_untranslated_words_and_overflow(browser: Browser) -> None:
    context = browser.new_context(viewport={"width": 375, "height": 700})
    page = context.new_page()
    page.set_content(BAD_PAGE)
    violations = " ".join(checks.serious_accessibility_violations(page))
    assert "image-alt" in violations
    assert "label" in violations
    assert checks.untranslated(page, "zh") == ["Search"]
    assert checks.overflow_width(page) > 0

    page.set_content(GOOD_PAGE)
    assert checks.serious_accessibility_violations(page) == []
    assert checks.untranslated(page, "zh", written=["Alipay"]) == []
    assert checks.untranslated(page, "en") == ["帮助大家一起投诉", "投诉", "测试"]
    assert checks.overflow_width(page) == 0
    context.close()
