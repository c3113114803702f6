"""Filing, editing and deleting one's own complaint through the pages."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from extensions import db
from models import (
    CaseStatus,
    Company,
    CompanyStatus,
    Complaint,
    GroupCase,
    Membership,
    User,
)
from services.matching import term_index
from tests.conftest import PASSWORD
from tests.support.forms import login, submit
from tests.support.web import EN, assert_redirects

NARRATIVE = (
    "On 14 August my Alipay account was logged in from an unknown phone at 3am and "
    "47 small payments went to a game top-up merchant. Customer service refused."
)


def _category_id(code: str) -> int:
    from models import Category

    return db.session.scalar(select(Category.id).where(Category.code == code))


def _file(client: FlaskClient, **overrides: object) -> object:
    return submit(client, "/complaints/new", data=_form(**overrides), headers=EN)


def _form(**overrides: object) -> dict[str, object]:
    data = {
        "company": "支付寶",
        "category": str(_category_id("account_security")),
        "incident_date": "2026-08-14",
        "amount": "4860.00",
        "currency": "CNY",
        "narrative": NARRATIVE,
        "demands": ["refund", "compensation"],
    }
    data.update(overrides)
    return data


@pytest.fixture
def member(client: FlaskClient, make_user: Callable[..., User]) -> User:
    user = make_user(email="filer@example.org", locale="en")
    login(client, "filer@example.org", PASSWORD)
    return user


@pytest.mark.usefixtures("demo")
def test_filing_shows_ranked_matching_cases_with_reasons(client: FlaskClient, member: User) -> None:
    response = _file(client)
    assert_redirects(response)
    complaint = db.session.scalar(select(Complaint).where(Complaint.owner_id == member.id))
    assert complaint.company.slug == "alipay"  # 支付寶 (traditional) is an alias
    assert complaint.amount_minor == 486000
    assert response.headers["Location"] == f"/complaints/{complaint.public_id}"
    assert term_index.complaint_terms(db.session, complaint.id)

    page = client.get(response.headers["Location"], headers=EN).get_data(as_text=True)
    first_match = page[page.index('<li class="match card">') :]
    alipay_theft = db.session.scalar(select(GroupCase).where(GroupCase.company.has(slug="alipay")))
    # the reader reads English: the organizers' English title leads the card
    assert alipay_theft.title_other
    assert alipay_theft.title_in("en") in first_match[:600]
    assert "same company" in first_match
    assert "same category" in first_match
    assert "Join this case" in page


def test_unknown_company_is_refused_unless_proposed(client: FlaskClient, member: User) -> None:
    refused = _file(client, company="Totally New Wallet")
    assert refused.status_code == 422
    assert "We do not know the company" in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Complaint.id))) == 0

    # what was typed is shown back as text, never as markup
    injected = _file(client, company="<script>alert(1)</script>")
    assert injected.status_code == 422
    html = injected.get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html

    proposed = _file(client, company="Totally New Wallet", propose_company="y")
    assert_redirects(proposed)
    company = db.session.scalar(select(Company).where(Company.name_en == "Totally New Wallet"))
    assert company.status is CompanyStatus.PROPOSED
    assert company.proposed_by_id == member.id


@pytest.fixture
def alipay(make_company: Callable[..., Company]) -> Company:
    return make_company("alipay", "Alipay", "支付宝", aliases=("蚂蚁支付",))


@pytest.mark.usefixtures("alipay")
@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"incident_date": "2999-01-01"}, "incident_date", "cannot be in the future"),
        ({"incident_date": "14/08/2026"}, "incident_date", "YYYY-MM-DD"),
        ({"amount": "-5"}, "amount", "more than 0"),
        ({"amount": "1e12"}, "amount", "at most 100,000,000"),
        ({"amount": "abc"}, "amount", "Not a valid decimal value"),
        ({"narrative": "too short text"}, "narrative", "between 20 and 5000"),
        ({"narrative": "x" * 5001}, "narrative", "between 20 and 5000"),
        ({"demands": ["other"]}, "demands_other", "please say what you want"),
        ({"demands": ["bribe"]}, "demands", "not a valid choice"),
        ({"category": "999"}, "category", "Not a valid choice"),
        ({"company": ""}, "company", "Please name the company."),
        ({"currency": "XXX"}, "currency", "Not a valid choice"),
    ],
)
def test_bad_values_get_a_message_next_to_the_field_and_save_nothing(
    client: FlaskClient, member: User, overrides: dict[str, object], field: str, message: str
) -> None:
    response = _file(client, **overrides)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    error_start = page.index(f'id="{field}-error"')
    assert message.lower() in page[error_start : error_start + 300].lower()
    assert (
        db.session.scalar(select(func.count(Complaint.id)).where(Complaint.owner_id == member.id))
        == 0
    )


def test_messages_follow_the_users_language(
    client: FlaskClient, make_user: Callable[..., User]
) -> None:
    make_user(email="zh@example.org", locale="zh")
    login(client, "zh@example.org", PASSWORD)
    response = _file(client, incident_date="2999-01-01", amount="abc")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "不是有效的小数" in page or "不是一个有效的" in page  # WTForms' own Chinese catalog


@pytest.mark.usefixtures("demo")
def test_owner_edits_and_others_cannot_see_or_touch(
    client: FlaskClient, member: User, app: object, make_user: Callable[..., User]
) -> None:
    _file(client)
    complaint = db.session.scalar(select(Complaint).where(Complaint.owner_id == member.id))
    edited = submit(
        client,
        f"/complaints/{complaint.public_id}/edit",
        data={
            "company": "Alipay",
            "category": str(_category_id("refund")),
            "incident_date": "2026-08-15",
            "amount": "100",
            "currency": "USD",
            "narrative": "Alipay refused my refund for a cancelled flight booked through the app.",
            "demands": ["refund"],
        },
        headers=EN,
    )
    assert_redirects(edited)
    db.session.refresh(complaint)
    assert (complaint.amount_minor, complaint.currency) == (10000, "USD")
    assert "flight" in term_index.complaint_terms(db.session, complaint.id)

    make_user(email="other@example.org")
    other = app.test_client()  # type: ignore[attr-defined]
    login(other, "other@example.org", PASSWORD)
    for path in (f"/complaints/{complaint.public_id}", f"/complaints/{complaint.public_id}/edit"):
        assert other.get(path).status_code == 404
    forged = submit(other, "/me/", action=f"/complaints/{complaint.public_id}/delete")
    assert forged.status_code == 404
    assert db.session.get(Complaint, complaint.id) is not None


@pytest.mark.usefixtures("demo")
def test_delete_leaves_the_case_and_refuses_after_submission(client: FlaskClient) -> None:
    login(client, "member@example.org", "chorus-demo-2026")
    member = db.session.scalar(select(User).where(User.email == "member@example.org"))
    memberships = db.session.scalars(
        select(Membership).where(Membership.user_id == member.id)
    ).all()
    open_one = next(m for m in memberships if m.case.status is CaseStatus.SIGNING)
    submitted = next(m for m in memberships if m.case.status is CaseStatus.SUBMITTED)

    refused = submit(
        client,
        "/me/",
        action=f"/complaints/{submitted.complaint.public_id}/delete",
        follow_redirects=True,
    )
    assert "can no longer be changed" in refused.get_data(
        as_text=True
    ) or "无法再修改" in refused.get_data(as_text=True)
    assert db.session.get(Complaint, submitted.complaint_id) is not None

    complaint_id, case_id = open_one.complaint_id, open_one.case_id
    response = submit(client, "/me/", action=f"/complaints/{open_one.complaint.public_id}/delete")
    assert_redirects(response)
    db.session.expire_all()
    assert db.session.get(Complaint, complaint_id) is None
    assert (
        db.session.scalar(
            select(func.count(Membership.id)).where(
                Membership.case_id == case_id, Membership.user_id == member.id
            )
        )
        == 0
    )


def test_visitor_is_sent_to_login(client: FlaskClient) -> None:
    response = client.get("/complaints/new")
    assert_redirects(response)
    assert response.headers["Location"].startswith("/account/login")


@pytest.mark.usefixtures("demo")
def test_the_narrative_is_redacted_once_when_written(client: FlaskClient, member: User) -> None:
    """What an authority will read is made when the complaint is written and kept in step."""
    narrative = f"我是{member.display_name}，手机 13812345678，支付宝账户被盗刷 4860 元，客服不理。"
    assert_redirects(_file(client, narrative=narrative))
    complaint = db.session.scalar(select(Complaint).where(Complaint.owner_id == member.id))
    assert complaint.narrative == narrative
    assert (
        complaint.narrative_redacted
        == "我是[REDACTED]，手机 [PHONE]，支付宝账户被盗刷 4860 元，客服不理。"
    )

    edited = narrative.replace("13812345678", "zhang@example.com")
    response = submit(
        client, f"/complaints/{complaint.public_id}/edit", data=_form(narrative=edited), headers=EN
    )
    assert_redirects(response)
    db.session.refresh(complaint)
    assert "[EMAIL]" in complaint.narrative_redacted
    assert "[PHONE]" not in complaint.narrative_redacted
