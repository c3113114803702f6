"""Filing, editing and deleting a member's own complaint, and resolving the company named."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from models import (
    FROZEN_STATUSES,
    Category,
    Company,
    CompanyAlias,
    CompanyStatus,
    Complaint,
    Membership,
    User,
)
from models.base import DbSession
from services.anonymize.text import redact
from services.errors import DomainError, NotFound
from services.matching import meaning, term_index
from services.reference.companies import create_company
from services.reference.company_names import normalize_name

AMOUNT_MAX_MINOR = 100_000_000_00  #: 100 million in major units: beyond that it is a typo


@dataclass(frozen=True)
class ComplaintInput:
    company_text: str
    propose_company: bool
    category_id: int
    incident_date: date
    amount_minor: int
    currency: str
    narrative: str
    demands: list[str]
    demands_other: str | None


def resolve_company(
    session: DbSession, text: str, *, user: User | None = None, propose: bool = False
) -> Company:
    """The company ``text`` names, through any alias. An unknown name is refused unless the
    member asks to propose it: then it is created for admin review."""
    normalized = normalize_name(text)
    if not normalized:
        raise DomainError(_l("Please name the company."), field="company")
    company = session.scalar(
        select(Company).join(CompanyAlias).where(CompanyAlias.normalized == normalized)
    )
    if company is not None and company.status is not CompanyStatus.REJECTED:
        return company
    if company is not None or not propose:
        raise DomainError(
            _l(
                "We do not know the company “%(name)s”. Check the spelling, pick a name from the "
                "list, or tick “propose it as a new company”.",
                name=text.strip(),
            ),
            field="company",
        )
    name = text.strip()[:200]
    chinese = any("\u4e00" <= ch <= "\u9fff" for ch in name)
    return create_company(
        session,
        slug=f"proposed-{secrets.token_hex(4)}",
        name_en="" if chinese else name,
        name_zh=name if chinese else "",
        status=CompanyStatus.PROPOSED,
        proposed_by_id=user.id if user else None,
    )


def _validate(data: ComplaintInput, today: date) -> None:
    if data.incident_date > today:
        raise DomainError(_l("The incident date cannot be in the future."), field="incident_date")
    if not 0 < data.amount_minor <= AMOUNT_MAX_MINOR:
        raise DomainError(
            _l("Enter the amount you lost, more than 0 and at most 100,000,000."), field="amount"
        )


def file_complaint(session: DbSession, owner: User, data: ComplaintInput, today: date) -> Complaint:
    """Create and index a complaint. Raises :class:`DomainError` on refused values."""
    _validate(data, today)
    company = resolve_company(session, data.company_text, user=owner, propose=data.propose_company)
    category = session.get(Category, data.category_id)
    if category is None:
        raise DomainError(_l("Please choose a category."), field="category")
    complaint = Complaint(
        owner=owner,
        company=company,
        category=category,
        incident_date=data.incident_date,
        amount_minor=data.amount_minor,
        currency=data.currency,
        narrative=normalize_newlines(data.narrative),
        narrative_redacted=redacted_narrative(normalize_newlines(data.narrative), owner),
        demands=sorted(set(data.demands)),
        demands_other=(data.demands_other or None) if "other" in data.demands else None,
    )
    session.add(complaint)
    session.flush()
    term_index.index_complaint(session, complaint)
    meaning.enqueue_meaning(complaint)
    return complaint


def redacted_narrative(narrative: str, owner: User) -> str:
    """What an authority may read of a narrative: personal data and the owner's own name
    replaced by placeholders (display names cannot change, so this stays right)."""
    return redact(narrative, [owner.display_name]).text


def membership_of(session: DbSession, complaint: Complaint) -> Membership | None:
    return session.scalar(select(Membership).where(Membership.complaint_id == complaint.id))


def owned_complaint(session: DbSession, user: User, public_id: str) -> Complaint:
    """The user's own complaint; anyone else's is reported as not found, revealing nothing."""
    complaint = session.scalar(select(Complaint).where(Complaint.public_id == public_id))
    if complaint is None or complaint.owner_id != user.id:
        raise NotFound(_l("No such complaint."))
    return complaint


def _ensure_editable(session: DbSession, complaint: Complaint) -> Membership | None:
    membership = membership_of(session, complaint)
    if membership is not None and membership.case.status in FROZEN_STATUSES:
        raise DomainError(
            _l("This complaint was submitted with its group case and can no longer be changed.")
        )
    return membership


def update_complaint(
    session: DbSession, complaint: Complaint, data: ComplaintInput, today: date
) -> Complaint:
    """Apply edits; the company stays (a case is against one company: file anew instead)."""
    from services.cases import published  # cases import complaints' neighbours: import late

    membership = _ensure_editable(session, complaint)
    _validate(data, today)
    before = None
    if membership is not None:  # its facts before the edit, to count the change
        before = published.member_facts(session, membership.case, membership.user_id)
    category = session.get(Category, data.category_id)
    if category is None:
        raise DomainError(_l("Please choose a category."), field="category")
    company = (
        resolve_company(session, data.company_text, propose=False)
        if membership is None
        else complaint.company
    )
    complaint.company = company
    complaint.category = category
    complaint.incident_date = data.incident_date
    complaint.amount_minor = data.amount_minor
    complaint.currency = data.currency
    complaint.narrative = normalize_newlines(data.narrative)
    complaint.narrative_redacted = redacted_narrative(complaint.narrative, complaint.owner)
    complaint.demands = sorted(set(data.demands))
    complaint.demands_other = (data.demands_other or None) if "other" in data.demands else None
    term_index.index_complaint(
        session, complaint, case_id=membership.case_id if membership else None
    )
    meaning.enqueue_meaning(complaint)
    if membership is not None:
        from services.cases.membership import refresh_counters

        refresh_counters(session, membership.case)
        published.changed(session, membership.case, membership.user_id, before)
    return complaint


def delete_complaint(session: DbSession, complaint: Complaint) -> None:
    """Delete the complaint; if it is in a case, its owner leaves that case first."""
    from services.cases.membership import leave_case

    membership = _ensure_editable(session, complaint)
    if membership is not None:
        leave_case(session, membership)
    term_index.unindex_complaint(session, complaint)
    meaning.forget(session, complaint)
    session.delete(complaint)


def normalize_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").strip()
