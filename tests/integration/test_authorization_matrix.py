"""Every rule of ``app.url_map`` × every role: who reaches what, and what must never leak.

**The world** (:func:`build_world`, through the services, jobs eager):

- case A (WalletPro), submitted to authority X: an organizer (signed, sharing their identity)
  and a member (signed under their pseudonym only) whose complaint, pooled PDF, PDF still in
  preview and upload job are A's objects; the submission's bundle is built, its job is the
  organizer's; the member has a pending notification.
- case B (ShopFast), in signing and not submitted: version 1 open, version 2 a draft, both
  addressed to X; its member has a pooled text file, a PDF in preview and a second, free
  complaint F against another company.
- case B2 (ShopFast): the same two people, open; it exists only to be left.
- case C (RideGo), submitted to authority Y by its organizer (the only signer, pseudonym only).
- a regulator of X and one of Y, each with an API token; a spare account the visitor logs in as.

**Roles** are relative to the object tried: "member" and "organizer" are those of the object's
case (the member owns the member's objects), "other" organizes another case, "regulator" belongs
to the authority the case went (or is addressed) to and "reg_other" to the other one. For C the
regulator is Y's and "other" is A's organizer; for A and B "other" is C's organizer.

**The tables** :data:`GET` and :data:`POST` map each endpoint to the object kinds tried and, per
kind, the roles that get through (2xx, or 3xx not to the login page, with no error flashed).
Everyone else must be refused: 401/403/404, the login page for a visitor, or, where a view turns
a refused operation into a flashed error or a 4xx form page, a "soft" refusal that must leave
every table (audit log aside) exactly as it was. A rule with no row fails
:func:`test_every_rule_has_objects_and_expectations`, naming the rule: a new route must be added.

A NOBODY row is not a forgotten one: on a submitted case nobody may sign, edit, upload, leave
or delete, and the table says so.

**State: ordered, not rebuilt.** Each test function builds its world once (a few seconds) and loops
over its cells, collecting failures. The GET test changes nothing that matters. In the POST test
rows run in the order written and, within a row, refused roles before allowed ones, so every
refusal is measured against an unchanged database. Allowed requests carry valid data and really
act; the rows are ordered so that each finds the state it needs (sign, withdraw, open version 2,
sign again, ..., submit) and the destructive ones (discard, withdraw, dismiss, revoke, delete,
leave, submit, change password, log out) run last, on objects nothing after them needs (B2 is
left, F deleted, A's preview discarded, X's token revoked). Visitors post from a fresh client
each time, so logging in or registering changes nothing else. A fresh world per role would cost
six times the building for the same answers.

**Existence never shows**
(:func:`test_what_is_not_yours_answers_exactly_like_what_does_not_exist`): someone else's
complaint, evidence, job, notification or submitted case answers the same 404, byte for byte
(CSRF token and the echoed address aside), as a random well-formed id; the API
answers 401 without a token (a session cookie is not one), and each inbox lists only its own
authority's cases. :func:`test_public_ids_are_long_random_and_unrelated` looks at 20 new ids.

**Private data**, checked on every response body (and inside every ZIP served): a complaint's
narrative reaches only its author; an e-mail or name only its owner, and a regulator only when
the member signed sharing it; the bytes of an unconfirmed item (original, work pages, OCR,
output, thumbnail) only its contributor; a bundle only the receiving authority's regulator. By
design the bundle's ``complaints.csv`` carries each signer's redacted narrative to the receiving
regulator: that one disclosure is allowed, explicitly, in :data:`DISCLOSED`.

:func:`test_matching_confirms_no_word_of_someone_elses_private_narrative` holds the fix of a
leak this matrix found: the match report showed any word of any member's narrative as a
"shared key term", so anyone could confirm a guessed word of someone else's complaint.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask, url_for
from fpdf import FPDF
from sqlalchemy import select

from extensions import db
from models import (
    ApiToken,
    Authority,
    Base,
    Company,
    Complaint,
    Evidence,
    EvidenceStatus,
    GroupCase,
    Job,
    Membership,
    Notification,
    PetitionVersion,
    StatementTable,
    Submission,
    SubmissionStatus,
    TokenPurpose,
    User,
    UserRole,
)
from models.base import PUBLIC_ID_ALPHABET, new_public_id
from services import respondents, statements
from services.accounts import api_tokens
from services.accounts import tokens as account_tokens
from services.bundle.job import BUNDLE_JOB, bundle_for
from services.cases import membership as group_cases
from services.complaints import claims
from services.evidence import contributions as evidence
from services.evidence import files as evidence_files
from services.petition import drafting, signing
from services.submissions import lifecycle as submission_service
from tests.conftest import PASSWORD
from tests.support import statements as statement_samples
from tests.support.forms import csrf_token, login
from tests.support.web import EN, assert_redirects, is_redirect

NEW_PASSWORD = "another horse battery"

V, OTH, M, G, RY, RX = "visitor", "other", "member", "organizer", "reg_other", "regulator"
#: a verified respondent of the case's company, and one of another company
RS, RO = "respondent", "resp_other"
ROLES = (V, OTH, M, G, RY, RX, RS, RO)
ALL = frozenset(ROLES)
USERS = ALL - {V}
MEMBERS = frozenset({M, G})
REGULATORS = frozenset({RX, RY})
RESPONDENTS = frozenset({RS, RO})
NOBODY: frozenset[str] = frozenset()

Expect = dict[str, frozenset[str]]


def each(roles: frozenset[str] | set[str], *kinds: str) -> Expect:
    """The same allowed roles for every kind listed."""
    return dict.fromkeys(kinds, frozenset(roles))


SITE = ("site",)
CASES = ("A", "B", "C")
COMPLAINTS = ("A-complaint", "B-complaint", "F-complaint")
ITEMS = ("A-preview", "A-pooled", "B-preview", "B-pooled")
#: who may open an evidence item and its files
FILES: Expect = {
    "A-preview": frozenset({M}),
    "A-pooled": frozenset({M, G, RX}),
    "B-preview": frozenset({M}),
    "B-pooled": MEMBERS,
}
#: the regulator's pages and API: only a case submitted to their own authority
SUBMITTED_ONLY: Expect = {"A": frozenset({RX}), "B": NOBODY, "C": frozenset({RX})}

#: GET: endpoint -> object kind -> roles that get through
GET: dict[str, Expect] = {
    **{
        e: each(ALL, *SITE)
        for e in (
            "main.home",
            "main.bundle_key",
            "main.alive",
            "main.health",
            "cases.index",
            "api.openapi",
            "auth.login",
            "auth.register",
            "auth.check_mail",
            "auth.forgot_password",
        )
    },
    # a mailed link opens its page for whoever holds it; what it does needs more (below)
    "auth.confirm_email": each(ALL, "confirm-link"),
    "complaints.claim": each(ALL, "claim-link"),  # the link is the key: it shows what it hands over
    "auth.reset_password": each(ALL, "reset-link"),
    "auth.login_link": each(ALL, "login-link"),
    **{
        e: each(USERS, *SITE)
        for e in (
            "auth.account",
            "auth.two_factor_setup",  # regulators, already enrolled, are sent to their account
            "auth.two_step",  # logged in already: sent home
            "me.dashboard",
            "me.data",
            "me.export_data",
            "notifications.index",
            "complaints.new",
        )
    },
    # the audit log is for admins, none of these roles (tests/integration/test_admin_audit.py)
    "admin.audit_events": each(NOBODY, *SITE),
    "admin.audit_csv": each(NOBODY, *SITE),
    "regulator.inbox": each(REGULATORS, *SITE),
    "regulator.tokens": each(REGULATORS, *SITE),
    "api.list_cases": each(REGULATORS, *SITE),
    **{e: each(ALL, *CASES) for e in ("cases.detail", "cases.og_image", "cases.qr_png")},
    "cases.share": each({G}, *CASES),
    **{e: each(MEMBERS, *CASES) for e in ("petition.show", "petition.diff", "petition.signatures")},
    "petition.version": each(MEMBERS, *CASES, "B-v2"),
    "petition.moved": each(ALL, *CASES),  # a redirect to petition.show, which checks
    "petition.edit": each({G}, *CASES),
    "petition.members": each({G}, *CASES),
    "evidence.pool": {"A": MEMBERS | {RX}, "B": MEMBERS, "C": MEMBERS | {RX}},
    "regulator.case": SUBMITTED_ONLY,
    "regulator.download_bundle": SUBMITTED_ONLY,
    "api.case_detail": SUBMITTED_ONLY,
    "api.case_outcomes": SUBMITTED_ONLY,
    "api.bundle": SUBMITTED_ONLY,
    "complaints.detail": each({M}, *COMPLAINTS),
    "complaints.edit": each({M}, *COMPLAINTS),
    "routing.authority": each({M}, *COMPLAINTS),
    "evidence.item": FILES,
    "evidence.file": FILES,
    # a text file has no pictures: nobody gets a thumbnail or a page of it
    "evidence.thumbnail": {**FILES, "B-pooled": NOBODY},
    "evidence.page": {**FILES, "B-pooled": NOBODY},
    # pages before black-out: the contributor's, and only until the item is pooled
    "evidence.work_page": {
        **each(NOBODY, *ITEMS),
        "A-preview": frozenset({M}),
        "B-preview": frozenset({M}),
    },
    "evidence.job_status": {"A-upload-job": frozenset({M}), "A-bundle-job": frozenset({G})},
    # the company's side: C is forwarded to RideGo, A submitted only, B not submitted
    "respondent.index": each(RESPONDENTS, *SITE),
    "respondent.case": {"A": NOBODY, "B": NOBODY, "C": frozenset({RS})},
    "respondent.evidence_file": {"C-pooled": frozenset({RS})},
    "outcomes.mine": each(MEMBERS, *CASES),
    "outcomes.outcome_report": SUBMITTED_ONLY,
    "statements.index": each(MEMBERS, *CASES),
    "statements.table": {"A-table": frozenset({M}), "B-table": frozenset({M})},
}

#: POST, in the order run (see the module's docstring): endpoint -> kind -> allowed roles
POST: dict[str, Expect] = {
    "main.set_language": each(ALL, *SITE),
    "auth.login": each(ALL, *SITE),  # logged in: sent home; the visitor logs in (fresh client)
    "auth.register": each(ALL, *SITE),
    "auth.forgot_password": each(ALL, *SITE),  # the same answer for any address
    # a mailed link acts for the logged-out only: the logged-in are told to log out first
    "auth.confirm_email": each({V}, "confirm-link"),
    "auth.reset_password": each({V}, "reset-link"),
    "auth.login_link": each({V}, "login-link"),
    # whoever holds the link and has a member's account (each role its own link)
    "complaints.take": each({OTH, M, G}, "claim-link"),
    "auth.preferences": each(USERS, *SITE),
    "complaints.new": each(USERS, *SITE),
    "regulator.tokens": each(REGULATORS, *SITE),
    "complaints.edit": {
        "A-complaint": NOBODY,
        "B-complaint": frozenset({M}),
        "F-complaint": frozenset({M}),
    },
    "complaints.start_case": {**each(NOBODY, *COMPLAINTS), "F-complaint": frozenset({M})},
    # the member's own routing answers: theirs to give even after submission
    "routing.authority": each({M}, *COMPLAINTS),
    "cases.join": {"A": NOBODY, "B": MEMBERS, "C": NOBODY},  # members: "already a member"
    "cases.title": each({G}, *CASES),  # harmless after submission: the organizers' title
    # B (signing) may take in the open B2 of the same company; A and C are submitted
    "cases.merge": {"A": NOBODY, "B": frozenset({G}), "C": NOBODY},
    # only the asked side accepts: nobody on B (it proposed), nobody where no merge waits
    "cases.merge_answer": each(NOBODY, *CASES),
    "petition.comment": each(MEMBERS, *CASES),
    "petition.members": each({G}, *CASES),  # "remove co-organizer" from a plain member
    "petition.edit": {"A": NOBODY, "B": frozenset({G}), "C": NOBODY},
    "petition.sign": {"A": NOBODY, "B": MEMBERS, "C": NOBODY},
    "petition.withdraw": {"A": NOBODY, "B": MEMBERS, "C": NOBODY},
    "petition.open_signing": {"A": NOBODY, "B-v2": frozenset({G}), "C": NOBODY},
    "petition.sign_again": {"A": NOBODY, "B": MEMBERS, "C": NOBODY},
    "evidence.upload": {"A": NOBODY, "B": MEMBERS, "C": NOBODY},
    "evidence.words": {**each(NOBODY, *ITEMS), "B-preview": frozenset({M})},
    "evidence.boxes": {**each(NOBODY, *ITEMS), "B-preview": frozenset({M})},
    "evidence.columns": each(NOBODY, *ITEMS),  # for tables only: no CSV in the world
    "evidence.names": each(NOBODY, *ITEMS),  # no name is proposed in the world's items
    "evidence.confirm": {"A-preview": NOBODY, "B-preview": frozenset({M})},
    # confirmed before the upload row: a member's new upload replaces their draft
    "statements.confirm": {"A-table": NOBODY, "B-table": frozenset({M})},
    "statements.upload": {"A": NOBODY, "B": MEMBERS, "C": NOBODY},
    # while the company's answer is still due on A and C (answering stops its clock)
    "regulator.extend_clock": SUBMITTED_ONLY,
    # before the regulators' rows move C back from "forwarded"; answering keeps it visible
    "respondent.offer": {"A": NOBODY, "B": NOBODY, "C": frozenset({RS})},
    "respondent.answer": {"A": NOBODY, "B": NOBODY, "C": frozenset({RS})},
    "outcomes.decide_offer": {"C-offer": frozenset({M})},
    # after submission only: B's members are refused (409 on the page), nothing changes
    "outcomes.record": {"A": MEMBERS, "B": NOBODY, "C": MEMBERS},
    "outcomes.dispute": {"A": MEMBERS, "B": NOBODY, "C": MEMBERS},
    "regulator.build_bundle": SUBMITTED_ONLY,
    "regulator.status": SUBMITTED_ONLY,
    "api.post_status": SUBMITTED_ONLY,
    # destructive, last
    "evidence.discard": {"A-preview": frozenset({M})},
    "evidence.withdraw": {"A-pooled": NOBODY, "B-pooled": frozenset({M})},
    "statements.discard": {"A-table": NOBODY, "B-table": frozenset({M})},
    "notifications.dismiss": {"A-notification": frozenset({M})},
    "regulator.revoke_token": {"X-token": frozenset({RX})},
    "complaints.delete": {"A-complaint": NOBODY, "F-complaint": frozenset({M})},
    "cases.leave": {"A": NOBODY, "B2": MEMBERS, "C": NOBODY},
    "petition.submit": {"A": NOBODY, "B": frozenset({G}), "C": NOBODY},
    # after B's submission; once open, a case stays open to its company
    "outcomes.open_to_company": each({G}, *CASES),
    # members have no second step to renew or answer (a wrong code); regulators and
    # respondents have one on
    "auth.two_factor_setup": each(REGULATORS | RESPONDENTS, *SITE),
    "auth.renew_recovery_codes": each(REGULATORS | RESPONDENTS, *SITE),
    "auth.disable_two_factor": each(NOBODY, *SITE),  # members: not on; regulators: required
    "auth.two_step": each(USERS, *SITE),  # logged in already: sent home, nothing asked
    "auth.change_password": each(USERS, *SITE),
    # a wrong password: members get the form again, regulators are refused; nothing changes
    "me.delete_account": each(NOBODY, *SITE),
    "auth.logout": each(ALL, *SITE),
    "auth.end_every_session": each(USERS, *SITE),
}

#: rows that log the actor out everywhere: each role posts from a session of its own
ENDS_EVERY_SESSION = {"auth.end_every_session"}

#: query strings some pages need to show anything at all
QUERY = {"petition.diff": "?a=1&b=1"}

#: tables and columns that legitimately change on a refused request
UNWATCHED_TABLES = {"audit_events"}
UNWATCHED_COLUMNS = {("api_tokens", "last_used_at")}


#: the URL arguments each object kind can fill
KIND_ARGUMENTS: dict[str, set[str]] = {
    "site": set(),
    **{k: {"public_id", "case_id", "number"} for k in ("A", "B", "B-v2", "B2", "C")},
    **{k: {"public_id"} for k in COMPLAINTS},
    **{k: {"public_id", "page"} for k in ITEMS},
    "A-upload-job": {"public_id"},
    "A-bundle-job": {"public_id"},
    "C-pooled": {"public_id", "item_id"},
    "C-offer": {"public_id"},
    "A-table": {"public_id"},
    "B-table": {"public_id"},
    "A-notification": {"notification_id"},
    "X-token": {"token_id"},
    "confirm-link": {"token"},
    "reset-link": {"token"},
    "login-link": {"token"},
    "claim-link": {"token"},
}


# --- the world ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    key: str
    id: int
    email: str
    name: str


@dataclass
class World:
    people: dict[str, Person]
    #: home (A, B or C) -> role -> person key (None: the visitor)
    cast: dict[str, dict[str, str | None]]
    #: object kind -> (home, URL argument values)
    objects: dict[str, tuple[str, dict[str, Any]]]
    #: narrative marker -> owner's key
    narratives: dict[str, str]
    #: person key -> API secret
    tokens: dict[str, str]
    #: object kind -> complaint form data that keeps the complaint as it is
    complaint_forms: dict[str, dict[str, Any]]
    #: stored bytes of each unconfirmed item -> its contributor's key
    private_bytes: dict[bytes, str]
    #: PDFs as uploaded: every PDF is re-rendered, so these are served to nobody at all
    uploads: list[bytes]
    #: each bundle's bytes -> the key of the one regulator who may have it
    bundles: dict[bytes, str]
    category_id: int
    authority_x: int
    #: role -> a claim link of its own (complaints.take): a link works once
    claim_tokens: dict[str, str]
    counter: list[int] = field(default_factory=lambda: [0])

    def user(self, kind: str, role: str) -> str | None:
        return self.cast[self.objects[kind][0]][role]

    def values(self, kind: str) -> dict[str, Any]:
        return self.objects[kind][1]

    def case(self, kind: str) -> GroupCase:
        found = db.session.scalar(
            select(GroupCase).where(GroupCase.public_id == self.values(kind)["public_id"])
        )
        assert found is not None
        return found

    def open_sha(self, kind: str) -> str:
        version = signing.open_version(db.session, self.case(kind))
        return version.content_sha256 if version and version.content_sha256 else ""

    def pseudonym(self, kind: str, role: str) -> str:
        key = self.user(kind, role)
        return (
            db.session.scalar(
                select(Membership.pseudonym).where(
                    Membership.case_id == self.case(kind).id,
                    Membership.user_id == self.people[str(key)].id,
                )
            )
            or ""
        )

    def serial(self) -> int:
        self.counter[0] += 1
        return self.counter[0]


def narrative(tag: str) -> str:
    return f"The company kept my money and never answered. Marker narrmark{tag} for the test."


def pdf(text: str) -> bytes:
    """A one-page PDF with a text layer (read without OCR), different for each text."""
    document = FPDF()
    document.add_page()
    document.set_font("helvetica", size=14)
    document.multi_cell(0, 10, text)
    return bytes(document.output())


def build_world(
    make_user: Callable[..., User],
    make_company: Callable[..., Company],
    make_complaint: Callable[..., Complaint],
) -> World:
    # both with deadline rules, so that extending a deadline is tried on A and C
    x = Authority(
        slug="authx",
        name_en="Authority X",
        name_zh="监管甲",
        min_signatures=2,
        clock_rules="nfra-2020",
    )
    y = Authority(
        slug="authy",
        name_en="Authority Y",
        name_zh="监管乙",
        min_signatures=1,
        clock_rules="pboc-2020",
    )
    db.session.add_all([x, y])
    db.session.commit()
    wallet = make_company("walletpro", "WalletPro", "钱包宝")
    shop = make_company("shopfast", "ShopFast", "快购")
    ride = make_company("ridego", "RideGo", "快车")
    free = make_company("freeco", "FreeCo", "自由")

    people: dict[str, Person] = {}
    users: dict[str, User] = {}

    def person(key: str, name: str, **kwargs: Any) -> User:
        user = make_user(
            email=f"{key}.matrix@example.org", display_name=name, locale="en", **kwargs
        )
        users[key] = user
        people[key] = Person(key, user.id, user.email, name)
        return user

    for key, name in (
        ("org_a", "Alvar Quintessa"),
        ("mem_a", "Brunhild Yarrowby"),
        ("org_b", "Cosimo Wendeline"),
        ("mem_b", "Dagny Fairweather"),
        ("org_c", "Evander Thistlewood"),
        ("mem_c", "Fenella Goldcrest"),
        ("spare", "Gideon Spareman"),
    ):
        person(key, name)
    person("reg_x", "Hester Regulatrix", role=UserRole.REGULATOR, authority=x)
    person("reg_y", "Ignatius Overseer", role=UserRole.REGULATOR, authority=y)
    for key, name, company in (
        ("resp_wallet", "Jocasta Walletson", wallet),
        ("resp_shop", "Kasimir Shopwright", shop),
        ("resp_ride", "Leopoldine Rideaux", ride),
    ):
        link = respondents.create_respondent(
            db.session,
            email=f"{key}.matrix@example.org",
            display_name=name,
            password=PASSWORD,
            company=company,
            locale="en",
        )
        respondents.verify_respondent(db.session, link.user)
        db.session.commit()
        users[key] = link.user
        people[key] = Person(key, link.user.id, link.user.email, name)

    narratives: dict[str, str] = {}
    complaints: dict[str, Complaint] = {}

    def complaint(key: str, owner: str, company: Company) -> Complaint:
        made = make_complaint(users[owner], company, narrative(key))
        narratives[f"narrmark{key}"] = owner
        complaints[key] = made
        return made

    def start(owner: str, complaint_key: str, company: Company, title: str) -> GroupCase:
        case = group_cases.start_case(
            db.session,
            users[owner],
            complaint(complaint_key, owner, company),
            title=title,
            summary="",
        )
        db.session.flush()
        return case

    def join(case: GroupCase, member: str, complaint_key: str, company: Company) -> None:
        group_cases.join_case(
            db.session, users[member], case, complaint(complaint_key, member, company)
        )
        db.session.commit()

    def membership(case: GroupCase, key: str) -> Membership:
        found = group_cases.membership_in(db.session, users[key], case)
        assert found is not None
        return found

    uploads: list[bytes] = []

    def contribute(case: GroupCase, key: str, name: str, data: bytes, pool: bool) -> Evidence:
        if name.endswith(".pdf"):
            uploads.append(data)
        item = evidence.contribute(db.session, users[key], case, io.BytesIO(data), name)
        db.session.commit()  # the eager job anonymizes it here
        item = db.session.get(Evidence, item.id)
        assert item is not None
        assert item.status is EvidenceStatus.PREVIEW, item.status
        if pool:
            evidence.confirm(db.session, users[key], item)
            db.session.commit()
        return item

    def loss_table(case: GroupCase, key: str, confirm: bool) -> StatementTable:
        table = statements.import_statement(
            db.session,
            users[key],
            case,
            io.BytesIO(statement_samples.wechat_csv()),
            window_start=date(2026, 10, 1),
            window_end=date(2026, 10, 31),
            counterparty=statement_samples.MERCHANT,
        )
        if confirm:
            statements.confirm(db.session, users[key], table, {0, 1, 2}, own_account=True)
        db.session.commit()
        return table

    def version(case: GroupCase, organizer: str, authority: Authority, opened: bool) -> Any:
        made = drafting.save_version(
            db.session,
            case,
            membership(case, organizer),
            drafting.DraftInput(
                title=f"Joint complaint about {case.title}",
                authority_id=authority.id,
                facts="Money kept.",
                demands="Give it back.",
                body_md="We ask the authority to act.",
            ),
        )
        if opened:
            drafting.open_for_signing(db.session, case, membership(case, organizer), made)
        db.session.commit()
        return made

    def sign(case: GroupCase, key: str, sha: str, share: bool) -> None:
        signing.sign(
            db.session,
            case,
            membership(case, key),
            version_sha256=sha,
            facts_confirmed=True,
            share_identity=share,
        )
        db.session.commit()

    # case A: submitted to X, with evidence in both states
    case_a = start("org_a", "orgalpha", wallet, "WalletPro keeps deposits")
    join(case_a, "mem_a", "memalpha", wallet)
    a_preview = contribute(
        case_a, "mem_a", "preview-a.pdf", pdf("Preview alpha: refund refused on the order."), False
    )
    a_pooled = contribute(
        case_a, "mem_a", "pooled-a.pdf", pdf("Pooled alpha: the deposit was never returned."), True
    )
    a_table = loss_table(case_a, "mem_a", confirm=True)
    a_version = version(case_a, "org_a", x, opened=True)
    sign(case_a, "org_a", a_version.content_sha256, share=True)
    sign(case_a, "mem_a", a_version.content_sha256, share=False)
    submission_service.submit(db.session, users["org_a"], case_a)
    db.session.commit()  # the eager job builds the bundle here

    # case B: in signing, not submitted; B2: the same people, open
    case_b = start("org_b", "orgbravo", shop, "ShopFast cancels orders")
    join(case_b, "mem_b", "membravo", shop)
    b_preview = contribute(
        case_b,
        "mem_b",
        "preview-b.pdf",
        pdf("Preview bravo: the order was cancelled twice."),
        False,
    )
    b_pooled = contribute(
        case_b, "mem_b", "pooled-b.txt", b"Pooled bravo: cancelled without a refund.\n", True
    )
    b_table = loss_table(case_b, "mem_b", confirm=False)
    version(case_b, "org_b", x, opened=True)
    version(case_b, "org_b", x, opened=False)
    case_b2 = start("org_b", "orgbravotwo", shop, "ShopFast loses parcels")
    join(case_b2, "mem_b", "membravotwo", shop)
    complaint("freebravo", "mem_b", free)
    # complaints an association (the spare account) imported, one per role to claim
    for role in ROLES:
        person = claims.new_complainant(db.session, users["spare"], f"import:matrix:{role}")
        imported = make_complaint(person, shop, f"Imported for the matrix ({role}): " * 3)
        imported.source = f"import:matrix:{role}"
    db.session.commit()
    claim_tokens = {
        link.source.rsplit(":", 1)[1]: link.token
        for link in claims.issue_claim_links(db.session, users["spare"])
    }

    # case C: submitted to Y
    case_c = start("org_c", "orgcharlie", ride, "RideGo double charges")
    join(case_c, "mem_c", "memcharlie", ride)
    c_pooled = contribute(
        case_c, "mem_c", "pooled-c.txt", b"Pooled charlie: charged twice for one ride.\n", True
    )
    c_version = version(case_c, "org_c", y, opened=True)
    sign(case_c, "org_c", c_version.content_sha256, share=False)
    submission_service.submit(db.session, users["org_c"], case_c)
    db.session.commit()
    # forwarded to RideGo, whose respondent offers the member a refund
    c_submission = db.session.scalar(select(Submission).where(Submission.case_id == case_c.id))
    assert c_submission is not None
    submission_service.record_status(
        db.session, users["reg_y"], c_submission, SubmissionStatus.FORWARDED
    )
    db.session.commit()
    c_offer = respondents.make_offer(
        db.session,
        users["resp_ride"],
        case_c.public_id,
        membership(case_c, "mem_c").pseudonym,
        "20.00",
        "An offer made while building the matrix's world.",
    )
    db.session.commit()

    tokens = {
        key: api_tokens.create_token(db.session, users[key], "matrix").secret
        for key in ("reg_x", "reg_y")
    }
    db.session.commit()
    x_token = db.session.scalar(select(ApiToken.id).where(ApiToken.user_id == users["reg_x"].id))
    notification = db.session.scalar(
        select(Notification.id).where(Notification.user_id == users["mem_a"].id)
    )
    bundle_job = db.session.scalar(
        select(Job.public_id).where(Job.user_id == users["org_a"].id, Job.kind == BUNDLE_JOB)
    )
    assert notification is not None
    assert bundle_job is not None
    assert x_token is not None

    private_bytes: dict[bytes, str] = {}
    for item, contributor in ((a_preview, "mem_a"), (b_preview, "mem_b")):
        stored = db.session.get(Evidence, item.id)
        assert stored is not None
        for key in evidence_files.keys_of(stored):
            data = evidence_files.read(key)
            if len(data) >= 64:  # shorter ones (an empty word list) could match by chance
                private_bytes[data] = contributor
    bundles: dict[bytes, str] = {}
    for case, regulator in ((case_a, "reg_x"), (case_c, "reg_y")):
        submission = db.session.scalar(select(Submission).where(Submission.case_id == case.id))
        assert submission is not None
        key = bundle_for(submission)
        assert key is not None, "the bundle was not built"
        bundles[evidence_files.read(key)] = regulator

    today = date.today()

    def account_link(purpose: TokenPurpose) -> str:
        return account_tokens.issue(db.session, users["spare"], purpose)

    def complaint_form(key: str, company: Company) -> dict[str, Any]:
        made = complaints[key]
        return {
            "company": company.name_en,
            "category": str(made.category_id),
            "incident_date": (today - timedelta(days=30)).isoformat(),
            "amount": "100.00",
            "currency": "CNY",
            "narrative": made.narrative,
            "demands": ["refund"],
        }

    world = World(
        people=people,
        cast={
            "A": {
                **{V: None, OTH: "org_c", M: "mem_a", G: "org_a", RY: "reg_y", RX: "reg_x"},
                **{RS: "resp_wallet", RO: "resp_ride"},
            },
            "B": {
                **{V: None, OTH: "org_c", M: "mem_b", G: "org_b", RY: "reg_y", RX: "reg_x"},
                **{RS: "resp_shop", RO: "resp_ride"},
            },
            "C": {
                **{V: None, OTH: "org_a", M: "mem_c", G: "org_c", RY: "reg_x", RX: "reg_y"},
                **{RS: "resp_ride", RO: "resp_wallet"},
            },
        },
        objects={
            "site": ("A", {}),
            "A": ("A", {"public_id": case_a.public_id, "case_id": case_a.public_id, "number": 1}),
            "B": ("B", {"public_id": case_b.public_id, "case_id": case_b.public_id, "number": 1}),
            "B-v2": (
                "B",
                {"public_id": case_b.public_id, "case_id": case_b.public_id, "number": 2},
            ),
            "B2": (
                "B",
                {"public_id": case_b2.public_id, "case_id": case_b2.public_id, "number": 1},
            ),
            "C": ("C", {"public_id": case_c.public_id, "case_id": case_c.public_id, "number": 1}),
            "A-complaint": ("A", {"public_id": complaints["memalpha"].public_id}),
            "B-complaint": ("B", {"public_id": complaints["membravo"].public_id}),
            "F-complaint": ("B", {"public_id": complaints["freebravo"].public_id}),
            "A-preview": ("A", {"public_id": a_preview.public_id, "page": 0}),
            "A-pooled": ("A", {"public_id": a_pooled.public_id, "page": 0}),
            "B-preview": ("B", {"public_id": b_preview.public_id, "page": 0}),
            "B-pooled": ("B", {"public_id": b_pooled.public_id, "page": 0}),
            "A-upload-job": ("A", {"public_id": a_preview.job.public_id}),
            "A-bundle-job": ("A", {"public_id": bundle_job}),
            "C-pooled": ("C", {"public_id": case_c.public_id, "item_id": c_pooled.public_id}),
            "C-offer": ("C", {"public_id": c_offer.public_id}),
            "A-table": ("A", {"public_id": a_table.public_id}),
            "B-table": ("B", {"public_id": b_table.public_id}),
            "A-notification": ("A", {"notification_id": notification}),
            "X-token": ("A", {"token_id": x_token}),
            # links mailed to the spare account (whose owner is none of the roles)
            "confirm-link": ("A", {"token": account_link(TokenPurpose.VERIFY_EMAIL)}),
            "reset-link": ("A", {"token": account_link(TokenPurpose.RESET_PASSWORD)}),
            "login-link": ("A", {"token": account_link(TokenPurpose.LOGIN_LINK)}),
            "claim-link": ("B", {"token": claim_tokens[V]}),
        },
        narratives=narratives,
        tokens=tokens,
        complaint_forms={
            "A-complaint": complaint_form("memalpha", wallet),
            "B-complaint": complaint_form("membravo", shop),
            "F-complaint": complaint_form("freebravo", free),
        },
        private_bytes=private_bytes,
        uploads=uploads,
        bundles=bundles,
        category_id=complaints["memalpha"].category_id,
        authority_x=x.id,
        claim_tokens=claim_tokens,
    )
    db.session.commit()
    return world


#: (viewer, owner, what) shown across people on purpose: "narrative" only inside a bundle
#: (complaints.csv, redacted), "identity" wherever the regulator looks
DISCLOSED = {
    ("reg_x", "org_a", "narrative"),
    ("reg_x", "mem_a", "narrative"),
    ("reg_y", "org_c", "narrative"),
    ("reg_x", "org_a", "identity"),  # signed sharing name and e-mail with X
}


# --- requests --------------------------------------------------------------------------------


class Actor:
    """One role's browser: its session, its CSRF token, its API token if a regulator."""

    def __init__(self, app: Flask, world: World, key: str | None, password: str = PASSWORD) -> None:
        self.key = key
        self.client = app.test_client()
        if key is not None:
            response = login(self.client, world.people[key].email, password, headers=EN)
            assert is_redirect(response.status_code), f"{key} could not log in"
        self.csrf = csrf_token(self.client.get("/", headers=EN).get_data(as_text=True))
        self.token = world.tokens.get(key or "")


@dataclass
class Answer:
    status: int
    location: str
    body: bytes
    errors: list[str]

    @property
    def outcome(self) -> str:
        if self.status >= 500:
            return "error"
        if self.status in (401, 403, 404):
            return "denied"
        if 300 <= self.status < 400 and self.location.startswith("/account/login"):
            return "login"
        if self.status < 400 and not self.errors:
            return "ok"
        return "soft"

    def describe(self) -> str:
        extra = f" -> {self.location}" if self.location else ""
        flashed = f" flashed {self.errors}" if self.errors else ""
        return f"{self.status}{extra}{flashed}"


def send(
    actor: Actor, method: str, url: str, endpoint: str, payload: dict[str, Any] | None
) -> Answer:
    """One request as a browser (or, for /api/, an API client) would send it; then, as the end
    of a real request would, forget whatever the view left uncommitted."""
    headers = dict(EN)
    kwargs: dict[str, Any] = {}
    if endpoint.startswith("api."):
        if actor.token:
            headers["Authorization"] = f"Bearer {actor.token}"
        if method == "POST":
            kwargs["json"] = payload or {}
    elif method == "POST":
        kwargs["data"] = {"csrf_token": actor.csrf, **(payload or {})}
    response = actor.client.open(url, method=method, headers=headers, **kwargs)
    body = response.get_data()
    response.close()
    with actor.client.session_transaction() as session:
        flashes = session.pop("_flashes", [])
    db.session.rollback()
    location = response.headers.get("Location", "")
    location = re.sub(r"^https?://[^/]+", "", location)
    return Answer(response.status_code, location, body, [m for c, m in flashes if c == "error"])


def url_for_cell(app: Flask, endpoint: str, values: dict[str, Any]) -> str:
    rule = rule_of(app, endpoint)
    with app.test_request_context():
        url = url_for(endpoint, **{name: values[name] for name in rule.arguments})
    return url + QUERY.get(endpoint, "")


def rule_of(app: Flask, endpoint: str) -> Any:
    return next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)


def fingerprint() -> dict[str, list[str]]:
    """Every watched row of every table, to prove a refused request changed nothing."""
    rows: dict[str, list[str]] = {}
    for table in Base.metadata.sorted_tables:
        if table.name in UNWATCHED_TABLES:
            continue
        columns = [c for c in table.columns if (table.name, c.name) not in UNWATCHED_COLUMNS]
        rows[table.name] = sorted(repr(tuple(r)) for r in db.session.execute(select(*columns)))
    db.session.rollback()
    return rows


def changed_tables(before: dict[str, list[str]], after: dict[str, list[str]]) -> list[str]:
    return [name for name in before if before[name] != after[name]]


# --- private data in bodies ------------------------------------------------------------------


def parts_of(body: bytes) -> list[tuple[str, bytes]]:
    """("body", the body) and, for a ZIP, ("zip", its bytes) for every entry."""
    parts = [("body", body)]
    if body[:4] == b"PK\x03\x04":
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            parts += [("zip", archive.read(name)) for name in archive.namelist()]
    return parts


def leaks(world: World, viewer: str | None, where: str, body: bytes) -> list[str]:
    """What in ``body`` belongs to someone else than ``viewer`` and may not reach them."""
    found: list[str] = []
    parts = parts_of(body)
    raw = [data for _part, data in parts]
    for part, data in parts:
        text = data.decode("utf-8", errors="ignore")
        for marker, owner in world.narratives.items():
            if marker in text and owner != viewer:
                if part == "zip" and (viewer, owner, "narrative") in DISCLOSED:
                    continue
                found.append(f"{where}: narrative of {owner} ({marker})")
        for person in world.people.values():
            if person.key == viewer or (viewer, person.key, "identity") in DISCLOSED:
                continue
            for value, what in ((person.email, "e-mail"), (person.name, "name")):
                if value in text:
                    found.append(f"{where}: {what} of {person.key}")
    for data, owner in world.private_bytes.items():
        if owner != viewer and any(data in chunk for chunk in raw):
            found.append(f"{where}: bytes of {owner}'s unconfirmed evidence")
    for data in world.uploads:
        if any(data in chunk for chunk in raw):
            found.append(f"{where}: a PDF exactly as uploaded, before anonymization")
    for data, regulator in world.bundles.items():
        if regulator != viewer and data in body:
            found.append(f"{where}: a bundle meant for {regulator}")
    return found


# --- the tests -------------------------------------------------------------------------------


def test_every_rule_has_objects_and_expectations(app: Flask) -> None:
    """A new route fails here until it is added to GET or POST with the objects to try."""
    problems = []
    seen = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            table = {"GET": GET, "POST": POST}.get(method)
            seen.add((rule.endpoint, method))
            if table is None or rule.endpoint not in table:
                problems.append(
                    f"{method} {rule.rule} ({rule.endpoint}) has no row in the matrix: add "
                    f"the objects to try and the roles allowed to {method} in "
                    "tests/integration/test_authorization_matrix.py"
                )
                continue
            kinds = table[rule.endpoint]
            if rule.arguments and set(kinds) == {"site"}:
                problems.append(
                    f"{rule.rule} ({rule.endpoint}) needs objects to fill {sorted(rule.arguments)}"
                )
            for kind, roles in kinds.items():
                if kind not in KIND_ARGUMENTS:
                    problems.append(f"{rule.endpoint}: unknown object kind {kind!r}")
                elif missing := set(rule.arguments) - KIND_ARGUMENTS[kind]:
                    problems.append(
                        f"{rule.rule} ({rule.endpoint}): {kind!r} cannot fill {sorted(missing)}"
                    )
                if not roles <= ALL:
                    problems.append(f"{rule.endpoint}: unknown roles {sorted(roles - ALL)}")
    for method, table in (("GET", GET), ("POST", POST)):
        for endpoint in table:
            if (endpoint, method) not in seen:
                problems.append(f"{method} {endpoint} is in the matrix but not in the app")
    assert not problems, "\n".join(problems)


def verdict(role: str, allowed: frozenset[str], answer: Answer, cell: str) -> list[str]:
    """Whether ``answer`` is the outcome the table promises ``role`` for this cell."""
    outcome = answer.outcome
    if role in allowed:
        return [] if outcome == "ok" else [f"{cell}: should get through, got {answer.describe()}"]
    if outcome in ("ok", "error"):
        return [f"{cell}: should be refused, got {answer.describe()}"]
    if role == V and outcome not in ("login", "denied"):
        return [f"{cell}: a visitor should be sent to log in, got {answer.describe()}"]
    if role != V and outcome == "login":
        return [f"{cell}: a logged-in user was sent to log in ({answer.describe()})"]
    return []


def actor_for_row(
    app: Flask, world: World, actors: dict[str | None, Actor], endpoint: str, key: str | None
) -> Actor:
    """Who posts a row's request: the role's browser; a fresh one for visitors (so logging in
    changes nothing else) and for the rows that end every session (run after logging out, and
    after the password changed)."""
    if key is None:
        return Actor(app, world, None)
    if endpoint in ENDS_EVERY_SESSION:
        return Actor(app, world, key, NEW_PASSWORD)
    return actors[key]


@pytest.fixture
def world(
    make_user: Callable[..., User],
    make_company: Callable[..., Company],
    make_complaint: Callable[..., Complaint],
) -> World:
    """The world every test here tries: built once per test, a few seconds."""
    return build_world(make_user, make_company, make_complaint)


def actors_for(app: Flask, world: World) -> dict[str | None, Actor]:
    keys = [None, *(key for key in world.people if key != "spare")]
    return {key: Actor(app, world, key) for key in keys}


def test_every_get_by_every_role_and_no_private_data_in_any_body(
    app: Flask,
    world: World,
) -> None:
    actors = actors_for(app, world)
    failures: list[str] = []
    cells = 0
    for endpoint, kinds in GET.items():
        for kind, allowed in kinds.items():
            url = url_for_cell(app, endpoint, world.values(kind))
            for role in ROLES:
                key = world.user(kind, role)
                answer = send(actors[key], "GET", url, endpoint, None)
                cells += 1
                cell = f"GET {url} [{endpoint} {kind}] as {role} ({key})"
                failures += verdict(role, allowed, answer, cell)
                failures += leaks(world, key, cell, answer.body)
    assert cells == sum(len(k) for k in GET.values()) * len(ROLES)
    assert not failures, f"{len(failures)} of {cells} cells failed:\n" + "\n".join(failures)


# --- "yours but not reachable" looks exactly like "does not exist" ----------------------------


def _normalized(body: bytes, url: str) -> bytes:
    """The body without its per-request CSRF token and the address asked for (the language
    switch sends the visitor back to it)."""
    body = body.replace(url.encode(), b"<url>")
    return re.sub(rb'(name="csrf_token"[^>]*?value=")[^"]+', rb"\1", body)


#: (viewer, endpoint, method, an existing object the viewer may not reach)
NOT_YOURS = [
    ("org_a", "complaints.detail", "GET", "A-complaint"),
    ("org_a", "complaints.edit", "GET", "A-complaint"),
    ("org_a", "complaints.edit", "POST", "A-complaint"),
    ("org_a", "complaints.delete", "POST", "A-complaint"),
    ("org_c", "complaints.detail", "GET", "B-complaint"),
    *(
        (viewer, endpoint, "GET", "A-preview")
        for viewer in ("org_a", "reg_x")
        for endpoint in (
            "evidence.item",
            "evidence.file",
            "evidence.thumbnail",
            "evidence.page",
            "evidence.work_page",
        )
    ),
    ("org_c", "evidence.item", "GET", "A-pooled"),
    ("reg_y", "evidence.file", "GET", "A-pooled"),
    ("reg_x", "evidence.item", "GET", "B-pooled"),
    ("org_a", "evidence.confirm", "POST", "A-preview"),
    ("org_a", "evidence.discard", "POST", "A-preview"),
    ("org_a", "evidence.job_status", "GET", "A-upload-job"),
    ("reg_y", "regulator.case", "GET", "A"),
    ("reg_y", "regulator.download_bundle", "GET", "A"),
    ("reg_x", "regulator.case", "GET", "B"),
    ("reg_x", "api.case_detail", "GET", "C"),
    ("reg_x", "api.bundle", "GET", "C"),
    ("reg_x", "api.post_status", "POST", "C"),
    ("org_a", "notifications.dismiss", "POST", "A-notification"),
    # a company sees neither another company's case nor its own before it is forwarded
    ("resp_wallet", "respondent.case", "GET", "C"),
    ("resp_wallet", "respondent.case", "GET", "A"),
    ("resp_ride", "respondent.case", "GET", "A"),
    ("resp_wallet", "respondent.evidence_file", "GET", "C-pooled"),
    ("org_c", "outcomes.decide_offer", "POST", "C-offer"),
    ("reg_x", "outcomes.outcome_report", "GET", "C"),
    ("reg_x", "api.case_outcomes", "GET", "C"),
]


def _random_values(kind_values: dict[str, Any]) -> dict[str, Any]:
    values = dict(kind_values)
    if "public_id" in values:
        values["public_id"] = new_public_id()
    if "notification_id" in values:
        values["notification_id"] = 10**8
    return values


def test_what_is_not_yours_answers_exactly_like_what_does_not_exist(
    app: Flask,
    world: World,
) -> None:
    actors = {key: Actor(app, world, key) for key in {row[0] for row in NOT_YOURS}}
    failures = []
    for viewer, endpoint, method, kind in NOT_YOURS:
        existing = url_for_cell(app, endpoint, world.values(kind))
        missing = url_for_cell(app, endpoint, _random_values(world.values(kind)))
        payload = {"status": "received"} if endpoint.startswith("api.") else {}
        real = send(actors[viewer], method, existing, endpoint, payload)
        made_up = send(actors[viewer], method, missing, endpoint, payload)
        if real.status != 404 or made_up.status != 404:
            failures.append(
                f"{method} {existing} as {viewer}: {real.status}, unknown id: "
                f"{made_up.status} (both should be 404)"
            )
        elif _normalized(real.body, existing) != _normalized(made_up.body, missing):
            failures.append(f"{method} {existing} as {viewer}: the 404 bodies differ")
    assert not failures, "\n".join(failures)

    # the API: no token (a session cookie is no token) is 401 everywhere but the document
    anonymous = Actor(app, world, None)
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("api.") or rule.endpoint == "api.openapi":
            continue
        url = url_for_cell(app, rule.endpoint, world.values("C" if rule.arguments else "site"))
        method = "POST" if "POST" in (rule.methods or ()) else "GET"
        for actor in (anonymous, actors["org_a"]):
            answer = send(actor, method, url, rule.endpoint, {"status": "received"})
            assert answer.status == 401, f"{method} {url} without a token: {answer.status}"
    for bad in ("", "chorus_not-a-token", f"{world.tokens['reg_x']}x"):
        client = app.test_client()
        response = client.get("/api/v1/cases", headers={"Authorization": f"Bearer {bad}"})
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")

    # each inbox lists its own authority's case and nothing else, on the pages and the API
    ids = {kind: world.values(kind)["public_id"] for kind in ("A", "B", "C")}
    for key, own, others in (("reg_x", "A", ("B", "C")), ("reg_y", "C", ("A", "B"))):
        actor = Actor(app, world, key)
        for endpoint in ("regulator.inbox", "api.list_cases"):
            body = send(actor, "GET", url_for_cell(app, endpoint, {}), endpoint, None).body
            assert ids[own].encode() in body, f"{endpoint} of {key} misses its case"
            for other in others:
                assert ids[other].encode() not in body, f"{endpoint} of {key} lists {other}"

    # a revoked token is no token
    token = db.session.get(ApiToken, world.values("X-token")["token_id"])
    api_tokens.revoke(db.session, db.session.get(User, token.user_id), token.id)
    db.session.commit()
    url = url_for_cell(app, "api.case_detail", world.values("A"))
    assert send(actors["reg_x"], "GET", url, "api.case_detail", None).status == 401


# --- POST --------------------------------------------------------------------------------------


Payload = Callable[[World, str], dict[str, Any]]


def _new_complaint(world: World, _kind: str) -> dict[str, Any]:
    return {
        "company": "FreeCo",
        "category": str(world.category_id),
        "incident_date": (date.today() - timedelta(days=10)).isoformat(),
        "amount": "55.00",
        "currency": "CNY",
        "narrative": "Another complaint filed by the authorization matrix test.",
        "demands": ["refund"],
    }


PAYLOADS: dict[str, Payload] = {
    "main.set_language": lambda _w, _k: {"lang": "en"},
    "auth.login": lambda w, _k: {"email": w.people["spare"].email, "password": PASSWORD},
    "auth.register": lambda w, _k: {
        "email": f"newcomer{w.serial()}.matrix@example.org",
        "display_name": "Newcomer",
        "password": PASSWORD,
        "confirm": PASSWORD,
        "locale": "en",
    },
    "auth.preferences": lambda _w, _k: {"locale": "en"},
    "auth.forgot_password": lambda w, _k: {"email": f"forgetful{w.serial()}@example.org"},
    "auth.confirm_email": lambda _w, _k: {"password": PASSWORD},
    "auth.reset_password": lambda _w, _k: {"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    "auth.two_factor_setup": lambda _w, _k: {"code": "000000"},
    "auth.two_step": lambda _w, _k: {"code": "000000"},
    "auth.renew_recovery_codes": lambda _w, _k: {"password": PASSWORD},
    "auth.disable_two_factor": lambda _w, _k: {"password": PASSWORD},
    "me.delete_account": lambda _w, _k: {"password": "not the password"},
    "auth.change_password": lambda _w, _k: {
        "current_password": PASSWORD,
        "new_password": NEW_PASSWORD,
        "confirm": NEW_PASSWORD,
    },
    "complaints.new": _new_complaint,
    "complaints.edit": lambda w, k: w.complaint_forms[k],
    "complaints.start_case": lambda _w, _k: {"title": "Started by the matrix", "summary": ""},
    "cases.title": lambda _w, _k: {"title_other": "矩阵里给的中文标题"},
    "cases.merge": lambda w, _k: {"other": w.values("B2")["public_id"], "keep": "this"},
    "cases.merge_answer": lambda _w, _k: {"merge": "1", "decision": "accept"},
    "routing.authority": lambda _w, _k: {
        "affected": "wallet_balance",
        "residence": "CN",
        "complained_first": "no",
    },
    "regulator.tokens": lambda _w, _k: {"name": "another system"},
    "petition.comment": lambda _w, _k: {"body": "A word from the matrix."},
    "petition.members": lambda w, k: {"pseudonym": w.pseudonym(k, M), "action": "remove"},
    "petition.edit": lambda w, _k: {
        "title": "Version from the matrix",
        "authority": str(w.authority_x),
        "facts": "Facts.",
        "demands": "Demands.",
        "body_md": "Body.",
    },
    "petition.sign": lambda w, k: {
        "version_sha256": w.open_sha(k),
        "facts_confirmed": "y",
        "share_identity": "pseudonym",
    },
    "petition.sign_again": lambda w, k: {"version_sha256": w.open_sha(k)},
    "evidence.upload": lambda _w, _k: {
        "files": (io.BytesIO(b"A note the matrix adds as evidence.\n"), "note.txt"),
        "words": "",
    },
    "evidence.words": lambda _w, _k: {"words": "matrixword"},
    "evidence.boxes": lambda _w, _k: {"boxes": "{}"},
    "evidence.names": lambda _w, _k: {"index": "0", "decision": "accept"},
    "statements.upload": lambda _w, _k: {
        "statement": (io.BytesIO(statement_samples.wechat_csv()), "bill.csv"),
        "window_start": "2026-10-01",
        "window_end": "2026-10-31",
        "counterparty": statement_samples.MERCHANT,
    },
    "statements.confirm": lambda _w, _k: {"keep": ["0", "1", "3"], "own_account": "y"},
    "regulator.status": lambda _w, _k: {"status": "received", "outcome": "", "note": ""},
    "regulator.extend_clock": lambda _w, _k: {
        "clock": "answer",
        "period": "30",
        "reason": "Complex case, extended by the matrix.",
    },
    "respondent.offer": lambda w, k: {
        "pseudonym": w.pseudonym(k, G),
        "amount": "15.00",
        "message": "An offer from the matrix.",
    },
    "respondent.answer": lambda _w, _k: {"body": "The company's answer, posted by the matrix."},
    "outcomes.decide_offer": lambda _w, _k: {"decision": "accept"},
    "outcomes.record": lambda _w, _k: {
        "state": "partly_refunded",
        "amount": "5.00",
        "rating": "partly",
    },
    "outcomes.dispute": lambda _w, _k: {"reason": "The refund covers only a part of my loss."},
    "api.post_status": lambda _w, _k: {"status": "under_review"},
}


def test_every_post_by_every_role_and_refusals_change_nothing(
    app: Flask,
    world: World,
) -> None:
    actors = actors_for(app, world)
    failures: list[str] = []
    cells = 0

    # another case's objects slipped into the form fields of one's own case
    a_sha = db.session.scalar(
        select(PetitionVersion.content_sha256).where(
            PetitionVersion.case_id == world.case("A").id, PetitionVersion.number == 1
        )
    )
    b_url = world.values("B")["public_id"]
    foreign = [
        ("org_b", "petition.members", {"pseudonym": world.pseudonym("A", M), "action": "appoint"}),
        ("mem_b", "petition.sign", {"version_sha256": a_sha, "facts_confirmed": "y"}),
        ("org_c", "cases.join", {"complaint": world.values("F-complaint")["public_id"]}),
    ]
    before = fingerprint()
    for key, endpoint, data in foreign:
        url = url_for_cell(app, endpoint, {"public_id": b_url})
        answer = send(actors[key], "POST", url, endpoint, data)
        cells += 1
        if answer.outcome in ("ok", "error") or changed_tables(before, fingerprint()):
            failures.append(f"POST {url} as {key} with {data}: {answer.describe()}")

    for endpoint, kinds in POST.items():
        payload = PAYLOADS.get(endpoint, lambda _w, _k: {})
        for kind, allowed in kinds.items():
            url = url_for_cell(app, endpoint, world.values(kind))
            before = fingerprint()
            # refused roles first, against an unchanged database; then the allowed ones act
            for role in sorted(ROLES, key=lambda r: (r in allowed, ROLES.index(r))):
                if kind == "claim-link":
                    url = url_for_cell(app, endpoint, {"token": world.claim_tokens[role]})
                key = world.user(kind, role)
                actor = actor_for_row(app, world, actors, endpoint, key)
                answer = send(actor, "POST", url, endpoint, payload(world, kind))
                cells += 1
                cell = f"POST {url} [{endpoint} {kind}] as {role} ({key})"
                failures += verdict(role, allowed, answer, cell)
                failures += leaks(world, key, cell, answer.body)
                if role not in allowed:
                    after = fingerprint()
                    if changed := changed_tables(before, after):
                        failures.append(
                            f"{cell}: refused ({answer.describe()}) yet changed {changed}"
                        )
                        before = after
    assert cells == sum(len(k) for k in POST.values()) * len(ROLES) + len(foreign)
    assert not failures, f"{len(failures)} of {cells} cells failed:\n" + "\n".join(failures)


# --- public ids ------------------------------------------------------------------------------


def _common_prefix(a: str, b: str) -> int:
    return next(
        (n for n, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b))
    )


@pytest.mark.usefixtures("app")
def test_public_ids_are_long_random_and_unrelated(
    make_user: Callable[..., User],
    make_company: Callable[..., Company],
    make_complaint: Callable[..., Complaint],
) -> None:
    owner = make_user()
    company = make_company("idco", "IdCo", "编号")
    complaint_ids, case_ids = [], []
    for n in range(20):
        complaint = make_complaint(owner, company, narrative(f"ids{n}"))
        case = group_cases.start_case(
            db.session, owner, complaint, title=f"Case {n}", summary="", invite_similar=False
        )
        db.session.commit()
        complaint_ids.append(complaint.public_id)
        case_ids.append(case.public_id)
    for ids in (case_ids, complaint_ids):
        assert len(set(ids)) == len(ids)
        assert all(len(i) >= 12 and set(i) <= set(PUBLIC_ID_ALPHABET) for i in ids), ids
        assert len(set("".join(ids))) >= 20, "ids should draw on a large alphabet"
        assert all(len({i[p] for i in ids}) > 1 for p in range(12)), "a position never changes"
        longest = max(_common_prefix(a, b) for a in ids for b in ids if a != b)
        assert longest < 5, f"ids share a {longest}-character prefix: {ids}"
        assert ids != sorted(ids), "ids grow with time"


# --- what matching shows -----------------------------------------------------------------------


def test_matching_confirms_no_word_of_someone_elses_private_narrative(
    app: Flask,
    make_user: Callable[..., User],
    make_company: Callable[..., Company],
    make_complaint: Callable[..., Complaint],
) -> None:
    """A word only one member wrote is never shown as a "shared key term" of their case."""
    shop = make_company("shopfast", "ShopFast", "快购")
    organizer, member, prober = (make_user(locale="en") for _ in range(3))
    case = group_cases.start_case(
        db.session,
        organizer,
        make_complaint(organizer, shop, "ShopFast cancelled my order and kept the money."),
        title="ShopFast cancels orders",
        summary="",
    )
    db.session.flush()
    secret = make_complaint(member, shop, narrative("quillonsecret") + " Cancelled order.")
    group_cases.join_case(db.session, member, case, secret)
    db.session.commit()
    guess = make_complaint(prober, shop, "Is narrmarkquillonsecret in there? Cancelled order.")
    client = app.test_client()
    assert_redirects(login(client, prober.email, PASSWORD, headers=EN))
    page = client.get(f"/complaints/{guess.public_id}", headers=EN).get_data(as_text=True)
    assert case.public_id in page  # the case is offered: the report is there to read
    shown = re.findall(r"<mark>([^<]*)</mark>", page)
    assert "narrmarkquillonsecret" not in shown, "one member's word is shown as a shared term"
