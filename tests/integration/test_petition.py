"""Drafting the joint complaint in versions, signing it, the log, the discussion, the roles."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, update

from extensions import db
from models import (
    Authority,
    CaseStatus,
    Company,
    Complaint,
    GroupCase,
    MemberRole,
    Membership,
    Notification,
    PetitionVersion,
    SignatureAction,
    SignatureEntry,
    User,
)
from services.cases import membership as group_cases
from services.complaints.filing import ComplaintInput, update_complaint
from services.platform.i18n import LOCALE_SESSION_KEY
from services.reference.authorities import create_authority
from tests.conftest import PASSWORD
from tests.support.forms import csrf_token, logged_in, login, submit
from tests.support.web import EN, assert_redirects

STORY = "WalletPro froze my balance after a top-up of {n} yuan and support never answers me."


@pytest.fixture
def setup(
    make_user: Callable[..., User],
    make_company: Callable[..., Company],
    make_complaint: Callable[..., Complaint],
) -> dict[str, object]:
    """A case with an organizer and four members (p0 organizes), and an authority."""
    company = make_company("walletpro", "WalletPro", "钱包宝")
    people = [
        make_user(email=f"p{i}@example.org", locale="en", display_name=f"Person {i}")
        for i in range(5)
    ]
    complaints = [
        make_complaint(
            p, company, STORY.format(n=100 * (i + 1)), "account_frozen", amount=10000 * (i + 1)
        )
        for i, p in enumerate(people)
    ]
    case = group_cases.start_case(
        db.session,
        people[0],
        complaints[0],
        title="Frozen balances",
        summary="",
        invite_similar=False,
    )
    for person, complaint in zip(people[1:], complaints[1:], strict=True):
        group_cases.join_case(db.session, person, case, complaint)
    authority = create_authority(
        db.session, slug="fcp", name_en="Consumer Office", name_zh="消费者办公室"
    )
    db.session.commit()
    return {"case": case, "people": people, "authority": authority}


def _as(app: Flask, index: int) -> FlaskClient:
    return logged_in(app, f"p{index}@example.org")


def _draft(
    client: FlaskClient, case: GroupCase, authority: Authority | None, **fields: str
) -> object:
    data = {
        "title": "Joint complaint about frozen balances",
        "facts": "Five members.",
        "demands": "- Unfreeze",
        "body_md": "# Complaint\n\nWalletPro froze our money.",
        "authority": str(authority.id if authority else 0),
        **fields,
    }
    return submit(client, f"/cases/{case.public_id}/petition/edit", data=data, headers=EN)


def _open(client: FlaskClient, case: GroupCase, number: int) -> object:
    return submit(
        client,
        f"/cases/{case.public_id}/petition",
        action=f"/cases/{case.public_id}/petition/versions/{number}/open",
        headers=EN,
        follow_redirects=True,
    )


def _sign(client: FlaskClient, case: GroupCase, share: bool = False, **overrides: str) -> str:
    page = client.get(f"/cases/{case.public_id}/petition", headers=EN).get_data(as_text=True)
    marker = 'name="version_sha256" type="hidden" value="'
    version_hash = page[page.index(marker) + len(marker) :].split('"')[0] if marker in page else ""
    data = {
        "csrf_token": csrf_token(page),
        "version_sha256": version_hash,
        "facts_confirmed": "y",
        "share_identity": "identity" if share else "pseudonym",
        **overrides,
    }
    response = client.post(
        f"/cases/{case.public_id}/petition/sign", data=data, headers=EN, follow_redirects=True
    )
    return response.get_data(as_text=True)


def _first_version_open(
    app: Flask, setup: dict[str, object]
) -> tuple[GroupCase, Authority, FlaskClient]:
    """The organizer drafts version 1 and opens it for signing."""
    case, authority = setup["case"], setup["authority"]
    organizer = _as(app, 0)
    _draft(organizer, case, authority)
    _open(organizer, case, 1)
    return case, authority, organizer


def _signatures(case: GroupCase) -> int:
    return db.session.scalar(
        select(func.count(SignatureEntry.id)).where(SignatureEntry.case_id == case.id)
    )


def test_drafting_versions_history_and_diff(app: Flask, setup: dict[str, object]) -> None:
    case, authority = setup["case"], setup["authority"]
    organizer = _as(app, 0)
    assert_redirects(_draft(organizer, case, authority))
    db.session.refresh(case)
    assert case.status is CaseStatus.DRAFTING
    _draft(
        organizer,
        case,
        authority,
        body_md="# Complaint\n\nWalletPro froze our money.\n\nWe ask for it back.",
    )
    page = organizer.get(f"/cases/{case.public_id}/petition", headers=EN).get_data(as_text=True)
    assert "Version 2" in page
    assert "changes since 1" in page
    # the organizer's button is a verb in both languages, not the status "联署进行中"
    assert "Open version 2 for signing" in page
    with organizer.session_transaction() as cookie_session:
        cookie_session[LOCALE_SESSION_KEY] = "zh"
    chinese = organizer.get(f"/cases/{case.public_id}/petition").get_data(as_text=True)
    assert "开放第 2 版联署</button>" in chinese
    changes = organizer.get(f"/cases/{case.public_id}/petition/diff?a=1&b=2", headers=EN)
    html = changes.get_data(as_text=True)
    assert 'class="diff-added"' in html
    assert "We ask for it back." in html
    assert organizer.get(f"/cases/{case.public_id}/petition/diff?a=1&b=9").status_code == 404


def test_the_old_address_of_the_petition_page_leads_to_it(
    app: Flask, setup: dict[str, object]
) -> None:
    case, authority = setup["case"], setup["authority"]
    organizer = _as(app, 0)
    _draft(organizer, case, authority)
    old = organizer.get(f"/cases/{case.public_id}/complaint", headers=EN)
    assert old.status_code == 308
    assert old.headers["Location"] == f"/cases/{case.public_id}/petition"
    page = organizer.get(f"/cases/{case.public_id}/complaint", headers=EN, follow_redirects=True)
    assert "Version 1" in page.get_data(as_text=True)


def test_only_organizers_draft_and_only_members_read(
    app: Flask, client: FlaskClient, setup: dict[str, object], make_user: Callable[..., User]
) -> None:
    case, authority = setup["case"], setup["authority"]
    member = _as(app, 1)
    assert member.get(f"/cases/{case.public_id}/petition/edit").status_code == 403
    forged = member.post(
        f"/cases/{case.public_id}/petition/edit",
        data={
            "csrf_token": csrf_token(member.get("/me/").get_data(as_text=True)),
            "title": "x",
            "authority": "0",
            "body_md": "x",
        },
    )
    assert forged.status_code == 403
    make_user(email="outsider@example.org")
    outsider = app.test_client()
    login(outsider, "outsider@example.org", PASSWORD)
    for path in ("petition", "signatures", "members", "petition/versions/1"):
        assert outsider.get(f"/cases/{case.public_id}/{path}").status_code == 403
    assert_redirects(client.get(f"/cases/{case.public_id}/petition"))  # visitor
    assert_redirects(_draft(_as(app, 0), case, authority))


TODAY = date(2026, 11, 24)


def _edited(complaint: Complaint, *, amount: int) -> ComplaintInput:
    """The complaint's own facts with another amount."""
    return ComplaintInput(
        company_text=complaint.company.name_en,
        propose_company=False,
        category_id=complaint.category_id,
        incident_date=complaint.incident_date,
        amount_minor=amount,
        currency=complaint.currency,
        narrative=complaint.narrative,
        demands=complaint.demands,
        demands_other=None,
    )


def _fill(organizer: FlaskClient, case: GroupCase) -> str:
    return submit(
        organizer,
        f"/cases/{case.public_id}/petition/edit",
        data={"fill": "1", "title": "", "authority": "0"},
        headers=EN,
    ).get_data(as_text=True)


def test_fill_from_case_writes_the_published_figures(app: Flask, setup: dict[str, object]) -> None:
    """Every member reads the draft, so it carries the case page's coarse, batched figures:
    its totals must not move the moment one member leaves."""
    case, people = setup["case"], setup["people"]
    organizer = _as(app, 0)
    html = _fill(organizer, case)
    assert "5 people joined this case against WalletPro." in html
    assert "Together they lost about CN¥1,500." in html
    assert "members" not in html.split("Together they lost")[1].split("</textarea>")[0]
    group_cases.leave_case(db.session, group_cases.membership_in(db.session, people[4], case))
    db.session.commit()
    html = _fill(organizer, case)
    assert "4 people joined this case" in html
    assert "Together they lost about CN¥1,500." in html  # one change: nothing republished
    for person in people[:4]:  # four more members change: the fifth change republishes
        complaint = db.session.scalar(
            select(Complaint).join(Membership).where(Membership.user_id == person.id)
        )
        update_complaint(db.session, complaint, _edited(complaint, amount=77_777), TODAY)
        db.session.commit()
    html = _fill(organizer, case)
    assert "Together they lost" not in html  # 4 members: below the 5-member rule
    assert "Totals are shown once the case has 5 members" in html


def test_markdown_is_rendered_without_raw_html(app: Flask, setup: dict[str, object]) -> None:
    case, authority = setup["case"], setup["authority"]
    organizer = _as(app, 0)
    _draft(
        organizer,
        case,
        authority,
        body_md="<script>alert(1)</script>\n\n[click](javascript:alert(2)) **bold**",
    )
    html = organizer.get(f"/cases/{case.public_id}/petition").get_data(as_text=True)
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;" in html
    assert 'href="javascript:' not in html
    assert "<strong>bold</strong>" in html


def test_opening_needs_an_authority_then_freezes_and_notifies(
    app: Flask, setup: dict[str, object]
) -> None:
    case, authority = setup["case"], setup["authority"]
    organizer = _as(app, 0)
    _draft(organizer, case, None)
    refused = _open(organizer, case, 1).get_data(as_text=True)
    assert "Choose the authority the complaint is addressed to" in refused
    _draft(organizer, case, authority)
    opened = _open(organizer, case, 2).get_data(as_text=True)
    assert "Version 2 is open for signing" in opened
    db.session.refresh(case)
    assert case.status is CaseStatus.SIGNING
    assert "SHA-256 of this version:" in opened
    notified = db.session.scalars(
        select(Notification.user_id).where(Notification.kind == "signing_opened")
    ).all()
    assert sorted(notified) == sorted(p.id for p in setup["people"][1:])
    again = _open(organizer, case, 2).get_data(as_text=True)
    assert "already opened" in again


def test_signing_rules_and_the_verified_chain(app: Flask, setup: dict[str, object]) -> None:
    case, _authority, _organizer = _first_version_open(app, setup)
    alice, bob = _as(app, 1), _as(app, 2)

    assert "Please confirm that the facts" in _sign(alice, case, facts_confirmed="")
    assert "The complaint changed since you opened the page" in _sign(
        alice, case, version_sha256="0" * 64
    )
    assert _signatures(case) == 0
    assert "your signature is recorded" in _sign(alice, case, share=True)
    open_hash = db.session.scalar(select(SignatureEntry.version_sha256).limit(1))
    assert "You have already signed this version." in _sign(alice, case, version_sha256=open_hash)
    assert "your signature is recorded" in _sign(bob, case)
    entries = db.session.scalars(select(SignatureEntry).order_by(SignatureEntry.seq)).all()
    assert [(e.seq, e.share_identity) for e in entries] == [(1, True), (2, False)]
    assert entries[1].prev_hash == entries[0].entry_hash

    page = bob.get(f"/cases/{case.public_id}/petition", headers=EN).get_data(as_text=True)
    assert "2 signatures" in page
    assert "chain verified" in page
    withdrawn = submit(
        bob,
        f"/cases/{case.public_id}/petition",
        action=f"/cases/{case.public_id}/petition/withdraw",
        headers=EN,
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "Your signature was withdrawn." in withdrawn
    assert "1 signature" in withdrawn
    nothing = submit(
        bob,
        f"/cases/{case.public_id}/petition",
        action=f"/cases/{case.public_id}/petition/withdraw",
        headers=EN,
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "You have no signature to withdraw." in nothing
    log = bob.get(f"/cases/{case.public_id}/signatures", headers=EN).get_data(as_text=True)
    assert "3 entries, chain verified" in log
    assert "Person 2" not in log  # pseudonyms only

    db.session.execute(
        update(SignatureEntry).where(SignatureEntry.seq == 1).values(share_identity=False)
    )
    db.session.commit()
    tampered = bob.get(f"/cases/{case.public_id}/signatures", headers=EN).get_data(as_text=True)
    assert "Chain broken: entry 1 was altered" in tampered


def test_a_new_version_supersedes_signatures_and_asks_signers_again(
    app: Flask, setup: dict[str, object]
) -> None:
    case, authority, organizer = _first_version_open(app, setup)
    alice = _as(app, 1)
    _sign(alice, case)
    _draft(organizer, case, authority, body_md="# Complaint v2\n\nMore facts.")
    _open(organizer, case, 2)
    asked = db.session.scalars(
        select(Notification.user_id).where(Notification.kind == "sign_again")
    ).all()
    assert asked == [setup["people"][1].id]
    page = alice.get(f"/cases/{case.public_id}/petition", headers=EN).get_data(as_text=True)
    assert "0 signatures" in page
    assert "Sign version 2" in page
    assert "your signature is recorded" in _sign(alice, case)
    history = alice.get(f"/cases/{case.public_id}/petition", headers=EN).get_data(as_text=True)
    assert "superseded" in history


def test_leaving_while_signed_appends_a_withdrawal(app: Flask, setup: dict[str, object]) -> None:
    case, _authority, _organizer = _first_version_open(app, setup)
    alice = _as(app, 1)
    _sign(alice, case)
    submit(alice, f"/cases/{case.public_id}", action=f"/cases/{case.public_id}/leave")
    actions = db.session.scalars(select(SignatureEntry.action).order_by(SignatureEntry.seq)).all()
    assert actions == [SignatureAction.SIGN, SignatureAction.WITHDRAW]


def test_withdrawal_after_submission_is_refused(app: Flask, setup: dict[str, object]) -> None:
    case, _authority, _organizer = _first_version_open(app, setup)
    alice = _as(app, 1)
    _sign(alice, case)
    db.session.execute(
        update(GroupCase).where(GroupCase.id == case.id).values(status=CaseStatus.SUBMITTED)
    )
    db.session.commit()
    refused = submit(
        alice,
        f"/cases/{case.public_id}/petition",
        action=f"/cases/{case.public_id}/petition/withdraw",
        headers=EN,
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "signatures can no longer be withdrawn" in refused
    assert _signatures(case) == 1


def test_discussion_shows_pseudonyms_and_refuses_empty_messages(
    app: Flask, setup: dict[str, object]
) -> None:
    case = setup["case"]
    alice = _as(app, 1)
    page = submit(
        alice,
        f"/cases/{case.public_id}/petition",
        action=f"/cases/{case.public_id}/comments",
        data={"body": "Please add that support hung up on us."},
        headers=EN,
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "Please add that support hung up on us." in page
    membership = group_cases.membership_in(db.session, setup["people"][1], case)
    assert f"Member {membership.pseudonym}" in page
    assert "Person 1" not in page
    empty = submit(
        alice,
        f"/cases/{case.public_id}/petition",
        action=f"/cases/{case.public_id}/comments",
        data={"body": "  "},
        headers=EN,
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "Please write a message." in empty
    long = submit(
        alice,
        f"/cases/{case.public_id}/petition",
        action=f"/cases/{case.public_id}/comments",
        data={"body": "x" * 2001},
        headers=EN,
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "Write between 1 and 2,000 characters." in long


def test_organizer_appoints_co_organizer_and_hands_over(
    app: Flask, setup: dict[str, object]
) -> None:
    case, authority = setup["case"], setup["authority"]
    people = setup["people"]
    alice_membership = group_cases.membership_in(db.session, people[1], case)
    organizer = _as(app, 0)
    submit(
        organizer,
        f"/cases/{case.public_id}/members",
        data={"pseudonym": alice_membership.pseudonym, "action": "appoint"},
    )
    db.session.refresh(alice_membership)
    assert alice_membership.role is MemberRole.CO_ORGANIZER
    alice = _as(app, 1)
    assert_redirects(_draft(alice, case, authority))  # co-organizers draft too
    refused = submit(
        alice,
        f"/cases/{case.public_id}/members",
        data={"pseudonym": alice_membership.pseudonym, "action": "hand_over"},
        headers=EN,
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "Only the organizer can hand over the role." in refused
    submit(
        organizer,
        f"/cases/{case.public_id}/members",
        data={"pseudonym": alice_membership.pseudonym, "action": "hand_over"},
    )
    db.session.expire_all()
    roles = dict(
        db.session.execute(
            select(Membership.user_id, Membership.role).where(Membership.case_id == case.id)
        ).all()
    )
    assert roles[people[1].id] is MemberRole.ORGANIZER
    assert roles[people[0].id] is MemberRole.CO_ORGANIZER
    member = _as(app, 2)
    assert member.get(f"/cases/{case.public_id}/members").status_code == 403


def test_one_click_sign_again_keeps_earlier_choices(app: Flask, setup: dict[str, object]) -> None:
    case, authority, organizer = _first_version_open(app, setup)
    alice = _as(app, 1)
    _sign(alice, case, share=True)
    _draft(organizer, case, authority, body_md="# v2")
    _open(organizer, case, 2)
    inbox = alice.get("/notifications/", headers=EN).get_data(as_text=True)
    assert "Sign the new version with the same choices" in inbox
    marker = 'name="version_sha256" value="'
    new_hash = inbox[inbox.index(marker) + len(marker) :].split('"')[0]
    page = submit(
        alice,
        "/notifications/",
        action=f"/cases/{case.public_id}/petition/sign-again",
        data={"version_sha256": new_hash},
        headers=EN,
        follow_redirects=True,
    )
    assert "your signature is recorded" in page.get_data(as_text=True)
    latest = db.session.scalars(select(SignatureEntry).order_by(SignatureEntry.seq.desc())).first()
    assert latest.version_sha256 == new_hash
    assert latest.share_identity is True
    stale = submit(
        alice,
        "/notifications/",
        action=f"/cases/{case.public_id}/petition/sign-again",
        data={"version_sha256": "f" * 64},
        headers=EN,
        follow_redirects=True,
    )
    assert "The complaint changed since you opened the page" in stale.get_data(as_text=True)


def test_refused_signatures_change_nothing(
    app: Flask, setup: dict[str, object], make_user: Callable[..., User]
) -> None:
    case, authority = setup["case"], setup["authority"]
    organizer = _as(app, 0)
    alice = _as(app, 1)
    _draft(organizer, case, authority)
    assert "This complaint is not open for signing." in _sign(alice, case, version_sha256="a" * 64)
    _open(organizer, case, 1)
    first_hash = db.session.scalar(
        select(PetitionVersion.content_sha256).where(PetitionVersion.number == 1)
    )
    _draft(organizer, case, authority, body_md="# v2")
    _open(organizer, case, 2)
    assert "The complaint changed since you opened the page" in _sign(
        alice, case, version_sha256=first_hash
    )  # a superseded version
    bob_membership = group_cases.membership_in(db.session, setup["people"][2], case)
    _sign(alice, case, membership_id=str(bob_membership.id), pseudonym="ZZZZ")
    entries = db.session.scalars(select(SignatureEntry)).all()
    alice_membership = group_cases.membership_in(db.session, setup["people"][1], case)
    assert [(e.membership_id, e.pseudonym) for e in entries] == [
        (alice_membership.id, alice_membership.pseudonym)
    ]  # tampered fields are ignored
    make_user(email="outsider@example.org")
    outsider = app.test_client()
    login(outsider, "outsider@example.org", PASSWORD)
    forged = outsider.post(
        f"/cases/{case.public_id}/petition/sign",
        data={
            "csrf_token": csrf_token(outsider.get("/me/").get_data(as_text=True)),
            "version_sha256": entries[0].version_sha256,
            "facts_confirmed": "y",
            "share_identity": "identity",
        },
    )
    assert forged.status_code == 403
    assert _signatures(case) == 1
