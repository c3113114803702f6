"""A case's title in the reader's language: organizers give it in the other language, and a
member who writes English reads a Chinese case by its English title wherever it is shown."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from extensions import db
from models import AuditEvent, Company, Complaint, GroupCase, User
from services.cases import membership as group_cases
from tests.conftest import PASSWORD
from tests.integration.test_matching_meaning import THEFT_ZH
from tests.support.forms import login, submit
from tests.support.web import EN

ZH = {"Accept-Language": "zh-CN"}
TITLE_ZH = "支付宝账户被盗，余额被转走"
TITLE_EN = "Alipay accounts stolen and emptied"
ENGLISH_THEFT = (
    "Someone logged into my wallet from a strange phone at night without any verification "
    "code and emptied my balance; support claims I did it myself and will not pay me back."
)


@pytest.fixture
def alipay(make_company: Callable[..., Company]) -> Company:
    return make_company("alipay", "Alipay", "支付宝")


def _chinese_case(
    client: FlaskClient,
    make_user: Callable[..., User],
    make_complaint: Callable[..., Complaint],
    alipay: Company,
    **form: str,
) -> GroupCase:
    """A theft case started through the form by a member writing Chinese, and a second member."""
    organizer = make_user(email="organizer@example.org", locale="zh")
    complaint = make_complaint(
        organizer, alipay, THEFT_ZH[0], "account_security", incident_date=date(2026, 8, 14)
    )
    login(client, "organizer@example.org", PASSWORD)
    started = submit(
        client,
        f"/complaints/{complaint.public_id}",
        action=f"/complaints/{complaint.public_id}/start-case",
        data={"title": TITLE_ZH, "summary": "", **form},
        headers=ZH,
    )
    assert started.status_code == 302, started.get_data(as_text=True)
    case = db.session.scalar(select(GroupCase))
    member = make_user(email="member@example.org", locale="zh")
    group_cases.join_case(
        db.session,
        member,
        case,
        make_complaint(
            member, alipay, THEFT_ZH[1], "account_security", incident_date=date(2026, 8, 14)
        ),
    )
    db.session.commit()
    return case


def test_an_english_reader_finds_and_reads_a_chinese_case_by_its_english_title(
    app: Flask,
    client: FlaskClient,
    make_user: Callable[..., User],
    make_complaint: Callable[..., Complaint],
    alipay: Company,
) -> None:
    case = _chinese_case(client, make_user, make_complaint, alipay, title_other=TITLE_EN)
    assert (case.title, case.title_other) == (TITLE_ZH, TITLE_EN)

    visitor = app.test_client()
    english = visitor.get(f"/cases/{case.public_id}", headers=EN).get_data(as_text=True)
    assert f'<h1 lang="en">{TITLE_EN}</h1>' in english
    assert f'Title as written: <span lang="zh-CN">{TITLE_ZH}</span>' in english
    chinese = app.test_client().get(f"/cases/{case.public_id}", headers=ZH).get_data(as_text=True)
    assert f'<h1 lang="zh-CN">{TITLE_ZH}</h1>' in chinese
    assert TITLE_EN not in chinese

    listed = visitor.get("/cases/?q=stolen", headers=EN).get_data(as_text=True)
    assert TITLE_EN in listed
    assert TITLE_ZH not in listed

    # the newcomer's own story, in English, is matched to the case, shown by its English title
    newcomer = make_user(email="newcomer@example.org", locale="en")
    mine = make_complaint(
        newcomer, alipay, ENGLISH_THEFT, "account_security", incident_date=date(2026, 8, 14)
    )
    reader = app.test_client()
    login(reader, "newcomer@example.org", PASSWORD)
    matches = reader.get(f"/complaints/{mine.public_id}", headers=EN).get_data(as_text=True)
    assert TITLE_EN in matches
    assert TITLE_ZH not in matches


def test_only_organizers_set_the_other_title_and_it_must_be_in_the_other_language(
    app: Flask,
    client: FlaskClient,
    make_user: Callable[..., User],
    make_complaint: Callable[..., Complaint],
    alipay: Company,
) -> None:
    case = _chinese_case(client, make_user, make_complaint, alipay)
    page, action = f"/cases/{case.public_id}", f"/cases/{case.public_id}/title"
    assert case.title_other is None

    # the organizer reads Chinese: the reasons come in Chinese
    same_language = submit(client, page, action=action, data={"title_other": "支付宝被盗"})
    assert same_language.status_code == 400
    assert "请用英文填写这个标题：案件标题是中文的。" in same_language.get_data(as_text=True)
    too_long = submit(client, page, action=action, data={"title_other": "x" * 201})
    assert too_long.status_code == 400
    assert "标题不能超过 200 个字符。" in too_long.get_data(as_text=True)
    db.session.expire_all()
    assert case.title_other is None

    saved = submit(client, page, action=action, data={"title_other": f"  {TITLE_EN} "}, headers=EN)
    assert saved.status_code == 302
    db.session.expire_all()
    assert case.title_other == TITLE_EN
    assert db.session.scalar(
        select(AuditEvent.action).where(AuditEvent.action == "case.title_translated")
    )

    member = app.test_client()
    login(member, "member@example.org", PASSWORD)
    assert f'action="{action}"' not in member.get(page).get_data(as_text=True)
    assert f'action="{action}"' in client.get(page).get_data(as_text=True)
    forbidden = submit(member, page, action=action, data={"title_other": "Hijacked"}, headers=EN)
    assert forbidden.status_code == 403
    stranger = app.test_client()
    make_user(email="stranger@example.org")
    login(stranger, "stranger@example.org", PASSWORD)
    hidden = submit(stranger, page, action=action, data={"title_other": "Hijacked"}, headers=EN)
    assert hidden.status_code == 404
    db.session.expire_all()
    assert case.title_other == TITLE_EN

    removed = submit(client, page, action=action, data={"title_other": ""}, headers=EN)
    assert removed.status_code == 302
    db.session.expire_all()
    assert case.title_other is None
