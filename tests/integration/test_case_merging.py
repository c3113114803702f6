"""Duplicate cases of the same company and issue merge when both sides' organizers agree; the
members move with their complaint and what they pooled, are told, and may leave."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from extensions import db
from models import (
    CaseMerge,
    CaseTerm,
    Company,
    Complaint,
    Evidence,
    EvidenceStatus,
    GroupCase,
    MemberRole,
    Membership,
    Notification,
    User,
)
from services.cases import membership as group_cases
from services.cases import merging
from services.evidence import contributions as evidence
from services.petition import drafting
from tests.conftest import PASSWORD
from tests.support.forms import login, submit
from tests.support.web import EN

FROZEN = (
    "My WalletPro balance of {n} yuan was frozen after a routine top-up; customer service asks "
    "for documents again and again and never unfreezes the account."
)
KEEPS = "WalletPro freezes balances after top-ups"
MERGED = "Frozen WalletPro accounts"


@pytest.fixture
def wallet(make_company: Callable[..., Company]) -> Company:
    return make_company("walletpro", "WalletPro", "钱包宝")


@pytest.fixture
def people(make_user: Callable[..., User]) -> dict[str, User]:
    names = ("keeper", "kept_member", "both", "merger", "moving", "stranger")
    return {name: make_user(email=f"{name}@example.org", locale="en") for name in names}


def _cases(
    people: dict[str, User], make_complaint: Callable[..., Complaint], wallet: Company
) -> tuple[GroupCase, GroupCase]:
    """The case that continues (keeper, kept_member, both) and the one merged into it (merger,
    moving, both), each started and joined with its own complaint."""
    complaint_number = iter(range(100, 200))

    def complaint(name: str) -> Complaint:
        return make_complaint(
            people[name], wallet, FROZEN.format(n=next(complaint_number)), "account_frozen"
        )

    keeps = group_cases.start_case(
        db.session, people["keeper"], complaint("keeper"), title=KEEPS, summary=""
    )
    merged = group_cases.start_case(
        db.session, people["merger"], complaint("merger"), title=MERGED, summary=""
    )
    for case, names in ((keeps, ("kept_member", "both")), (merged, ("moving", "both"))):
        for name in names:
            group_cases.join_case(db.session, people[name], case, complaint(name))
    db.session.commit()
    return keeps, merged


def _alone(
    make_complaint: Callable[..., Complaint], person: User, company: Company, title: str
) -> GroupCase:
    """A case of one member, started with a frozen-balance complaint."""
    case = group_cases.start_case(
        db.session,
        person,
        make_complaint(person, company, FROZEN.format(n=7), "account_frozen"),
        title=title,
        summary="",
    )
    db.session.commit()
    return case


def _client(app: Flask, name: str) -> FlaskClient:
    client = app.test_client()
    login(client, f"{name}@example.org", PASSWORD)
    return client


def _propose(client: FlaskClient, case: GroupCase, other: GroupCase, keep: str) -> object:
    return submit(
        client,
        f"/cases/{case.public_id}",
        action=f"/cases/{case.public_id}/merge",
        data={"other": other.public_id, "keep": keep},
        headers=EN,
    )


def _answer(client: FlaskClient, case_id: str, decision: str) -> object:
    merge_id = db.session.scalar(select(func.max(CaseMerge.id)))
    return submit(
        client,
        f"/cases/{case_id}",
        action=f"/cases/{case_id}/merge/answer",
        data={"merge": str(merge_id), "decision": decision},
        headers=EN,
    )


def test_both_organizers_agree_and_the_members_move_with_what_they_pooled(
    app: Flask,
    people: dict[str, User],
    make_complaint: Callable[..., Complaint],
    wallet: Company,
) -> None:
    keeps, merged = _cases(people, make_complaint, wallet)
    keeps_id, merged_id = keeps.public_id, merged.public_id
    item = evidence.contribute(
        db.session, people["moving"], merged, io.BytesIO(b"Chat log: frozen again.\n"), "chat.txt"
    )
    db.session.commit()
    evidence.confirm(db.session, people["moving"], db.session.get(Evidence, item.id))
    db.session.commit()

    merger = _client(app, "merger")
    proposed = _propose(merger, merged, keeps, keep="other")
    assert proposed.status_code == 302
    asked = db.session.scalar(
        select(Notification).where(
            Notification.user_id == people["keeper"].id, Notification.kind == "merge_proposed"
        )
    )
    assert asked is not None
    # the proposer cannot accept for the other side; a second proposal waits behind the first
    assert _answer(merger, merged_id, "accept").status_code == 403
    assert _propose(merger, merged, keeps, keep="other").status_code == 400

    keeper = _client(app, "keeper")
    page = keeper.get(f"/cases/{keeps_id}", headers=EN).get_data(as_text=True)
    assert f"Proposed: “{MERGED}” (3 members) merges into this case." in page
    assert "Agree and merge" in page
    member_page = _client(app, "kept_member").get(f"/cases/{keeps_id}", headers=EN)
    assert "The organizers of both cases decide." in member_page.get_data(as_text=True)
    assert "Agree and merge" not in member_page.get_data(as_text=True)

    # declined first: the proposer is told, nothing moved; then proposed again and accepted
    assert _answer(keeper, keeps_id, "decline").status_code == 302
    inbox = merger.get("/notifications/", headers=EN).get_data(as_text=True)
    assert f"The organizers of “{KEEPS}” declined to merge it with {MERGED}." in inbox
    assert _propose(merger, merged, keeps, keep="other").status_code == 302
    accepted = _answer(keeper, keeps_id, "accept")
    assert accepted.status_code == 302
    assert accepted.headers["Location"] == f"/cases/{keeps_id}"

    db.session.expire_all()
    assert db.session.scalar(select(GroupCase).where(GroupCase.public_id == merged_id)) is None
    keeps = db.session.scalar(select(GroupCase).where(GroupCase.public_id == keeps_id))
    assert keeps is not None
    roles = {m.user_id: m.role for m in keeps.memberships}
    assert roles == {
        people["keeper"].id: MemberRole.ORGANIZER,
        people["kept_member"].id: MemberRole.MEMBER,
        people["both"].id: MemberRole.MEMBER,
        people["merger"].id: MemberRole.CO_ORGANIZER,
        people["moving"].id: MemberRole.MEMBER,
    }
    assert keeps.member_count == 5
    moving = group_cases.membership_in(db.session, people["moving"], keeps)
    assert moving is not None
    pooled = db.session.scalars(select(Evidence).where(Evidence.case_id == keeps.id)).all()
    assert [(e.status, e.contributor_pseudonym) for e in pooled] == [
        (EvidenceStatus.POOLED, moving.pseudonym)
    ]
    # the member in both keeps their place; the complaint they brought to the other is free
    assert len(group_cases.free_complaints(db.session, people["both"], wallet.id)) == 1
    # the matching profile now holds the moved complaints' words, counted once per member
    assert (
        db.session.scalar(
            select(CaseTerm.members).where(CaseTerm.case_id == keeps.id, CaseTerm.term == "frozen")
        )
        == 5
    )

    # the old link leads on; the timeline says what happened
    visitor = app.test_client()
    forwarded = visitor.get(f"/cases/{merged_id}", headers=EN)
    assert forwarded.status_code == 301
    assert forwarded.headers["Location"] == f"/cases/{keeps_id}"
    public = visitor.get(f"/cases/{keeps_id}", headers=EN).get_data(as_text=True)
    assert "A case of the same issue was merged into this one" in public
    assert f"“{MERGED}”, 3 members" in public

    # every member is told, the moved ones under their new pseudonym, and may leave
    moving_client = _client(app, "moving")
    told = moving_client.get("/notifications/", headers=EN).get_data(as_text=True)
    assert f"Your group case “{MERGED}” was merged into {KEEPS}" in told
    assert f"Member {moving.pseudonym}" in told
    keeper_told = keeper.get("/notifications/", headers=EN).get_data(as_text=True)
    assert f"The group case “{MERGED}”, of the same issue, was merged into yours" in keeper_told
    both_told = _client(app, "both").get("/notifications/", headers=EN).get_data(as_text=True)
    assert f"The group case “{MERGED}”, of the same issue, was merged into yours" in both_told
    # the continuing case's other members read it on its timeline, not in their inbox
    assert not db.session.scalar(
        select(Notification).where(
            Notification.user_id == people["kept_member"].id, Notification.kind == "cases_merged"
        )
    )
    left = submit(
        moving_client,
        f"/cases/{keeps_id}",
        action=f"/cases/{keeps_id}/leave",
        headers=EN,
        follow_redirects=True,
    )
    assert "You left the case" in left.get_data(as_text=True)


def test_who_may_propose_and_what_cannot_be_merged(
    app: Flask,
    people: dict[str, User],
    make_complaint: Callable[..., Complaint],
    make_company: Callable[..., Company],
    wallet: Company,
) -> None:
    keeps, merged = _cases(people, make_complaint, wallet)
    elsewhere_company = make_company("otherpay", "OtherPay", "别的支付")
    stranger = people["stranger"]
    elsewhere = _alone(make_complaint, stranger, elsewhere_company, "OtherPay freezes too")

    # a plain member and a stranger: refused, and the page offers them no form
    moving = _client(app, "moving")
    assert 'action="/cases/' + merged.public_id + '/merge"' not in moving.get(
        f"/cases/{merged.public_id}"
    ).get_data(as_text=True)
    assert _propose(moving, merged, keeps, keep="other").status_code == 403
    outsider = _client(app, "stranger")
    refused = outsider.post(
        f"/cases/{merged.public_id}/merge", data={"other": keeps.public_id, "keep": "other"}
    )
    assert refused.status_code in (400, 404)  # the CSRF check or the membership check
    # another company's case is not offered, and posting it anyway is refused with a reason
    merger = _client(app, "merger")
    page = merger.get(f"/cases/{merged.public_id}", headers=EN).get_data(as_text=True)
    assert KEEPS in page
    assert "OtherPay freezes too" not in page
    other_company = _propose(merger, merged, elsewhere, keep="other")
    assert other_company.status_code == 400
    assert "Choose a value from the list." in other_company.get_data(as_text=True)

    # a case whose joint complaint is being written keeps its drafts: it cannot be merged away
    drafting.save_version(
        db.session,
        merged,
        group_cases.membership_in(db.session, people["merger"], merged),
        drafting.DraftInput(
            title="Joint complaint",
            authority_id=None,
            facts="Balances frozen.",
            demands="Unfreeze them.",
            body_md="We ask the authority to act.",
        ),
    )
    db.session.commit()
    drafted = _propose(merger, merged, keeps, keep="other")
    assert drafted.status_code == 400
    assert "must still be gathering members" in drafted.get_data(as_text=True)
    assert db.session.scalar(select(func.count(CaseMerge.id))) == 0
    assert db.session.scalar(select(func.count(Membership.id))) == 7


def test_an_old_link_leads_on_through_later_merges(
    app: Flask,
    people: dict[str, User],
    make_complaint: Callable[..., Complaint],
    wallet: Company,
) -> None:
    keeps, merged = _cases(people, make_complaint, wallet)
    stranger = people["stranger"]
    third = _alone(make_complaint, stranger, wallet, "WalletPro froze me too")
    first_link, third_id = merged.public_id, third.public_id

    def merge(source: GroupCase, target: GroupCase, proposer: str, answerer: str) -> None:
        proposing = group_cases.membership_in(db.session, people[proposer], source)
        proposal = merging.propose_merge(db.session, proposing, target, keep_this=False)
        answering = group_cases.membership_in(db.session, people[answerer], target)
        merging.accept_merge(db.session, proposal, answering)
        db.session.commit()

    merge(merged, keeps, "merger", "keeper")
    merge(keeps, third, "keeper", "stranger")
    forwarded = app.test_client().get(f"/cases/{first_link}")
    assert forwarded.status_code == 301
    assert forwarded.headers["Location"] == f"/cases/{third_id}"
    assert app.test_client().get("/cases/NOSUCHCASE1").status_code == 404


def test_the_likeliest_duplicate_is_offered_first(
    people: dict[str, User],
    make_complaint: Callable[..., Complaint],
    wallet: Company,
) -> None:
    """Three cases of WalletPro, all started under the same category: the frozen-balance
    duplicate is smaller than the unrelated fee case, and meaning puts it first."""
    keeps, _merged = _cases(people, make_complaint, wallet)
    fee_payers = [
        people["stranger"],
        *(
            User(email=f"fee{n}@example.org", display_name=f"Fee {n}", password_hash="!")
            for n in range(3)
        ),
    ]
    db.session.add_all(fee_payers[1:])
    db.session.flush()
    fee_texts = [
        f"WalletPro charged a hidden {n}% conversion fee on every foreign payment without "
        "telling anyone; the fee is nowhere in the price shown."
        for n in (2, 3, 4, 5)
    ]
    fee_case = group_cases.start_case(
        db.session,
        fee_payers[0],
        make_complaint(fee_payers[0], wallet, fee_texts[0], "account_frozen"),
        title="WalletPro hidden conversion fees",
        summary="",
    )
    for payer, text in zip(fee_payers[1:], fee_texts[1:], strict=True):
        group_cases.join_case(
            db.session, payer, fee_case, make_complaint(payer, wallet, text, "fees_limits")
        )
    db.session.commit()
    offered = merging.mergeable_with(db.session, keeps)
    assert [c.title for c in offered] == [MERGED, "WalletPro hidden conversion fees"]
