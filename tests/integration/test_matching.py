"""Ranking cases for a complaint: the same answers on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from extensions import db
from models import CaseStatus, Company, Complaint, GroupCase, User
from services.cases import membership as group_cases
from services.matching.ranking import find_matches

THEFT = [
    "凌晨手机收到验证码,随后支付宝账户在陌生设备登录,被盗刷了三千元,客服说是本人操作不赔。",
    "我的支付宝半夜被陌生设备登录盗刷,开通了小额免密,连续扣款给游戏商户,客服拒绝赔付。",
    "Someone logged into my Alipay account from an unknown device at night and drained it.",
    "支付宝提示陌生设备登录,我没有操作,余额被盗刷一空,申诉后客服拒绝赔付。",
]
REFUND = [
    "航班取消后支付宝一直不退款,客服说要等航司,已经两个月了,退款还是没到账。",
    "机票取消了,通过支付宝付的钱迟迟不退,投诉了好几次退款都没有结果。",
    "My flight was cancelled but the Alipay refund never arrived after two months.",
    "Alipay refused the refund for my cancelled hotel booking.",
    "Still waiting for an Alipay refund: the merchant says it was sent weeks ago.",
]


@pytest.fixture
def world(
    make_user: Callable[..., User],
    make_company: Callable[..., Company],
    make_complaint: Callable[..., Complaint],
) -> dict[str, object]:
    """Two Alipay cases with different issues, one WeChat case, one submitted Alipay case."""
    alipay = make_company("alipay", "Alipay", "支付宝", aliases=("蚂蚁支付",))
    wechat = make_company("wechat", "WeChat Pay", "微信支付")
    counter = iter(range(100))

    def case(company: Company, texts: list[str], category: str, day: date, title: str) -> GroupCase:
        people = [make_user(email=f"m{next(counter)}@example.org") for _ in texts]
        complaints = [
            make_complaint(p, company, t, category, incident_date=day)
            for p, t in zip(people, texts, strict=True)
        ]
        created = group_cases.start_case(
            db.session, people[0], complaints[0], title=title, summary="", invite_similar=False
        )
        for person, complaint in zip(people[1:], complaints[1:], strict=True):
            group_cases.join_case(db.session, person, created, complaint)
        db.session.commit()
        return created

    return {
        "alipay": alipay,
        "theft": case(alipay, THEFT, "account_security", date(2026, 8, 14), "theft"),
        "refund": case(alipay, REFUND, "refund", date(2026, 6, 1), "refund"),
        "wechat_theft": case(wechat, THEFT, "account_security", date(2026, 8, 14), "wechat"),
        "submitted": _submitted(
            case(alipay, THEFT, "account_security", date(2026, 8, 1), "old theft")
        ),
    }


def _submitted(case: GroupCase) -> GroupCase:
    case.status = CaseStatus.SUBMITTED
    db.session.commit()
    return case


def test_text_decides_between_cases_of_the_same_company(
    world: dict[str, object],
    make_user: Callable[..., User],
    make_complaint: Callable[..., Complaint],
) -> None:
    newcomer = make_user(email="new@example.org")
    # the member picked the "refund" category, but the story is a theft
    complaint = make_complaint(
        newcomer,
        world["alipay"],
        "支付寶賬戶昨晚被陌生設備登錄,盜刷了兩千塊,客服不管",
        "refund",
        incident_date=date(2026, 8, 20),
    )
    report = find_matches(db.session, complaint)
    titles = [m.case.title for m in report.matches]
    assert titles == ["theft", "refund"]  # WeChat's and the submitted case never appear
    best = report.matches[0]
    assert not best.same_category
    assert best.in_period
    # only terms three or more members used (盗刷 is one, but five rank above it)
    assert "陌生" in best.key_terms
    assert set(best.key_terms) <= {"客服", "支付", "登录", "设备", "陌生", "盗刷", "拒绝", "赔付"}
    assert best.members == 4


def test_english_complaint_finds_the_refund_case(
    world: dict[str, object],
    make_user: Callable[..., User],
    make_complaint: Callable[..., Complaint],
) -> None:
    complaint = make_complaint(
        make_user(email="en@example.org"),
        world["alipay"],
        "Cancelled flights: Alipay refunds are refused for months.",
        "refund",
        incident_date=date(2026, 6, 10),
    )
    report = find_matches(db.session, complaint)
    assert [m.case.title for m in report.matches] == ["refund", "theft"]
    assert report.matches[0].same_category
    assert "refunds" in report.matches[0].key_terms  # as the member wrote it, not the stem


def test_scores_are_identical_across_databases(
    world: dict[str, object],
    make_user: Callable[..., User],
    make_complaint: Callable[..., Complaint],
) -> None:
    """Exact expected numbers: this test runs on SQLite and on PostgreSQL, so both must agree
    to the fourth decimal."""
    complaint = make_complaint(
        make_user(email="x@example.org"),
        world["alipay"],
        THEFT[1],
        "account_security",
        incident_date=date(2026, 8, 14),
    )
    report = find_matches(db.session, complaint)
    assert [(m.case.title, m.same_category, m.in_period) for m in report.matches] == [
        ("theft", True, True),
        ("refund", False, False),
    ]
    assert [(m.score, m.text_score) for m in report.matches] == [(0.7899, 0.6128), (0.2597, 0.067)]


def test_similar_complaints_without_a_case_are_counted(
    world: dict[str, object],
    make_user: Callable[..., User],
    make_complaint: Callable[..., Complaint],
) -> None:
    alipay = world["alipay"]
    lonely = [
        make_complaint(make_user(email=f"l{i}@example.org"), alipay, text, "refund")
        for i, text in enumerate(REFUND)
    ]
    make_complaint(
        make_user(email="fee@example.org"),
        alipay,
        "Alipay charged a currency conversion fee nobody mentioned.",
        "fees_limits",
    )
    mine = make_complaint(make_user(email="me@example.org"), alipay, REFUND[0], "refund")
    assert find_matches(db.session, mine).similar_without_case == len(lonely)


def test_a_member_is_not_offered_cases_they_are_already_in(world: dict[str, object]) -> None:
    theft = world["theft"]
    member = theft.memberships[1]
    report = find_matches(db.session, member.complaint)
    assert theft.id not in [m.case.id for m in report.matches]
