"""A member's data: the JSON export holds all of theirs and nothing of anyone else's; deleting
the account leaves open cases the way "Leave the case" does, keeps what was submitted under the
pseudonym only, deletes the rest, and turns the account into a tombstone nobody can log in to.

**The world** (:func:`build_world`, through the services): Alice is

- a member of case S, submitted to NFRA, where she signed sharing her name and e-mail and
  pooled one file;
- a member of case U (Carol's, open for signing), where she signed, pooled two files (one with
  the same bytes as a file Carol pooled), has a third still in preview and wrote a comment;
- the organizer of case O, which Dave joined, and the only member of case L;
- the owner of a complaint in no case.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from extensions import db
from models import (
    AuditEvent,
    Authority,
    Base,
    CaseEvent,
    CaseEventKind,
    Company,
    Complaint,
    ComplaintRouting,
    Evidence,
    EvidenceKind,
    EvidenceStatus,
    FileRole,
    GroupCase,
    MemberRole,
    Membership,
    Notification,
    Submission,
    User,
    UserRole,
    utcnow,
)
from services.accounts import personal_data as account_data
from services.bundle import bag
from services.bundle.verify import verify_bundle
from services.bundle.writer import build_bundle
from services.cases import membership as group_cases
from services.evidence import files as evidence_files
from services.evidence.files import current_storage
from services.petition import drafting, signing
from services.routing.answers import save_answers
from services.submissions import lifecycle as submissions
from tests.conftest import PASSWORD
from tests.support import two_step
from tests.support.forms import csrf_token, logged_in, login, submit
from tests.support.web import EN, assert_redirects

NAME = "Alice Zhang"
PHONE = "13812345678"
COMPANY_REFERENCE = "WP-ALICE-4471"  #: the company's number for her complaint
ALICE_NARRATIVE = f"I am {NAME}, call me on {PHONE}: WalletPro froze my balance after a top-up."
OTHER_NARRATIVE = "WalletPro froze the balance of my account and support never answers at all."
CAROL_SECRET = "Carol's own narrative: WalletPro froze my salary on the 3rd of the month."


@dataclass
class World:
    alice: User
    submitted: GroupCase  #: S
    open_case: GroupCase  #: U, Carol organizes
    organized: GroupCase  #: O, Alice organizes, Dave joined
    lonely: GroupCase  #: L, Alice alone
    standalone: Complaint
    keys: dict[str, str]  #: stored keys by what they are


def _item(member: Membership, data: bytes, status: EvidenceStatus, name: str) -> Evidence:
    stored = current_storage().put(data)
    item = Evidence(
        case_id=member.case_id,
        membership_id=member.id,
        contributor_id=member.user_id,
        contributor_pseudonym=member.pseudonym,
        kind=EvidenceKind.TEXT,
        status=status,
        display_name=name,
        media_type="text/plain",
        size_bytes=stored.size,
        original_size=stored.size,
        sha256=stored.key,
        removed={"PHONE": 1},
        pooled_at=utcnow() if status is EvidenceStatus.POOLED else None,
    )
    db.session.add(item)
    db.session.flush()
    return item


def _open_version(case: GroupCase, authority: Authority) -> None:
    organizer = next(m for m in case.memberships if m.role is MemberRole.ORGANIZER)
    version = drafting.save_version(
        db.session,
        case,
        organizer,
        drafting.DraftInput(
            title="Joint complaint",
            authority_id=authority.id,
            facts="Balances frozen.",
            demands="Unfreeze.",
            body_md="We ask the authority to act.",
        ),
    )
    drafting.open_for_signing(db.session, case, organizer, version)


def _sign(case: GroupCase, user: User, *, share: bool) -> None:
    signing.sign(
        db.session,
        case,
        group_cases.membership_in(db.session, user, case),
        version_sha256=signing.open_version(db.session, case).content_sha256,
        facts_confirmed=True,
        share_identity=share,
    )


def build_world(
    make_user: Callable[..., User],
    make_company: Callable[..., Company],
    make_complaint: Callable[..., Complaint],
) -> World:
    nfra = Authority(slug="nfra", name_en="NFRA", name_zh="金融监管总局", min_signatures=2)
    db.session.add(nfra)
    wallet = make_company("walletpro", "WalletPro", "钱包宝")
    alice = make_user(email="alice@example.org", display_name=NAME, locale="en")
    bob = make_user(email="bob@example.org", display_name="Bob Li", locale="en")
    carol = make_user(email="carol@example.org", display_name="Carol Wu", locale="en")
    dave = make_user(email="dave@example.org", display_name="Dave Ma", locale="en")

    def case(owner: User, title: str, narrative: str = OTHER_NARRATIVE) -> GroupCase:
        complaint = make_complaint(owner, wallet, narrative)
        return group_cases.start_case(
            db.session, owner, complaint, title=title, summary="", invite_similar=False
        )

    def join(user: User, case: GroupCase, narrative: str = OTHER_NARRATIVE) -> Membership:
        complaint = make_complaint(user, wallet, narrative)
        return group_cases.join_case(db.session, user, case, complaint)

    keys: dict[str, str] = {}
    submitted = case(bob, "Submitted freeze case")
    in_s = join(alice, submitted, ALICE_NARRATIVE)
    keys["submitted"] = _item(in_s, b"alice pooled in S", EvidenceStatus.POOLED, "s.txt").sha256
    save_answers(
        db.session,
        alice,
        in_s.complaint,
        affected="wallet_balance",
        residence="CN",
        complained_first=True,
        complained_on=date(2026, 9, 3),
        company_reference=COMPANY_REFERENCE,
    )
    _open_version(submitted, nfra)
    _sign(submitted, bob, share=False)
    _sign(submitted, alice, share=True)
    submissions.submit(db.session, bob, submitted)

    open_case = case(carol, "Open freeze case", CAROL_SECRET)
    in_u = join(alice, open_case, ALICE_NARRATIVE)
    carol_in_u = group_cases.membership_in(db.session, carol, open_case)
    keys["unique"] = _item(in_u, b"alice only", EvidenceStatus.POOLED, "u1.txt").sha256
    keys["shared"] = _item(in_u, b"same bytes", EvidenceStatus.POOLED, "u2.txt").sha256
    _item(carol_in_u, b"same bytes", EvidenceStatus.POOLED, "carol.txt")
    preview = _item(in_u, b"anonymized preview", EvidenceStatus.PREVIEW, "u3.txt")
    keys["preview"] = preview.sha256
    keys["original"] = evidence_files.attach(
        db.session, preview, FileRole.ORIGINAL, b"original with " + PHONE.encode(), "text/plain"
    ).key
    evidence_files.attach_json(db.session, preview, FileRole.TERMS, [NAME, "Pudong"])
    drafting.add_comment(db.session, open_case, in_u, "I have the same problem since June.")
    _open_version(open_case, nfra)
    _sign(open_case, alice, share=True)
    _sign(open_case, carol, share=False)

    organized = case(alice, "Alice organizes", ALICE_NARRATIVE)
    join(dave, organized)
    in_o = group_cases.membership_in(db.session, alice, organized)
    keys["organized"] = _item(in_o, b"alice in O", EvidenceStatus.POOLED, "o.txt").sha256
    lonely = case(alice, "Alice alone", ALICE_NARRATIVE)
    standalone = make_complaint(alice, wallet, "A standalone complaint against WalletPro fees.")
    db.session.commit()
    return World(alice, submitted, open_case, organized, lonely, standalone, keys)


@pytest.fixture
def world(
    app: Flask,  # noqa: ARG001 - needed for its side effect
    make_user: Callable[..., User],
    make_company: Callable[..., Company],
    make_complaint: Callable[..., Complaint],
    monkeypatch: pytest.MonkeyPatch,
) -> World:
    # the bundle (seconds: its PDF) is built by the one test that reads it, after deleting
    monkeypatch.setattr(submissions.bundle_job, "enqueue_build", lambda *_a, **_k: None)
    return build_world(make_user, make_company, make_complaint)


def _snapshot() -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in primary-key order."""
    db.session.expire_all()
    rows = {}
    for table in Base.metadata.sorted_tables:
        ordered = db.session.execute(select(table).order_by(*table.primary_key.columns)).all()
        rows[table.name] = [tuple(row) for row in ordered]
    return rows


def _delete(client: FlaskClient, password: str, **kwargs: Any) -> Any:
    return submit(
        client, "/me/data", "/me/data/delete", data={"password": password}, headers=EN, **kwargs
    )


# -- export ------------------------------------------------------------------------------------


def test_the_export_holds_the_members_data_and_no_secret_nor_anyone_elses(
    app: Flask, world: World
) -> None:
    client = logged_in(app, "alice@example.org")
    secret = two_step.enrol(world.alice)  # after logging in: the second step is not tested here
    response = client.get("/me/data/export.json", headers=EN)
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    today = datetime.now(UTC).date().isoformat()
    assert response.headers["Content-Disposition"] == (
        f"attachment; filename=chorus-my-data-{today}.json"
    )
    assert response.headers["Cache-Control"] == "no-store"
    raw = response.get_data(as_text=True)
    data = json.loads(raw)

    assert data["format"] == "chorus-account-export/1"
    account = data["account"]
    assert (account["email"], account["name"], account["language"]) == (
        "alice@example.org",
        NAME,
        "en",
    )
    assert account["role"] == "member"
    assert account["two_factor_enabled"] is True
    assert account["last_login_at"]
    narratives = sorted(c["narrative"] for c in data["complaints"])
    assert narratives.count(ALICE_NARRATIVE) == 4
    assert len(data["complaints"]) == 5  # S, U, O, L and the standalone one
    in_s = next(c for c in data["complaints"] if c["case"] == world.submitted.public_id)
    assert in_s["routing"] == {
        "affected": "wallet_balance",
        "residence": "CN",
        "authority": in_s["routing"]["authority"],
        "complained_first": True,
        "complained_on": "2026-09-03",
        "company_reference": COMPANY_REFERENCE,
    }
    assert PHONE not in in_s["narrative_redacted"]
    assert NAME not in in_s["narrative_redacted"]
    assert {m["case_title"] for m in data["memberships"]} == {
        "Submitted freeze case",
        "Open freeze case",
        "Alice organizes",
        "Alice alone",
    }
    assert {m["role"] for m in data["memberships"]} == {"member", "organizer"}
    evidence = {e["name"]: e for e in data["evidence"]}
    assert set(evidence) == {"s.txt", "u1.txt", "u2.txt", "u3.txt", "o.txt"}
    assert evidence["u3.txt"]["words_to_remove"] == [NAME, "Pudong"]
    assert evidence["u3.txt"]["status"] == "preview"
    assert {f["role"] for f in evidence["u3.txt"]["files"]} == {"original", "terms"}
    assert evidence["s.txt"]["pooled"]["sha256"] == world.keys["submitted"]
    assert [(s["action"], s["identity_shared"]) for s in data["signatures"]] == [
        ("sign", True),
        ("sign", True),
    ]
    assert [c["body"] for c in data["comments"]] == ["I have the same problem since June."]
    assert {n["kind"] for n in data["notifications"]} >= {"signing_opened", "case_submitted"}
    assert data["api_tokens"] == []
    actions = {e["action"] for e in data["audit_events"]}
    assert {"account.created", "login.succeeded"} <= actions
    assert all(
        set(e) == {"id", "action", "target_type", "target_id", "at"} for e in data["audit_events"]
    )

    # no secret of the account, nothing of anyone else
    assert world.alice.password_hash not in raw
    assert "$argon2" not in raw
    assert secret not in raw
    assert world.alice.totp_secret not in raw  # sealed
    for recovery in world.alice.recovery_codes:
        assert recovery.code_sha256 not in raw
    for other in ("bob@example.org", "carol@example.org", "Bob Li", "Carol Wu", CAROL_SECRET):
        assert other not in raw
    assert OTHER_NARRATIVE not in raw


@pytest.mark.usefixtures("world")
def test_the_export_and_data_page_need_a_login_and_are_per_member(app: Flask) -> None:
    visitor = app.test_client()
    for page in ("/me/data", "/me/data/export.json"):
        response = visitor.get(page, headers=EN)
        assert_redirects(response)
        assert "/account/login" in response.headers["Location"]

    bob = logged_in(app, "bob@example.org")
    raw = bob.get("/me/data/export.json", headers=EN).get_data(as_text=True)
    data = json.loads(raw)
    assert data["account"]["email"] == "bob@example.org"
    assert NAME not in raw
    assert "alice@example.org" not in raw
    assert ALICE_NARRATIVE not in raw
    assert [m["case_title"] for m in data["memberships"]] == ["Submitted freeze case"]

    alice = logged_in(app, "alice@example.org")
    dashboard = alice.get("/me/", headers=EN).get_data(as_text=True)
    assert 'href="/me/data"' in dashboard
    page = alice.get("/me/data", headers=EN).get_data(as_text=True)
    assert "Your data" in page
    assert 'href="/me/data/export.json"' in page
    unsubmitted, submitted = page.split("Group cases already submitted")
    for title in ("Open freeze case", "Alice organizes", "Alice alone"):
        assert title in unsubmitted
        assert title not in submitted
    assert "Submitted freeze case" in submitted


# -- deletion refused --------------------------------------------------------------------------


def test_a_wrong_password_deletes_nothing(app: Flask, world: World) -> None:
    client = logged_in(app, "alice@example.org")
    before = _snapshot()
    stored = {key: current_storage().exists(key) for key in world.keys.values()}
    response = _delete(client, "not my password")
    assert response.status_code == 422
    assert "The password is not correct." in response.get_data(as_text=True)
    assert _snapshot() == before
    assert {key: current_storage().exists(key) for key in world.keys.values()} == stored
    assert client.get("/me/", headers=EN).status_code == 200  # still logged in


@pytest.mark.usefixtures("app")
def test_a_failure_midway_leaves_everything_as_it_was(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One transaction: cases left, evidence withdrawn and complaints deleted before the
    failure all come back, and no stored file is deleted."""

    def broken(_user: User) -> None:
        raise RuntimeError("the database went away")

    before = _snapshot()
    monkeypatch.setattr(account_data, "_tombstone", broken)
    with pytest.raises(RuntimeError):
        account_data.delete_account(db.session, world.alice, PASSWORD)
    db.session.rollback()  # what the request's teardown does
    assert _snapshot() == before
    assert all(current_storage().exists(key) for key in world.keys.values())


@pytest.mark.parametrize("role", [UserRole.REGULATOR, UserRole.ADMIN])
def test_regulators_and_admins_cannot_delete_themselves(
    app: Flask, make_user: Callable[..., User], role: UserRole
) -> None:
    authority = None
    if role is UserRole.REGULATOR:
        authority = Authority(slug="cca", name_en="CCA", name_zh="中消协")
        db.session.add(authority)
    make_user(email="staff@example.org", role=role, authority=authority, locale="en")
    client = logged_in(app, "staff@example.org")
    page = client.get("/me/data", headers=EN).get_data(as_text=True)
    assert "managed by the platform" in page
    assert 'action="/me/data/delete"' not in page
    before = _snapshot()
    response = client.post(
        "/me/data/delete",
        data={"csrf_token": csrf_token(page), "password": PASSWORD},
        headers=EN,
    )
    assert response.status_code == 403
    assert "managed by the platform" in response.get_data(as_text=True)
    assert _snapshot() == before


# -- deletion ----------------------------------------------------------------------------------


def _csv(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def _bundle_files(submission: Submission, path: Path) -> dict[str, bytes]:
    with path.open("wb") as out:
        build_bundle(db.session, submission, out)
    report = verify_bundle(path)
    assert report.ok, report.problems
    with zipfile.ZipFile(path) as archive:
        return {n.split("/", 1)[1]: archive.read(n) for n in archive.namelist()}


def test_deleting_the_account_leaves_open_cases_and_keeps_submitted_ones_pseudonymous(
    app: Flask, world: World, make_user: Callable[..., User], tmp_path: Path
) -> None:
    nfra = db.session.scalar(select(Authority).where(Authority.slug == "nfra"))
    make_user(email="reg@example.org", role=UserRole.REGULATOR, authority=nfra, locale="en")
    client = logged_in(app, "alice@example.org")
    other_device = logged_in(app, "alice@example.org")
    two_step.enrol(world.alice)
    alice_id, nonce = world.alice.id, world.alice.session_nonce
    code = {
        case.title: group_cases.membership_in(db.session, world.alice, case).pseudonym
        for case in (world.submitted, world.open_case, world.organized)
    }
    ids = {c.title: c.id for c in (world.submitted, world.open_case, world.organized)}
    lonely_id, standalone_id = world.lonely.id, world.standalone.id
    assert world.open_case.member_count == 2

    response = _delete(client, PASSWORD)
    assert_redirects(response, to="/")
    home = client.get("/", headers=EN).get_data(as_text=True)
    assert "Your account was deleted." in home
    db.session.expire_all()

    # the account: a tombstone nobody can reach or log in to; the address is free again
    assert_redirects(client.get("/me/", headers=EN))
    logged_out = other_device.get("/me/", headers=EN)  # its cookie names the old nonce
    assert_redirects(logged_out)
    assert "/account/login" in logged_out.headers["Location"]
    assert login(app.test_client(), "alice@example.org", PASSWORD, headers=EN).status_code == 401
    tomb = db.session.get(User, alice_id)
    assert tomb.email == f"deleted-{alice_id}@invalid"
    assert tomb.display_name == ""
    assert not tomb.active  # either of these two ends every session
    assert tomb.session_nonce != nonce
    assert tomb.deleted_at is not None
    assert tomb.totp_secret is None
    assert tomb.totp_enabled_at is None
    assert tomb.recovery_codes == []
    assert not db.session.scalars(
        select(Notification).where(Notification.user_id == alice_id)
    ).all()
    assert db.session.scalars(select(Complaint).where(Complaint.owner_id == alice_id)).all() == [
        db.session.scalar(select(Membership).where(Membership.user_id == alice_id)).complaint
    ]
    assert db.session.get(Complaint, standalone_id) is None
    assert db.session.get(GroupCase, lonely_id) is None
    audit = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "account.deleted")
    ).all()
    assert [(a.actor_user_id, a.target_id, a.data) for a in audit] == [
        (alice_id, str(alice_id), {})
    ]

    # U, not submitted: Alice left as a member leaving does, and took her evidence with her
    open_case = db.session.get(GroupCase, ids["Open freeze case"])
    assert open_case.member_count == 1
    assert [m.pseudonym for m in open_case.memberships] != [code["Open freeze case"]]
    log = signing.signature_log(db.session, open_case)
    assert [
        (e.pseudonym, e.action.value) for e in log if e.pseudonym == code["Open freeze case"]
    ] == [
        (code["Open freeze case"], "sign"),
        (code["Open freeze case"], "withdraw"),
    ]
    assert signing.signing_state(db.session, open_case).count == 1  # Carol's
    left = db.session.scalars(
        select(Evidence.display_name).where(Evidence.case_id == open_case.id)
    ).all()
    assert left == ["carol.txt"]
    storage = current_storage()
    for gone in ("unique", "preview", "original", "organized"):
        assert not storage.exists(world.keys[gone]), gone
    assert storage.exists(world.keys["shared"])  # Carol pooled the same bytes
    assert storage.exists(world.keys["submitted"])
    kinds = {
        (e.kind, e.actor_pseudonym)
        for e in db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == open_case.id))
    }
    assert (CaseEventKind.MEMBER_LEFT, code["Open freeze case"]) in kinds
    assert (CaseEventKind.EVIDENCE_WITHDRAWN, code["Open freeze case"]) in kinds

    # O, organized by Alice: handed over to Dave, as when an organizer leaves
    organized = db.session.get(GroupCase, ids["Alice organizes"])
    assert [(m.user.email, m.role) for m in organized.memberships] == [
        ("dave@example.org", MemberRole.ORGANIZER)
    ]
    assert organized.member_count == 1

    # S, submitted: membership, signature and pooled evidence stay, under the pseudonym only
    submitted = db.session.get(GroupCase, ids["Submitted freeze case"])
    membership = next(m for m in submitted.memberships if m.user_id == alice_id)
    assert membership.pseudonym == code["Submitted freeze case"]
    assert membership.complaint.narrative == membership.complaint.narrative_redacted
    routing = db.session.get(ComplaintRouting, membership.complaint_id)
    assert (routing.complained_first, routing.company_reference) == (True, "")
    assert NAME not in membership.complaint.narrative
    assert PHONE not in membership.complaint.narrative
    state = signing.signing_state(db.session, submitted)
    assert state.active[membership.id].share_identity
    pooled = db.session.scalar(select(Evidence).where(Evidence.case_id == submitted.id))
    assert pooled.status is EvidenceStatus.POOLED
    assert pooled.contributor_pseudonym == code["Submitted freeze case"]

    for case in db.session.scalars(select(GroupCase)):
        assert signing.verify_case_chain(db.session, case).ok, case.title

    submission = db.session.scalar(select(Submission).where(Submission.case_id == submitted.id))
    files = _bundle_files(submission, tmp_path / "bundle.zip")
    signatories = {row["pseudonym"]: row for row in _csv(files[bag.SIGNATORIES])}
    row = signatories[code["Submitted freeze case"]]
    assert (row["name"], row["email"]) == ("", "")
    for name in (bag.SIGNATORIES, bag.COMPLAINTS, bag.TIMELINE):
        text = files[name].decode("utf-8-sig")
        assert NAME not in text
        assert COMPANY_REFERENCE not in text
        assert "alice@example.org" not in text
        assert "@invalid" not in text
    assert code["Submitted freeze case"] in files[bag.TIMELINE].decode()

    regulator = logged_in(app, "reg@example.org")
    page = regulator.get(f"/regulator/cases/{submitted.public_id}", headers=EN)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert code["Submitted freeze case"] in html
    assert NAME not in html
    assert COMPANY_REFERENCE not in html
    assert "alice@example.org" not in html
    assert "@invalid" not in html
    bob = logged_in(app, "bob@example.org")
    timeline = bob.get(f"/cases/{submitted.public_id}", headers=EN).get_data(as_text=True)
    assert code["Submitted freeze case"] in timeline
    assert NAME not in timeline

    again = submit(
        app.test_client(),
        "/account/register",
        data={
            "email": "alice@example.org",
            "display_name": NAME,
            "password": PASSWORD,
            "confirm": PASSWORD,
            "locale": "en",
        },
        headers=EN,
    )
    assert_redirects(again)
    assert (
        db.session.scalar(select(func.count(User.id)).where(User.email == "alice@example.org")) == 1
    )
