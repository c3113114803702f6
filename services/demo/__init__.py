"""Demo data: companies, authorities, 40 members, 4 regulators and 8 cases in every state.

The content (names, narratives, letters) is in ``content.json``; this module turns it into rows
with believable times, using the same services the app uses, so the demo obeys every rule.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import select

from models import (
    FINAL_SUBMISSION_STATUSES,
    Authority,
    CaseEvent,
    CaseEventKind,
    CaseStatus,
    Category,
    Company,
    Complaint,
    GroupCase,
    MemberRole,
    Membership,
    PetitionVersion,
    SignatureAction,
    SignatureEntry,
    Submission,
    SubmissionStatus,
    User,
    UserRole,
)
from models.base import DbSession
from services import clocks
from services.accounts.passwords import hash_password
from services.cases import published
from services.cases.membership import refresh_counters
from services.cases.pseudonyms import new_pseudonym
from services.demo import evidence as demo_evidence
from services.demo.company import add_company_side
from services.demo.licences import load_licensed_entities
from services.matching import term_index
from services.petition.chain import GENESIS, entry_hash, version_hash
from services.reference.authorities import create_authority
from services.reference.companies import create_company

CONTENT = Path(__file__).with_name("content.json")

#: the path a submission walks, in order, up to its demo status
STATUS_PATH = (
    SubmissionStatus.RECEIVED,
    SubmissionStatus.UNDER_REVIEW,
    SubmissionStatus.FORWARDED,
    SubmissionStatus.COMPANY_ANSWERED,
)


@dataclass
class DemoContext:
    session: DbSession
    rng: random.Random
    now: datetime
    categories: dict[str, Category] = field(default_factory=dict)
    companies: dict[str, Company] = field(default_factory=dict)
    authorities: dict[str, Authority] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)

    def moment(self, day: date, not_before: datetime | None = None) -> datetime:
        """A daytime moment on ``day`` (or just after ``not_before``), never in the future."""
        at = datetime.combine(day, time(self.rng.randint(8, 22), self.rng.randint(0, 59)), UTC)
        if not_before is not None and at <= not_before:
            at = not_before + timedelta(minutes=self.rng.randint(20, 36 * 60))
        return min(at, self.now - timedelta(minutes=self.rng.randint(5, 600)))


def load_demo(session: DbSession, content_path: Path = CONTENT) -> str:
    """Insert the demo data into an empty database (categories must exist). Returns a summary."""
    content = json.loads(content_path.read_text(encoding="utf-8"))
    ctx = DemoContext(session=session, rng=random.Random(2026), now=datetime.now(UTC))
    ctx.categories = {c.code: c for c in session.scalars(select(Category))}
    password_hash = hash_password(current_app.config["DEMO_PASSWORD"])
    for item in content["companies"]:
        ctx.companies[item["slug"]] = create_company(
            session,
            slug=item["slug"],
            name_en=item["name_en"],
            name_zh=item["name_zh"],
            aliases=item["aliases"],
            country=item.get("country"),
            website=item.get("website"),
        )
    load_licensed_entities(session, ctx.companies)
    for item in content["authorities"]:
        ctx.authorities[item["slug"]] = create_authority(
            session,
            slug=item["slug"],
            name_en=item["name_en"],
            name_zh=item["name_zh"],
            jurisdiction_en=item["jurisdiction_en"],
            jurisdiction_zh=item["jurisdiction_zh"],
            category_codes=item["categories"],
            min_signatures=item["min_signatures"],
        )
        ctx.authorities[item["slug"]].clock_rules = item.get("clock_rules")
    for item in content["users"]:
        ctx.users[item["key"]] = _user(ctx, item, password_hash, UserRole.MEMBER, None)
    for item in content["regulators"]:
        authority = ctx.authorities[item["authority"]]
        ctx.users[item["key"]] = _user(ctx, item, password_hash, UserRole.REGULATOR, authority)
    for item in content["admins"]:
        ctx.users[item["key"]] = _user(ctx, item, password_hash, UserRole.ADMIN, None)
    session.flush()
    for item in content["cases"]:
        _case(ctx, item)
    for item in content["loose_complaints"]:
        _complaint(ctx, item, item["company"], item["category"])
    session.flush()
    add_company_side(session)
    session.flush()
    return (
        f"{len(ctx.companies)} companies, {len(ctx.authorities)} authorities, "
        f"{len(ctx.users)} accounts, {len(content['cases'])} cases"
    )


def _user(
    ctx: DemoContext,
    item: dict[str, Any],
    password_hash: str,
    role: UserRole,
    authority: Authority | None,
) -> User:
    # one hash for every demo account: they share the published demo password anyway
    user = User(
        email=item["email"],
        display_name=item["name"],
        password_hash=password_hash,
        role=role,
        authority=authority,
        locale=item["locale"],
    )
    ctx.session.add(user)
    return user


def _complaint(ctx: DemoContext, item: dict[str, Any], company: str, category: str) -> Complaint:
    incident = date.fromisoformat(item["incident_date"])
    complaint = Complaint(
        owner=ctx.users[item["user"]],
        company=ctx.companies[company],
        category=ctx.categories[category],
        incident_date=incident,
        amount_minor=round(item["amount"] * 100),
        currency=item["currency"],
        narrative=item["narrative"],
        demands=item["demands"],
        created_at=ctx.moment(incident + timedelta(days=ctx.rng.randint(0, 3))),
    )
    complaint.updated_at = complaint.created_at
    ctx.session.add(complaint)
    ctx.session.flush()
    term_index.index_complaint(ctx.session, complaint)
    return complaint


def _case(ctx: DemoContext, item: dict[str, Any]) -> None:
    complaints = [_complaint(ctx, c, item["company"], item["category"]) for c in item["complaints"]]
    organizer_key = item["organizer"]
    complaints.sort(key=lambda c: (c.owner is not ctx.users[organizer_key], c.created_at))
    first = complaints[0]
    case = GroupCase(
        title=item["title"],
        title_other=item.get("title_other"),
        summary=item["summary"],
        company=ctx.companies[item["company"]],
        category=ctx.categories[item["category"]],
        status=CaseStatus(item["status"]),
        created_by_id=first.owner.id,
        created_at=first.created_at + timedelta(hours=2),
    )
    ctx.session.add(case)
    ctx.session.flush()
    moment = case.created_at
    memberships: list[Membership] = []
    for index, complaint in enumerate(complaints):
        joined = ctx.moment(
            complaint.created_at.date(), not_before=max(moment, complaint.created_at)
        )
        if index == 0:
            joined = case.created_at
        membership = Membership(
            case=case,
            user=complaint.owner,
            complaint=complaint,
            role=MemberRole.ORGANIZER if index == 0 else MemberRole.MEMBER,
            pseudonym=new_pseudonym(ctx.session, case.id),
            joined_at=joined,
        )
        ctx.session.add(membership)
        ctx.session.flush()
        term_index.add_to_case(
            ctx.session,
            case.id,
            complaint.company_id,
            term_index.complaint_terms(ctx.session, complaint.id),
        )
        memberships.append(membership)
        kind = CaseEventKind.CREATED if index == 0 else CaseEventKind.MEMBER_JOINED
        _event(ctx, case, kind, membership.pseudonym, joined)
        moment = max(moment, joined)
    case.updated_at = moment
    refresh_counters(ctx.session, case)
    published.publish(ctx.session, case, moment)
    moment = demo_evidence.add_evidence(
        ctx.session, case, memberships, moment, ctx.rng, chinese=item["lang"] == "zh"
    )
    if item["draft"]:
        moment = _drafting(ctx, case, item, memberships, moment)
    case.updated_at = moment


def _drafting(
    ctx: DemoContext,
    case: GroupCase,
    item: dict[str, Any],
    memberships: list[Membership],
    moment: datetime,
) -> datetime:
    organizer = memberships[0]
    draft = item["draft"]
    authority = ctx.authorities.get(item["authority"]) if item["authority"] else None
    moment = ctx.moment(moment.date() + timedelta(days=1), not_before=moment)
    version = PetitionVersion(
        case=case,
        number=1,
        title=draft["title"],
        authority=authority,
        facts=draft["facts"],
        demands=draft["demands"],
        body_md=draft["body_md"],
        author=organizer,
        author_pseudonym=organizer.pseudonym,
        created_at=moment,
    )
    ctx.session.add(version)
    _event(ctx, case, CaseEventKind.VERSION_SAVED, organizer.pseudonym, moment, number=1)
    if case.status is CaseStatus.DRAFTING:
        return moment
    moment += timedelta(hours=ctx.rng.randint(1, 30))
    version.content_sha256 = version_hash(
        case.public_id, version, authority.slug if authority else None
    )
    version.opened_at = moment
    _event(ctx, case, CaseEventKind.SIGNING_OPENED, organizer.pseudonym, moment, number=1)
    everyone_signs = case.status is not CaseStatus.SIGNING
    previous = GENESIS
    seq = 0
    for seq, membership in enumerate(
        (m for m in memberships if everyone_signs or ctx.rng.random() < 0.7), start=1
    ):
        moment += timedelta(minutes=ctx.rng.randint(10, 600))
        share = ctx.rng.random() < 0.5
        entry = SignatureEntry(
            case_id=case.id,
            seq=seq,
            version=version,
            membership=membership,
            pseudonym=membership.pseudonym,
            action=SignatureAction.SIGN,
            share_identity=share,
            facts_confirmed=True,
            version_sha256=version.content_sha256,
            created_at=moment,
            prev_hash=previous,
        )
        entry.entry_hash = entry_hash(
            case_public_id=case.public_id,
            seq=entry.seq,
            version_sha256=entry.version_sha256,
            pseudonym=entry.pseudonym,
            action=entry.action.value,
            share_identity=share,
            facts_confirmed=True,
            created_at=moment,
            prev_hash=previous,
        )
        previous = entry.entry_hash
        ctx.session.add(entry)
        _event(ctx, case, CaseEventKind.SIGNED, membership.pseudonym, moment)
    version.signature_count = seq
    if case.status is CaseStatus.SIGNING:
        return moment
    return _submission(ctx, case, item, version, organizer, moment)


def _submission(
    ctx: DemoContext,
    case: GroupCase,
    item: dict[str, Any],
    version: PetitionVersion,
    organizer: Membership,
    moment: datetime,
) -> datetime:
    moment += timedelta(days=1)
    final = SubmissionStatus(item["submission_status"])
    submission = Submission(
        case=case,
        version=version,
        authority=version.authority,
        submitted_by_id=organizer.user.id,
        submitted_at=moment,
        status=final,
        status_note=item["status_note"] or "",
        status_updated_at=moment,
        outcome="refund" if final is SubmissionStatus.RESOLVED else None,
    )
    ctx.session.add(submission)
    ctx.session.flush()
    # the authority's deadlines, started and stopped at the demo's own moments
    clocks.start(ctx.session, submission, now=moment)
    _event(
        ctx,
        case,
        CaseEventKind.SUBMITTED,
        organizer.pseudonym,
        moment,
        authority=version.authority.slug if version.authority else None,
    )
    if final in FINAL_SUBMISSION_STATUSES:
        path = [*STATUS_PATH, final]
    else:
        path = list(STATUS_PATH[: STATUS_PATH.index(final) + 1])
    for status in path:
        moment = ctx.moment(moment.date() + timedelta(days=ctx.rng.randint(1, 4)), moment)
        note = submission.status_note if status is final else ""
        _event(
            ctx, case, CaseEventKind.STATUS_CHANGED, None, moment, status=status.value, note=note
        )
        clocks.on_status(ctx.session, submission, status, now=moment)
    submission.status_updated_at = moment
    return moment


def _event(
    ctx: DemoContext,
    case: GroupCase,
    kind: CaseEventKind,
    actor: str | None,
    at: datetime,
    **data: Any,
) -> None:
    ctx.session.add(
        CaseEvent(case_id=case.id, kind=kind, actor_pseudonym=actor, data=data, created_at=at)
    )
