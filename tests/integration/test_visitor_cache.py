"""Visitors share one rendering of a page: each still gets their own CSRF token, a browser that
has the page gets a 304, and nobody logged in is ever given the visitors' page."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from extensions import cache, db
from models import Company, Complaint, GroupCase, User
from services.cases import membership as group_cases
from tests.support.forms import csrf_token, logged_in
from tests.support.web import EN, assert_redirects

ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}


@pytest.fixture
def case(
    app: Flask,
    make_user: Callable[..., User],
    make_company: Callable[..., Company],
    make_complaint: Callable[..., Complaint],
) -> GroupCase:
    app.config["VISITOR_PAGE_SECONDS"] = 30
    cache.clear()
    organizer = make_user(email="org@example.org", locale="en")
    wallet = make_company("walletpro", "WalletPro", "钱包宝")
    complaint = make_complaint(organizer, wallet, "WalletPro froze my balance for a month. " * 2)
    case = group_cases.start_case(
        db.session,
        organizer,
        complaint,
        title="WalletPro froze our balances",
        summary="",
        invite_similar=False,
    )
    db.session.commit()
    return case


def _retitle(case: GroupCase, title: str) -> None:
    case.title = title
    db.session.commit()


def _page(client: FlaskClient, case: GroupCase, **headers: str) -> str:
    response = client.get(f"/cases/{case.public_id}", headers={**EN, **headers})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_visitors_share_a_page_and_the_organizer_sees_the_change_at_once(
    app: Flask, case: GroupCase
) -> None:
    assert "WalletPro froze our balances" in _page(app.test_client(), case)

    _retitle(case, "WalletPro froze 300 balances")

    # another visitor gets the page kept for visitors; the organizer their own, current one
    assert "WalletPro froze our balances" in _page(app.test_client(), case)
    organizer = logged_in(app, "org@example.org")
    assert "WalletPro froze 300 balances" in _page(organizer, case)
    # the same address in another language is another page
    assert "WalletPro froze 300 balances" in _page(app.test_client(), case, **ZH)

    app.config["VISITOR_PAGE_SECONDS"] = 1
    cache.clear()
    _page(app.test_client(), case)
    _retitle(case, "WalletPro froze 500 balances")
    time.sleep(1.2)
    assert "WalletPro froze 500 balances" in _page(app.test_client(), case)


def test_each_visitor_gets_their_own_working_token_from_the_shared_page(
    app: Flask, case: GroupCase
) -> None:
    first, second = app.test_client(), app.test_client()
    tokens = [csrf_token(_page(client, case)) for client in (first, second)]
    assert tokens[0] != tokens[1]
    assert "csrf-token" not in _page(first, case)  # the marker never reaches anyone

    for client, token in zip((first, second), tokens, strict=True):
        switched = client.post(
            "/language",
            data={"csrf_token": token, "lang": "zh", "next": f"/cases/{case.public_id}"},
            headers=EN,
        )
        assert_redirects(switched, to=f"/cases/{case.public_id}")
    assert '<html lang="zh' in _page(first, case)
    # a token from someone else's copy of the shared page is refused
    stolen = app.test_client()
    _page(stolen, case)
    refused = stolen.post(
        "/language", data={"csrf_token": tokens[0], "lang": "zh", "next": "/"}, headers=EN
    )
    assert refused.status_code == 400


def test_a_browser_that_has_the_page_gets_a_304_until_it_changes(
    app: Flask, case: GroupCase
) -> None:
    visitor = app.test_client()
    url = f"/cases/{case.public_id}"
    first = visitor.get(url, headers=EN)
    assert first.headers["Cache-Control"] == "private, no-cache"
    assert {"Cookie", "Accept-Language"} <= set(first.vary)
    assert first.last_modified is not None
    etag = first.headers["ETag"]

    again = visitor.get(url, headers={**EN, "If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""

    # another visitor's copy holds another token: the ETag is theirs alone
    other = app.test_client().get(url, headers=EN)
    assert other.headers["ETag"] != etag
    # once the kept page is rendered again with a change, the old copy is stale
    _retitle(case, "WalletPro froze 300 balances")
    cache.clear()
    changed = visitor.get(url, headers={**EN, "If-None-Match": etag})
    assert changed.status_code == 200
    assert "WalletPro froze 300 balances" in changed.get_data(as_text=True)


def test_each_visitors_etag_follows_the_configured_token_field(app: Flask, case: GroupCase) -> None:
    # Flask-WTF keeps the raw token under the form field's name: with a renamed field two
    # visitors must still get different ETags (else one browser's 304 keeps a stale token)
    app.config["WTF_CSRF_FIELD_NAME"] = "xsrf"
    url = f"/cases/{case.public_id}"
    first = app.test_client().get(url, headers=EN)
    second = app.test_client().get(url, headers=EN)
    assert first.status_code == second.status_code == 200
    assert first.headers["ETag"] != second.headers["ETag"]


def test_logged_in_pages_and_refusals_are_never_shared(app: Flask, case: GroupCase) -> None:
    organizer = logged_in(app, "org@example.org")
    own = organizer.get(f"/cases/{case.public_id}", headers=EN)
    assert own.headers["Cache-Control"] == "no-store"
    assert "ETag" not in own.headers
    visitor_page = _page(app.test_client(), case)
    assert "org@example.org" not in visitor_page
    assert "Log out" not in visitor_page

    for _ in range(2):
        refused = app.test_client().get("/cases/?status=nonsense", headers=EN)
        assert refused.status_code == 400
        assert refused.headers["Cache-Control"] == "no-store"
    home = app.test_client().get("/", headers=EN)
    assert home.headers["Cache-Control"] == "private, no-cache"
    listed = app.test_client().get("/cases/?sort=size&status=open", headers=EN)
    assert listed.headers["Cache-Control"] == "private, no-cache"
    # an argument no page reads would only multiply the pages kept: rendered for itself
    tagged = app.test_client().get(f"/cases/{case.public_id}?utm_source=x", headers=EN)
    assert tagged.status_code == 200
    assert tagged.headers["Cache-Control"] == "no-store"
