"""Public pages, the member's and the regulator's pages, on demo data."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from extensions import db
from models import CaseStatus, GroupCase, Membership, Submission, User, UserRole
from tests.support.forms import login, submit
from tests.support.web import assert_redirects

DEMO_PASSWORD = "chorus-demo-2026"
ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}
EN = {"Accept-Language": "en-GB,en;q=0.8"}


def _case(status: CaseStatus) -> GroupCase:
    case = db.session.scalar(select(GroupCase).where(GroupCase.status == status).limit(1))
    assert case is not None
    return case


@pytest.mark.usefixtures("demo")
def test_home_shows_figures_and_active_cases(client: FlaskClient) -> None:
    page = client.get("/", headers=ZH).get_data(as_text=True)
    assert '<html lang="zh-CN">' in page
    assert page.count('class="case-card"') == 6
    assert re.search(r"<dt>[^<]+</dt><dd>8</dd>", page)  # eight group cases


@pytest.mark.usefixtures("demo")
def test_case_directory_filters_by_alias_category_and_status(client: FlaskClient) -> None:
    everything = client.get("/cases/").get_data(as_text=True)
    assert everything.count('class="case-card"') == 8
    traditional = client.get("/cases/?q=支付寶").get_data(as_text=True)  # alias, traditional
    assert traditional.count('class="case-card"') == 2  # Alipay and AlipayHK
    signing = client.get("/cases/?status=signing").get_data(as_text=True)
    assert signing.count('class="case-card"') == 2
    nothing = client.get("/cases/?q=no-such-company-anywhere")
    assert nothing.status_code == 200
    assert "Clear filters" in nothing.get_data(as_text=True)


@pytest.mark.usefixtures("demo")
def test_case_directory_refuses_malformed_filters_next_to_their_fields(
    client: FlaskClient,
) -> None:
    """A filter quietly reset would list cases the visitor believes were excluded."""
    response = client.get("/cases/?status=bogus&company=abc&category=-1&sort=oldest", headers=EN)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'class="case-card"' not in html
    for name in ("company", "category", "status", "sort"):
        assert f'<p class="field-error" id="{name}-error">Choose a value from the list.</p>' in html
        assert f'aria-describedby="{name}-error"' in html
    chinese = client.get("/cases/?sort=bogus", headers=ZH)
    assert chinese.status_code == 400
    assert '<p class="field-error" id="sort-error">请从列表中选择。</p>' in chinese.get_data(
        as_text=True
    )
    company = db.session.scalar(select(GroupCase.company_id).limit(1))
    unlisted = client.get(f"/cases/?company={company + 1000}", headers=EN)
    assert unlisted.status_code == 400  # not a company with cases
    page = client.get("/cases/?page=-3", headers=EN)  # the page number is still read leniently
    assert page.status_code == 200
    assert page.get_data(as_text=True).count('class="case-card"') == 8


@pytest.mark.usefixtures("demo")
def test_any_case_directory_query_answers_the_page_or_a_400(client: FlaskClient) -> None:
    """Whatever is typed or pasted into the address bar: a list or a message, never an error
    (a NUL character in the search, for one, must not reach PostgreSQL, which rejects it)."""
    names = ("q", "company", "category", "status", "sort", "page")
    edges = st.sampled_from(["", " ", "0", "-1", "1", "a\x00b", "size", "signing", "x" * 101])
    values = st.one_of(edges, edges, st.text(max_size=50), st.integers(-(10**20), 10**20).map(str))
    queries = st.fixed_dictionaries({}, optional=dict.fromkeys(names, values))

    @settings(max_examples=60, deadline=None)
    @given(queries)
    def check(params: dict[str, str]) -> None:
        response = client.get("/cases/", query_string=params, headers=EN)
        assert response.status_code in (200, 400), params

    check()


@pytest.mark.usefixtures("demo")
def test_case_directory_filters_keep_their_names_labels_and_language(client: FlaskClient) -> None:
    case = _case(CaseStatus.SIGNING)
    query = f"q=%20&company={case.company_id}&category={case.category_id}&status=signing&sort=size"
    response = client.get(f"/cases/?{query}", headers=ZH)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert case.title in html
    for name in ("q", "company", "category", "status", "sort"):
        assert f'<label for="{name}">' in html
        assert f'name="{name}"' in html
    assert f'<option selected value="{case.company_id}">{case.company.name_zh}</option>' in html
    assert '<option selected value="signing">' in html
    assert '<option selected value="size">' in html
    assert "全部公司" in html  # "All companies"


@pytest.mark.usefixtures("demo")
def test_case_page_shows_aggregates_to_visitors_but_no_identity(client: FlaskClient) -> None:
    case = _case(CaseStatus.SUBMITTED)
    page = client.get(f"/cases/{case.public_id}", headers=EN).get_data(as_text=True)
    assert case.title in page
    assert "Total lost" in page
    assert "Timeline" in page  # public, pseudonymous
    for membership in case.memberships:
        assert membership.user.display_name not in page
        assert membership.user.email not in page
        assert membership.complaint is not None
        assert membership.complaint.narrative[:30] not in page


@pytest.mark.usefixtures("demo")
def test_member_sees_pseudonym_and_timeline(client: FlaskClient) -> None:
    member = db.session.scalar(select(User).where(User.email == "member@example.org"))
    membership = db.session.scalar(
        select(Membership)
        .where(Membership.user_id == member.id)
        .join(GroupCase)
        .where(GroupCase.status == CaseStatus.SUBMITTED)
    )
    login(client, "member@example.org", DEMO_PASSWORD)  # a member whose account says Chinese
    page = client.get(f"/cases/{membership.case.public_id}", headers=EN).get_data(as_text=True)
    assert f"成员 {membership.pseudonym}" in page
    assert "进展时间线" in page  # Timeline
    assert "已提交至受理机构" in page  # Submitted to the authority


def test_unknown_case_is_404_in_the_users_language(client: FlaskClient) -> None:
    response = client.get("/cases/doesnotexist", headers=ZH)
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert '<html lang="zh-CN">' in page
    assert "Traceback" not in page


@pytest.mark.usefixtures("demo")
def test_dashboard_lists_own_complaints_and_cases_only(client: FlaskClient) -> None:
    login(client, "member@example.org", DEMO_PASSWORD)
    page = client.get("/me/", headers=EN).get_data(as_text=True)
    assert page.count('<li class="card">') == 2  # member of two cases
    organizer = db.session.scalar(select(User).where(User.email == "organizer@example.org"))
    organizer_case = db.session.scalar(
        select(GroupCase)
        .join(Membership)
        .where(Membership.user_id == organizer.id, GroupCase.status == CaseStatus.OPEN)
    )
    assert organizer_case.title not in page


@pytest.mark.usefixtures("demo")
def test_regulator_inbox_shows_only_own_authority(client: FlaskClient) -> None:
    regulator = db.session.scalar(
        select(User).where(User.role == UserRole.REGULATOR, User.authority.has(slug="cfpb"))
    )
    own = db.session.scalars(
        select(Submission).where(Submission.authority_id == regulator.authority_id)
    ).all()
    others = db.session.scalars(
        select(Submission).where(Submission.authority_id != regulator.authority_id)
    ).all()
    assert own
    assert others
    response = login(client, regulator.email, DEMO_PASSWORD)
    assert response.headers["Location"] == "/regulator/"
    page = client.get("/regulator/", headers=EN).get_data(as_text=True)
    for submission in own:
        assert submission.case.title in page
    for submission in others:
        assert submission.case.title not in page


@pytest.mark.usefixtures("demo")
def test_inbox_is_forbidden_to_members_and_asks_visitors_to_log_in(client: FlaskClient) -> None:
    assert_redirects(client.get("/regulator/"))
    login(client, "member@example.org", DEMO_PASSWORD)
    response = client.get("/regulator/", headers=EN)
    assert response.status_code == 403
    assert "无权访问" in response.get_data(as_text=True)  # "Not allowed", in the account's language


def test_language_switch_changes_interface_and_returns(client: FlaskClient) -> None:
    assert '<html lang="en">' in client.get("/cases/", headers=EN).get_data(as_text=True)
    response = submit(
        client, "/cases/", action="/language", data={"lang": "zh", "next": "/cases/"}, headers=EN
    )
    assert_redirects(response, to="/cases/")
    assert '<html lang="zh-CN">' in client.get("/cases/", headers=EN).get_data(as_text=True)
    evil = submit(
        client, "/", action="/language", data={"lang": "en", "next": "https://evil.example/"}
    )
    assert evil.headers["Location"] == "/"


def test_browser_preference_picks_chinese_for_any_zh_variant(client: FlaskClient) -> None:
    for header in ("zh-TW", "zh-Hant-HK,en;q=0.5", "zh"):
        page = client.get("/", headers={"Accept-Language": header}).get_data(as_text=True)
        assert '<html lang="zh-CN">' in page
    assert '<html lang="en">' in client.get("/", headers={"Accept-Language": "fr"}).get_data(
        as_text=True
    )


def test_security_headers_and_csp_without_inline_script(client: FlaskClient) -> None:
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    html = response.get_data(as_text=True)
    assert "<script>" not in html
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)  # every script is a file
    assert " on" + "click=" not in html
    assert "style=" not in html


def test_static_assets_are_served_locally(client: FlaskClient) -> None:
    html = client.get("/").get_data(as_text=True)
    assets = re.findall(r'(?:href|src)="(/static/[^"]+)"', html)
    assert len(assets) == 3  # stylesheet, script, icon
    for asset in assets:
        response = client.get(asset)
        assert response.status_code == 200
        response.close()
    assert "://" not in "".join(re.findall(r"<(?:link|script)[^>]+>", html))


def test_health_and_liveness_answer_ok(client: FlaskClient) -> None:
    assert client.get("/healthz").get_json() == {"status": "ok"}
    assert client.get("/livez").get_json() == {"status": "ok"}


@pytest.mark.parametrize(("accept", "expected"), [(ZH, "zh-CN"), (EN, "en")])
def test_error_pages_in_both_languages(
    app: Flask, client: FlaskClient, accept: dict[str, str], expected: str
) -> None:
    @app.route("/boom")  # exists only in this test's app
    def boom() -> str:
        raise RuntimeError("kaboom")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    app.config["MAX_CONTENT_LENGTH"] = 10
    responses = {
        404: client.get("/missing", headers=accept),
        405: client.get("/account/logout", headers=accept),
        400: client.post("/account/login", data={}, headers=accept),
        413: client.post("/account/login", data={"x": "y" * 100}, headers=accept),
        500: client.get("/boom", headers=accept),
    }
    for code, response in responses.items():
        page = response.get_data(as_text=True)
        assert response.status_code == code
        assert f'<html lang="{expected}">' in page
        assert f'<p class="error-code">{code}</p>' in page
        assert "kaboom" not in page
        assert "Traceback" not in page
