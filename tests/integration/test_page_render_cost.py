"""What every signed-in page pays before its own content: the header's translations and its
button forms. A page translates some forty strings and carries a form per button; each used
to look its language up again and render a whole WTForms form for one hidden token."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable

import flask_babel
import pytest
from flask import Flask

from models import User
from tests.conftest import PASSWORD
from tests.support.forms import login

DEMO_PASSWORD = "chorus-demo-2026"  # the demo accounts' published password
#: lookups a new member's dashboard may make (its render, an imported macro, a lazy label);
#: it made 26 when each translated string made its own
MOST_LOOKUPS = 8


def test_a_page_looks_its_translations_up_once_per_render_and_still_speaks_chinese(
    app: Flask, make_user: Callable[..., User], monkeypatch: pytest.MonkeyPatch
) -> None:
    user = make_user(locale="zh")
    client = app.test_client()
    login(client, user.email, PASSWORD)
    lookups = [0]
    original = flask_babel.Domain.get_translations

    def counted(domain: flask_babel.Domain) -> object:
        lookups[0] += 1
        return original(domain)

    monkeypatch.setattr(flask_babel.Domain, "get_translations", counted)
    page = client.get("/me/")

    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "我的投诉" in html  # "My complaints"
    assert "退出登录" in html  # "Log out"
    assert lookups[0] <= MOST_LOOKUPS, f"{lookups[0]} lookups of the translations for one page"


@pytest.mark.usefixtures("demo")
def test_the_header_forms_carry_the_token_without_repeating_an_element_id(app: Flask) -> None:
    client = app.test_client()
    login(client, "member@example.org", DEMO_PASSWORD)

    html = client.get("/me/").get_data(as_text=True)

    repeated = [name for name, n in Counter(re.findall(r'\bid="([^"]+)"', html)).items() if n > 1]
    assert repeated == []
    # the log-out and language buttons each post the session's token
    tokens = set(re.findall(r'name="csrf_token" type="hidden" value="([^"]+)"', html))
    assert len(tokens) == 1
    assert html.count('name="csrf_token"') >= 2
