"""Starting, joining and leaving group cases; invitations; the public case page."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from extensions import db
from models import (
    CaseStatus,
    CaseTerm,
    Company,
    Complaint,
    GroupCase,
    MemberRole,
    Membership,
    Notification,
    PublishedFigures,
    User,
)
from services.cases import membership as group_cases
from services.cases.figures import case_figures
from services.matching import term_index
from tests.conftest import PASSWORD
from tests.support.forms import login, submit
from tests.support.sql import statements_sent
from tests.support.web import EN, assert_redirects

FROZEN_WALLET = (
    "My {n} WalletPro balance was frozen after a routine top-up, customer service "
    "asks for documents again and again and never unfreezes the account."
)


@pytest.fixture
def wallet(make_company: Callable[..., Company]) -> Company:
    return make_company("walletpro", "WalletPro", "钱包宝", aliases=("WP",))


def _people(make_user: Callable[..., User], count: int) -> list[User]:
    return [make_user(email=f"p{i}@example.org", locale="en") for i in range(count)]


def _start(client: FlaskClient, complaint: Complaint, **data: str) -> object:
    payload = {"title": "WalletPro freezes balances after top-ups", "summary": "", **data}
    return submit(
        client,
        f"/complaints/{complaint.public_id}",
        action=f"/complaints/{complaint.public_id}/start-case",
        data=payload,
        headers=EN,
    )


def test_start_case_invites_similar_complaints_anonymously(
    app: Flask,
    client: FlaskClient,
    make_user: Callable[..., User],
    make_complaint: Callable[..., Complaint],
    wallet: Company,
) -> None:
    organizer, similar, unrelated = _people(make_user, 3)
    mine = make_complaint(organizer, wallet, FROZEN_WALLET.format(n="whole"), "account_frozen")
    theirs = make_complaint(similar, wallet, FROZEN_WALLET.format(n="entire"), "account_frozen")
    make_complaint(
        unrelated,
        wallet,
        "WalletPro charged a hidden conversion fee of 3% on "
        "every foreign payment without telling anyone.",
        "fees_limits",
    )
    login(client, "p0@example.org", PASSWORD)
    page = client.get(f"/complaints/{mine.public_id}", headers=EN).get_data(as_text=True)
    assert "1 other person filed a similar complaint against this company" in page

    response = _start(client, mine, invite_similar="y")
    case = db.session.scalar(select(GroupCase))
    assert response.headers["Location"] == f"/cases/{case.public_id}"
    organizer_membership = db.session.scalar(select(Membership))
    assert organizer_membership.role is MemberRole.ORGANIZER
    invitations = db.session.scalars(select(Notification)).all()
    assert [n.user_id for n in invitations] == [similar.id]
    assert "p0@example.org" not in str(invitations[0].data)  # who started it stays hidden

    invitee = app.test_client()
    login(invitee, "p1@example.org", PASSWORD)
    inbox = invitee.get("/notifications/", headers=EN).get_data(as_text=True)
    assert case.title in inbox
    assert organizer.display_name not in inbox
    joined = submit(
        invitee,
        "/notifications/",
        action=f"/cases/{case.public_id}/join",
        data={"complaint": theirs.public_id},
    )
    assert_redirects(joined)
    assert db.session.scalar(select(func.count(Membership.id))) == 2


def test_join_rules(
    client: FlaskClient,
    make_user: Callable[..., User],
    make_complaint: Callable[..., Complaint],
    wallet: Company,
    make_company: Callable[..., Company],
) -> None:
    organizer, joiner, stranger = _people(make_user, 3)
    other_company = make_company("otherpay", "OtherPay", "别的支付")
    case = group_cases.start_case(
        db.session,
        organizer,
        make_complaint(organizer, wallet, FROZEN_WALLET.format(n="x")),
        title="Frozen",
        summary="",
    )
    db.session.commit()
    mine = make_complaint(joiner, wallet, FROZEN_WALLET.format(n="my"))
    elsewhere = make_complaint(joiner, other_company, FROZEN_WALLET.format(n="other"))
    strangers = make_complaint(stranger, wallet, FROZEN_WALLET.format(n="their"))
    login(client, "p1@example.org", PASSWORD)
    join_url = f"/cases/{case.public_id}/join"

    def join(complaint: Complaint) -> str:
        return submit(
            client,
            f"/cases/{case.public_id}",
            action=join_url,
            data={"complaint": complaint.public_id},
            headers=EN,
            follow_redirects=True,
        ).get_data(as_text=True)

    assert "Choose one of your complaints" in join(strangers)  # someone else's complaint
    assert "Choose one of your complaints" in join(elsewhere)  # another company
    assert db.session.scalar(select(func.count(Membership.id))) == 1
    assert "You joined the case" in join(mine)
    assert "You are already a member of this case." in join(mine)
    assert db.session.scalar(select(func.count(Membership.id))) == 2

    case.status = CaseStatus.SUBMITTED
    db.session.commit()
    submit(client, f"/cases/{case.public_id}", action="/account/logout")
    login(client, "p2@example.org", PASSWORD)
    late = make_complaint(stranger, wallet, FROZEN_WALLET.format(n="late"))
    refused = submit(
        client,
        f"/cases/{case.public_id}",
        action=join_url,
        data={"complaint": late.public_id},
        headers=EN,
        follow_redirects=True,
    )
    assert "no longer takes new members" in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Membership.id))) == 2


def test_leaving_hands_over_the_organizer_role_and_last_one_out_removes_the_case(
    client: FlaskClient,
    make_user: Callable[..., User],
    make_complaint: Callable[..., Complaint],
    wallet: Company,
) -> None:
    organizer, member = _people(make_user, 2)
    case = group_cases.start_case(
        db.session,
        organizer,
        make_complaint(organizer, wallet, FROZEN_WALLET.format(n="a")),
        title="Frozen",
        summary="",
    )
    group_cases.join_case(
        db.session, member, case, make_complaint(member, wallet, FROZEN_WALLET.format(n="b"))
    )
    db.session.commit()
    case_id, public_id = case.id, case.public_id

    login(client, "p0@example.org", PASSWORD)
    left = submit(
        client,
        f"/cases/{public_id}",
        action=f"/cases/{public_id}/leave",
        headers=EN,
        follow_redirects=True,
    )
    assert "You left the case" in left.get_data(as_text=True)
    db.session.expire_all()
    remaining = db.session.scalar(select(Membership).where(Membership.case_id == case_id))
    assert remaining.user_id == member.id
    assert remaining.role is MemberRole.ORGANIZER
    assert (
        db.session.scalar(
            select(func.count(CaseTerm.term)).where(
                CaseTerm.case_id == case_id, CaseTerm.members > 1
            )
        )
        == 0
    )  # profile lost one member

    group_cases.leave_case(db.session, remaining)
    db.session.commit()
    assert db.session.get(GroupCase, case_id) is None


@pytest.mark.usefixtures("demo")
def test_leaving_a_submitted_case_is_refused(client: FlaskClient) -> None:
    login(client, "member@example.org", "chorus-demo-2026")
    member = db.session.scalar(select(User).where(User.email == "member@example.org"))
    membership = db.session.scalar(
        select(Membership)
        .join(GroupCase)
        .where(Membership.user_id == member.id, GroupCase.status == CaseStatus.SUBMITTED)
    )
    public_id = membership.case.public_id
    page = client.get(f"/cases/{public_id}").get_data(as_text=True)
    assert f"/cases/{public_id}/leave" not in page
    forced = submit(
        client, f"/cases/{public_id}", action=f"/cases/{public_id}/leave", follow_redirects=True
    )
    assert forced.status_code == 200
    assert db.session.get(Membership, membership.id) is not None


def test_case_profile_always_equals_its_members_terms(
    make_user: Callable[..., User],
    make_complaint: Callable[..., Complaint],
    wallet: Company,
) -> None:
    people = _people(make_user, 4)
    complaints = [
        make_complaint(p, wallet, FROZEN_WALLET.format(n=w))
        for p, w in zip(people, ["one", "two", "three", "four"], strict=True)
    ]
    case = group_cases.start_case(db.session, people[0], complaints[0], title="t", summary="")
    for person, complaint in zip(people[1:], complaints[1:], strict=True):
        group_cases.join_case(db.session, person, case, complaint)
    group_cases.leave_case(db.session, group_cases.membership_in(db.session, people[2], case))
    db.session.commit()

    expected: dict[str, int] = {}
    for membership in case.memberships:
        for term in term_index.complaint_terms(db.session, membership.complaint_id):
            expected[term] = expected.get(term, 0) + 1
    stored = dict(
        db.session.execute(
            select(CaseTerm.term, CaseTerm.members).where(CaseTerm.case_id == case.id)
        ).all()
    )
    assert stored == expected


def test_figures_hidden_until_five_members_then_shown_with_charts(
    client: FlaskClient,
    make_user: Callable[..., User],
    make_complaint: Callable[..., Complaint],
    wallet: Company,
) -> None:
    people = _people(make_user, 5)
    complaints = [
        make_complaint(p, wallet, FROZEN_WALLET.format(n=str(i)), amount=1000 * (i + 1))
        for i, p in enumerate(people)
    ]
    case = group_cases.start_case(db.session, people[0], complaints[0], title="t", summary="")
    for person, complaint in zip(people[1:4], complaints[1:4], strict=True):
        group_cases.join_case(db.session, person, case, complaint)
    db.session.commit()
    small = client.get(f"/cases/{case.public_id}", headers=EN).get_data(as_text=True)
    assert "Totals appear once the case has 5 members" in small
    assert "Total lost" not in small

    group_cases.join_case(db.session, people[4], case, complaints[4])
    db.session.commit()
    page = client.get(f"/cases/{case.public_id}", headers=EN).get_data(as_text=True)
    assert "Total lost (CNY)" in page
    # 10 + 20 + 30 + 40 + 50, to two significant figures, as one unbreakable amount
    assert 'about <span class="amount">CN¥150</span><' in page
    assert case_figures(db.session, case).totals == [("CNY", 15000)]  # the authority's, exact
    assert "<svg viewBox" in page
    assert "Members joining over time" in page
    for person in people:
        assert person.display_name not in page or person.display_name == "测试用户"
        assert person.email not in page


def test_joins_of_months_are_shown_per_week(
    client: FlaskClient,
    make_user: Callable[..., User],
    make_complaint: Callable[..., Complaint],
    wallet: Company,
) -> None:
    """Past two months of days the joins table counts weeks: a case that gathers for years
    does not list (and send every visitor) thousands of rows."""
    people = _people(make_user, 5)
    complaints = [
        make_complaint(p, wallet, FROZEN_WALLET.format(n=str(i))) for i, p in enumerate(people)
    ]
    case = group_cases.start_case(db.session, people[0], complaints[0], title="t", summary="")
    for person, complaint in zip(people[1:], complaints[1:], strict=True):
        group_cases.join_case(db.session, person, case, complaint)
    db.session.commit()
    # a snapshot of a case that gathered on 100 days from Thursday 1 January 2026 (one member a
    # day: making 100 members here would only slow the test; the grouping has its unit tests)
    snapshot = db.session.get(PublishedFigures, case.id)
    assert snapshot is not None
    first = date(2026, 1, 1)
    days = [[(first + timedelta(days=n)).isoformat(), 1] for n in range(100)]
    snapshot.figures = {**snapshot.figures, "joins": days}
    db.session.commit()

    page = client.get(f"/cases/{case.public_id}", headers=EN).get_data(as_text=True)
    assert '<th scope="col">Week</th>' in page
    assert "<td>Week of Dec 29, 2025</td>" in page
    assert "<td>Week of Apr 6, 2026</td>" in page
    assert page.count("<td>Week of ") == 15  # 29 December to 6 April
    assert '<td class="num">100</td></tr>' in page  # members after the last week
    zh_reader = {"Accept-Language": "zh-CN"}
    zh = client.get(f"/cases/{case.public_id}", headers=zh_reader).get_data(as_text=True)
    assert "2025年12月29日 起的一周" in zh


@pytest.mark.usefixtures("app")
def test_case_page_query_count_does_not_grow_with_members(
    client: FlaskClient,
    make_user: Callable[..., User],
    make_complaint: Callable[..., Complaint],
    wallet: Company,
) -> None:
    def build(count: int, prefix: str) -> GroupCase:
        people = [make_user(email=f"{prefix}{i}@example.org") for i in range(count)]
        complaints = [
            make_complaint(p, wallet, FROZEN_WALLET.format(n=f"{prefix}{i}"))
            for i, p in enumerate(people)
        ]
        case = group_cases.start_case(
            db.session, people[0], complaints[0], title=prefix, summary="", invite_similar=False
        )
        for person, complaint in zip(people[1:], complaints[1:], strict=True):
            group_cases.join_case(db.session, person, case, complaint)
        db.session.commit()
        return case

    def queries(case: GroupCase) -> int:
        with statements_sent() as statements:
            assert client.get(f"/cases/{case.public_id}").status_code == 200
        return len(statements)

    assert queries(build(6, "small")) == queries(build(30, "large"))


@pytest.mark.usefixtures("demo")
def test_directory_sorts_by_size(client: FlaskClient) -> None:
    page = client.get("/cases/?sort=size", headers=EN).get_data(as_text=True)
    counts = [int(n) for n in __import__("re").findall(r'class="members">(\d+) member', page)]
    assert counts == sorted(counts, reverse=True)
    assert len(counts) == 8
