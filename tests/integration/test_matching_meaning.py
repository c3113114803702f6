"""Matching by meaning: a complaint finds its case across languages and wording, and the
vectors behind it follow complaints and members."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from flask.testing import FlaskClient
from sqlalchemy import func, select

from extensions import db
from models import CaseVector, Company, Complaint, ComplaintVector, GroupCase, User
from services.cases import membership as group_cases
from services.complaints.filing import delete_complaint
from services.matching.ranking import SIMILAR_CAP, find_matches, similar_complaint_ids
from tests.conftest import PASSWORD
from tests.support.forms import login

THEFT_ZH = [
    "半夜手机在陌生设备上登录了我的账户,没有收到任何验证码,余额被人全部转走,客服说是本人操作不赔。",
    "我的账户被陌生手机登录,开通了免密支付后连续扣款几十笔,钱被盗了,平台拒绝赔偿。",
    "账户被盗,对方在新设备上登录后把钱转光,我报了警,客服却说验证通过不负责。",
]
REFUND_ZH = [
    "航班取消以后,机票钱一直没有退回来,平台和航空公司互相推诿,已经等了两个月。",
    "酒店订单取消了,付的房费迟迟不退,客服每次都说再等等,退款一直没到。",
    "商家同意退货退款,但是钱三个星期了还没有退到我的账户里。",
]


def _case(
    make_user: Callable[..., User],
    make_complaint: Callable[..., Complaint],
    company: Company,
    texts: list[str],
    category: str,
    prefix: str,
) -> GroupCase:
    people = [make_user(email=f"{prefix}{i}@example.org") for i in range(len(texts))]
    complaints = [
        make_complaint(p, company, t, category, incident_date=date(2026, 8, 14))
        for p, t in zip(people, texts, strict=True)
    ]
    case = group_cases.start_case(
        db.session,
        people[0],
        complaints[0],
        title=f"{prefix} case",
        summary="",
        invite_similar=False,
    )
    for person, complaint in zip(people[1:], complaints[1:], strict=True):
        group_cases.join_case(db.session, person, case, complaint)
    db.session.commit()
    return case


def test_english_story_finds_the_chinese_case_despite_another_category(
    client: FlaskClient,
    make_user: Callable[..., User],
    make_company: Callable[..., Company],
    make_complaint: Callable[..., Complaint],
) -> None:
    alipay = make_company("alipay", "Alipay", "支付宝")
    theft = _case(make_user, make_complaint, alipay, THEFT_ZH, "account_security", "theft")
    _case(make_user, make_complaint, alipay, REFUND_ZH, "refund", "refund")
    newcomer = make_user(email="new@example.org")
    # no word in common with either case, and the category of the other one
    complaint = make_complaint(
        newcomer,
        alipay,
        "Someone logged into my wallet from a strange phone at night without any verification "
        "code and emptied my balance; support claims I did it myself and will not pay me back.",
        "refund",
        incident_date=date(2026, 8, 14),
    )
    matches = find_matches(db.session, complaint).matches
    assert matches[0].case.id == theft.id
    assert matches[0].similar_meaning
    assert not matches[0].same_category
    login(client, "new@example.org", PASSWORD)
    page = client.get(f"/complaints/{complaint.public_id}").get_data(as_text=True)
    assert page.index("theft case") < page.index("refund case")
    assert "similar meaning" in page


def test_vectors_follow_complaints_and_members(
    make_user: Callable[..., User],
    make_company: Callable[..., Company],
    make_complaint: Callable[..., Complaint],
) -> None:
    alipay = make_company("alipay", "Alipay", "支付宝")
    case = _case(make_user, make_complaint, alipay, THEFT_ZH, "account_security", "theft")
    # the job ran after each complaint was saved; the profile counts every member
    assert db.session.scalar(select(func.count()).select_from(ComplaintVector)) == 3
    profile = db.session.get(CaseVector, case.id)
    assert profile is not None
    assert profile.members == 3
    member = db.session.scalars(select(Complaint).order_by(Complaint.id.desc())).first()
    assert member is not None
    delete_complaint(db.session, member)  # leaves the case first
    db.session.commit()
    db.session.refresh(profile)
    assert profile.members == 2
    assert db.session.scalar(select(func.count()).select_from(ComplaintVector)) == 2


def test_the_cap_on_similar_complaints_keeps_the_most_similar(
    make_user: Callable[..., User],
    make_company: Callable[..., Company],
    make_complaint: Callable[..., Complaint],
) -> None:
    alipay = make_company("alipay", "Alipay", "支付宝")
    owner = make_user(email="old@example.org")
    # the oldest, in another category, but telling the same story in the same words
    twin = make_complaint(owner, alipay, THEFT_ZH[0], "account_security")
    for number in range(SIMILAR_CAP + 1):  # newer, same category, about something else
        make_complaint(
            make_user(email=f"other{number}@example.org"), alipay, REFUND_ZH[number % 3], "refund"
        )
    newcomer = make_user(email="new@example.org")
    complaint = make_complaint(newcomer, alipay, THEFT_ZH[0] + "我要求全额赔偿。", "refund")
    similar = similar_complaint_ids(db.session, complaint)
    assert len(similar) == SIMILAR_CAP + 1
    assert similar[0] == twin.id
