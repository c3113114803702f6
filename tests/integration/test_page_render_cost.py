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

from extensions import db
from models import Authority, Company, Complaint, User
from services.petition import drafting
from tests.conftest import PASSWORD
from tests.support.forms import csrf_token, logged_in, login
from tests.support.petitions import case_open_for_signing
from tests.support.sql import statements_sent
from tests.support.web import EN

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


#: a member's joint-complaint page: the login, the case with its company and the membership,
#: the versions with their authority, the member's signature, the chain's recent entries, the
#: discussion, the submissions, the unread count and the shown version's other addressees
#: (13 when the open, the latest and the list of versions were asked for apart)
PETITION_PAGE_STATEMENTS = 9


def test_a_members_joint_complaint_page_reads_the_versions_once(
    app: Flask,
    make_user: Callable[..., User],
    make_company: Callable[..., Company],
    make_complaint: Callable[..., Complaint],
) -> None:
    authority = Authority(slug="nfra", name_en="NFRA Consumer Protection", name_zh="金融监管总局")
    db.session.add(authority)
    case, _first = case_open_for_signing(
        make_user,
        make_complaint,
        make_company("walletpro", "WalletPro", "钱包宝"),
        authority,
        organizer_email="org@example.org",
        members=[("member@example.org", "en")],
    )
    organizing = next(m for m in case.memberships if m.organizes)
    draft = drafting.DraftInput(
        title="Joint complaint, second draft",
        authority_id=authority.id,
        facts="Balances frozen for weeks.",
        demands="Unfreeze and refund.",
        body_md="We ask the authority to act.",
    )
    drafting.save_version(db.session, case, organizing, draft)  # version 2, a draft
    db.session.commit()
    client = logged_in(app, "member@example.org")
    path = f"/cases/{case.public_id}/petition"
    with statements_sent() as statements:
        page = client.get(path, headers=EN)

    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Open for signing: version 1" in html  # the open one, not the newer draft
    assert "Joint complaint, second draft" in html  # listed in the history
    assert "WalletPro" in html
    assert "NFRA Consumer Protection" in html
    assert len(statements) <= PETITION_PAGE_STATEMENTS, "\n".join(s[:80] for s in statements)


@pytest.mark.usefixtures("demo")
def test_filing_redirects_without_reloading_and_the_matches_page_reads_routing_once(
    app: Flask, make_user: Callable[..., User]
) -> None:
    app.config["JOBS_MODE"] = "held"  # as a job worker would: not in the request (eager)
    user = make_user(locale="en")
    client = app.test_client()
    login(client, user.email, PASSWORD)
    form_page = client.get("/complaints/new", headers=EN).get_data(as_text=True)
    category = re.search(r'<option value="(\d+)">Account security', form_page)
    assert category is not None
    data = {
        "csrf_token": csrf_token(form_page),
        "company": "支付宝",
        "category": category.group(1),
        "incident_date": "2026-08-14",
        "amount": "4860.00",
        "currency": "CNY",
        "narrative": "My Alipay account was logged in from an unknown phone and drained.",
        "demands": ["refund"],
    }
    with statements_sent() as filing:
        filed = client.post("/complaints/new", data=data, headers=EN)
    with statements_sent() as matches:
        page = client.get(filed.headers["Location"], headers=EN)

    assert filed.status_code == 302
    inserted = next(n for n, s in enumerate(filing) if s.startswith("INSERT INTO complaints"))
    assert not [s for s in filing[inserted:] if s.startswith("SELECT complaints.")]
    assert page.status_code == 200
    assert "Group cases with the same issue" in page.get_data(as_text=True)
    assert len([s for s in matches if "FROM complaint_routing" in s]) == 1
