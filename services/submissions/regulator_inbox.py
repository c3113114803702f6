"""The regulator's inbox: the submissions to one authority, filtered the way case work is done
(by company, category, status, date and size), and what one submitted case holds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import UnaryExpression, func, select
from sqlalchemy.orm import joinedload

from models import (
    CaseEvent,
    CaseEventKind,
    Category,
    Company,
    ComplaintRouting,
    GroupCase,
    Membership,
    SignatureEntry,
    Submission,
    SubmissionStatus,
)
from models.base import DbSession
from services.bundle.tables import count_signers, signers
from services.clocks import reading as clock_reading
from services.petition import signing
from services.platform.day_range import within_days
from services.platform.pagination import paginate

PAGE_SIZE = 25
SIGNATORIES_SHOWN = 200


@dataclass(frozen=True)
class InboxFilters:
    company_id: int | None = None
    category_id: int | None = None
    status: SubmissionStatus | None = None
    submitted_from: date | None = None
    submitted_to: date | None = None
    min_members: int | None = None
    #: "overdue", "due_soon" (within three days) or "missed" (a deadline passed unmet)
    deadline: str | None = None
    sort: str = "newest"  #: "newest", "oldest", "size", "due" (nearest deadline first)


def inbox(session: DbSession, authority_id: int, filters: InboxFilters, page: int) -> Pagination:
    stmt = (
        select(Submission)
        .join(GroupCase, GroupCase.id == Submission.case_id)
        .where(Submission.authority_id == authority_id)
        .options(
            joinedload(Submission.case).joinedload(GroupCase.company),
            joinedload(Submission.case).joinedload(GroupCase.category),
        )
    )
    if filters.company_id:
        stmt = stmt.where(GroupCase.company_id == filters.company_id)
    if filters.category_id:
        stmt = stmt.where(GroupCase.category_id == filters.category_id)
    if filters.status:
        stmt = stmt.where(Submission.status == filters.status)
    stmt = stmt.where(
        *within_days(Submission.submitted_at, filters.submitted_from, filters.submitted_to)
    )
    if filters.min_members:
        stmt = stmt.where(GroupCase.member_count >= filters.min_members)
    if filters.deadline:
        stmt = clock_reading.filter_by_deadline(stmt, filters.deadline)
    next_due = clock_reading.next_due_column()
    orders: dict[str, tuple[UnaryExpression[Any], ...]] = {
        "oldest": (Submission.submitted_at.asc(), Submission.id.asc()),
        "size": (GroupCase.member_count.desc(), Submission.id.desc()),
        # cases without a running deadline last, on both databases
        "due": (next_due.is_(None).asc(), next_due.asc(), Submission.id.asc()),
    }
    order = orders.get(filters.sort, (Submission.submitted_at.desc(), Submission.id.desc()))
    return paginate(session, stmt.order_by(*order), page=page, per_page=PAGE_SIZE)


def filter_choices(session: DbSession, authority_id: int) -> tuple[list[Company], list[Category]]:
    """Only the companies and categories that occur in this authority's inbox."""
    case_ids = select(Submission.case_id).where(Submission.authority_id == authority_id)
    companies = list(
        session.scalars(
            select(Company)
            .join(GroupCase, GroupCase.company_id == Company.id)
            .where(GroupCase.id.in_(case_ids))
            .distinct()
            .order_by(Company.name_en)
        )
    )
    categories = list(
        session.scalars(
            select(Category)
            .join(GroupCase, GroupCase.category_id == Category.id)
            .where(GroupCase.id.in_(case_ids))
            .distinct()
            .order_by(Category.position)
        )
    )
    return companies, categories


@dataclass(frozen=True)
class Signatory:
    pseudonym: str
    signed_at: datetime
    entry_hash: str
    name: str | None  #: only when the signer agreed to share their identity
    email: str | None
    #: whether they complained to the company first (None: not answered), and when
    complained_first: bool | None
    complained_on: date | None
    company_reference: str | None  #: the company's reference; only with their identity


def complained_first_count(session: DbSession, submission: Submission) -> int:
    """How many signers of the submitted version say they complained to the company first
    (most authorities' rules ask for it)."""
    inner = (
        signers(submission.case_id, submission.version_id, ComplaintRouting.complained_first)
        .join(ComplaintRouting, ComplaintRouting.complaint_id == Membership.complaint_id)
        .where(ComplaintRouting.complained_first.is_(True))
        .subquery()
    )
    return session.scalar(select(func.count()).select_from(inner)) or 0


def signatories(session: DbSession, submission: Submission) -> tuple[int, list[Signatory]]:
    """How many signed the submitted version, and the first :data:`SIGNATORIES_SHOWN` of them
    (all of them are in the bundle). Counted and cut in the database: a viral case's 20,000
    signatures are not loaded to show 200."""
    count = count_signers(session, submission.case_id, submission.version_id)
    shown: list[SignatureEntry] = list(
        session.scalars(
            signers(submission.case_id, submission.version_id, SignatureEntry)
            .order_by(SignatureEntry.seq)
            .limit(SIGNATORIES_SHOWN)
        )
    )
    members = {
        m.id: m
        for m in session.scalars(
            select(Membership)
            .where(Membership.id.in_([e.membership_id for e in shown]))
            .options(joinedload(Membership.user))
        )
    }
    routings = {
        r.complaint_id: r
        for r in session.scalars(
            select(ComplaintRouting).where(
                ComplaintRouting.complaint_id.in_(
                    [m.complaint_id for m in members.values() if m.complaint_id]
                )
            )
        )
    }
    rows = []
    for entry in shown:
        member = members.get(entry.membership_id or 0)
        shared = member is not None and signing.identity_shown(
            entry.share_identity, member.user.deleted_at
        )
        routing = routings.get(member.complaint_id or 0) if member else None
        rows.append(
            Signatory(
                pseudonym=entry.pseudonym,
                signed_at=entry.created_at,
                entry_hash=entry.entry_hash,
                name=member.user.display_name if shared and member else None,
                email=member.user.email if shared and member else None,
                complained_first=routing.complained_first if routing else None,
                complained_on=routing.complained_on if routing else None,
                company_reference=(routing.company_reference or None)
                if routing and shared
                else None,
            )
        )
    return count, rows


def timeline(session: DbSession, submission: Submission) -> list[CaseEvent]:
    """The case's whole log as the authority of ``submission`` sees it: the steps another
    authority recorded on its own copy of the case are that authority's, and left out
    (the API's timeline; the page reads :func:`page_timeline`)."""
    own = submission.authority.slug
    events = session.scalars(
        select(CaseEvent)
        .where(CaseEvent.case_id == submission.case_id)
        .order_by(CaseEvent.created_at.asc(), CaseEvent.id.asc())
    )
    return [event for event in events if _named_authority(event) in (None, own)]


#: what single members do, shown to the authority as counts per day (UTC): a case that goes
#: viral logs a join and a signature for each member, 40,000 events for 20,000 signers, which
#: the page listed one by one. The bundle's timeline keeps every event with its pseudonym.
MEMBER_KINDS = (
    CaseEventKind.MEMBER_JOINED,
    CaseEventKind.MEMBER_LEFT,
    CaseEventKind.EVIDENCE_POOLED,
    CaseEventKind.EVIDENCE_WITHDRAWN,
    CaseEventKind.SIGNED,
    CaseEventKind.SIGNATURE_WITHDRAWN,
)


@dataclass(frozen=True)
class DailyCount:
    """How many times members did one thing on one day."""

    day: date
    kind: CaseEventKind
    count: int

    @property
    def daily(self) -> bool:
        return True


def page_timeline(session: DbSession, submission: Submission) -> list[CaseEvent | DailyCount]:
    """The case's log as the authority's page shows it, oldest first: the case's steps one
    by one (as :func:`timeline` filters them), members' joins, evidence and signatures
    counted per day, each day's counts heading it."""
    own = submission.authority.slug
    steps = [
        event
        for event in session.scalars(
            select(CaseEvent)
            .where(CaseEvent.case_id == submission.case_id, CaseEvent.kind.not_in(MEMBER_KINDS))
            .order_by(CaseEvent.created_at.asc(), CaseEvent.id.asc())
        )
        if _named_authority(event) in (None, own)
    ]
    day = func.date(CaseEvent.created_at)
    counts = [
        DailyCount(_as_date(on), kind, number)
        for on, kind, number in session.execute(
            select(day, CaseEvent.kind, func.count())
            .where(CaseEvent.case_id == submission.case_id, CaseEvent.kind.in_(MEMBER_KINDS))
            .group_by(day, CaseEvent.kind)
        )
    ]
    # in the order members act: join, pool evidence, sign
    counts.sort(key=lambda c: (c.day, MEMBER_KINDS.index(c.kind)))
    merged: list[CaseEvent | DailyCount] = []
    waiting = iter(counts)
    pending = next(waiting, None)
    for event in steps:
        while pending is not None and pending.day <= event.created_at.date():
            merged.append(pending)
            pending = next(waiting, None)
        merged.append(event)
    if pending is not None:
        merged.append(pending)
    merged.extend(waiting)
    return merged


def _as_date(value: date | str) -> date:
    """SQLite's ``date()`` is text, PostgreSQL's a date."""
    return date.fromisoformat(value) if isinstance(value, str) else value


def _named_authority(event: CaseEvent) -> str | None:
    if event.kind not in (CaseEventKind.SUBMITTED, CaseEventKind.STATUS_CHANGED):
        return None
    slug = event.data.get("authority") if isinstance(event.data, dict) else None
    return slug if isinstance(slug, str) else None
