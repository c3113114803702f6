"""Where ``next`` leads after the language switch and after logging in: a path on this site or
the usual page, never an error and never another site, whatever the target holds."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import unquote

from flask.testing import FlaskClient
from hypothesis import given, settings
from hypothesis import strategies as st

from models import User
from tests.conftest import PASSWORD
from tests.support.forms import csrf_token, submit
from tests.support.web import EN, assert_redirects, where_a_browser_goes

LINE_BREAKS = ["/\nfoo", "/cases/\r\nSet-Cookie: session=planted", "/%0d%0a", "/\u2028"]

PIECES = [
    *"/\\:.?#@%& x",
    *"\t\n\r\x00\x0b\x7f\x85\u2028\u3000\ufeff",
    "%2F",
    "%5C",
    "%0A",
    "%0D",
    "%25",
    "%00",
    "..",
    "//",
    "evil.example",
    "https:",
    "javascript:",
    "cases",
    "支付",
]
TARGETS = st.one_of(
    st.lists(st.sampled_from(PIECES), max_size=10).map("".join),
    st.text(max_size=20).map(lambda text: "/" + text),
)


def _stays_on_the_site(location: str) -> None:
    """The browser stays here, and would even if something decoded the address again."""
    assert where_a_browser_goes(location) == "chorus.example", location
    assert where_a_browser_goes(unquote(unquote(location))) == "chorus.example", location


def test_a_line_break_in_next_of_the_language_switch_lands_on_the_home_page(
    client: FlaskClient,
) -> None:
    token = csrf_token(client.get("/", headers=EN).get_data(as_text=True))
    for target in LINE_BREAKS:
        response = client.post(
            "/language", data={"csrf_token": token, "lang": "zh", "next": target}
        )
        assert_redirects(response, to="/")
    assert '<html lang="zh-CN">' in client.get("/").get_data(as_text=True)  # switched all the same


def test_a_line_break_in_next_of_the_login_lands_on_the_members_page(
    client: FlaskClient, make_user: Callable[..., User]
) -> None:
    make_user(email="a@example.org")
    response = submit(
        client,
        "/account/login",
        data={"email": "a@example.org", "password": PASSWORD, "next": "/me/\nSet-Cookie: x=1"},
        headers=EN,
    )
    assert_redirects(response, to="/me/")
    again = client.get("/account/login", query_string={"next": "/\r\n//evil.example"})
    assert_redirects(again, to="/me/")  # logged in already: straight on


def test_no_next_target_errs_or_leaves_the_site(
    client: FlaskClient, make_user: Callable[..., User]
) -> None:
    """Many targets through both views: the language switch (a form) and the login page of
    someone logged in (the query string), each answering a redirect that stays here."""
    token = csrf_token(client.get("/", headers=EN).get_data(as_text=True))
    make_user(email="a@example.org")
    member = client.application.test_client()
    submit(member, "/account/login", data={"email": "a@example.org", "password": PASSWORD})

    @settings(max_examples=300, deadline=None)
    @given(TARGETS)
    def check(target: str) -> None:
        switched = client.post(
            "/language", data={"csrf_token": token, "lang": "en", "next": target}
        )
        _stays_on_the_site(assert_redirects(switched))
        logged_in = member.get("/account/login", query_string={"next": target})
        _stays_on_the_site(assert_redirects(logged_in))

    check()
