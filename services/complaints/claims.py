"""Imported complaints belong to different people, each of whom can claim theirs.

An association imports the complaints its members gave it (``flask complaints import --by``).
Each row gets a placeholder account of its own (:class:`models.ImportedComplainant`): nobody
can log in to it (no password works, it is inactive, its address is in the reserved
``.invalid`` domain), but it owns the complaint, so matching treats every row as a different
person and the rows can form cases together. The association hands each person a claim link;
whoever opens it while logged in takes the complaint, the case memberships and the waiting
invitations into their own account, and the link stops working. Claim links carry 32 random
bytes and only their SHA-256 is stored, as for every link the platform mails.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from models import (
    Complaint,
    ImportedComplainant,
    Membership,
    Notification,
    PublishedMemberFacts,
    User,
    UserRole,
    utcnow,
)
from models.base import DbSession
from services import audit
from services.accounts.tokens import digest
from services.complaints.filing import redacted_narrative
from services.errors import Conflict, DomainError, NotFound

#: the reserved domain (RFC 2606): mail to it is never delivered, nobody can own an address there
PLACEHOLDER_DOMAIN = "claims.invalid"
#: no hash of Argon2 or any other scheme looks like this: no password verifies against it
NO_PASSWORD = "!unclaimed"  # noqa: S105 - a marker no hash matches, not a password

CLAIM_UNUSABLE = _l(
    "This claim link is not valid or was already used. Ask whoever sent it for a new one."
)


def new_complainant(session: DbSession, imported_by: User, source: str) -> User:
    """A placeholder account for one imported person, owned by nobody until claimed."""
    user = User(
        email=f"unclaimed-{secrets.token_hex(12)}@{PLACEHOLDER_DOMAIN}",
        display_name=f"Imported {source}"[:80],
        password_hash=NO_PASSWORD,
        role=UserRole.MEMBER,
        active=False,
        email_verified_at=None,
    )
    session.add(user)
    session.flush()
    session.add(ImportedComplainant(user_id=user.id, imported_by_id=imported_by.id, source=source))
    return user


@dataclass(frozen=True)
class ClaimLink:
    """One person's link, with what the association needs to know whom to send it to."""

    source: str  #: the row's source, as the association knows the person ("import:cfpb:<id>")
    complaint_reference: str
    token: str


def issue_claim_links(session: DbSession, imported_by: User) -> list[ClaimLink]:
    """A new link for every person ``imported_by`` imported who has not claimed yet; links
    issued before stop working (a list that leaked is replaced by issuing again)."""
    rows = session.execute(
        select(ImportedComplainant, Complaint)
        .join(Complaint, Complaint.owner_id == ImportedComplainant.user_id)
        .where(
            ImportedComplainant.imported_by_id == imported_by.id,
            ImportedComplainant.claimed_at.is_(None),
        )
        .order_by(Complaint.id)
    ).all()
    links: list[ClaimLink] = []
    for complainant, complaint in rows:
        token = secrets.token_urlsafe(32)
        complainant.claim_token_sha256 = digest(token)
        links.append(ClaimLink(complainant.source, complaint.reference, token))
    audit.record(
        session, "claims.links_issued", imported_by.id, "user", imported_by.id, count=len(links)
    )
    return links


@dataclass(frozen=True)
class ClaimOffer:
    """What a claim link offers: shown before the person takes it."""

    complainant: ImportedComplainant
    complaints: list[Complaint]
    cases: list[str]  #: titles of the cases the complaints are in


def claim_offer(session: DbSession, token: str) -> ClaimOffer:
    """What ``token`` would hand over; :class:`NotFound` for an unknown or used link."""
    complainant = _complainant(session, token)
    complaints = list(
        session.scalars(
            select(Complaint)
            .where(Complaint.owner_id == complainant.user_id)
            .order_by(Complaint.id)
        )
    )
    cases = [
        membership.case.title
        for membership in session.scalars(
            select(Membership).where(Membership.user_id == complainant.user_id)
        )
    ]
    return ClaimOffer(complainant, complaints, cases)


def _complainant(session: DbSession, token: str) -> ImportedComplainant:
    if not token or len(token) > 100:
        raise NotFound(CLAIM_UNUSABLE)
    complainant = session.scalar(
        select(ImportedComplainant).where(ImportedComplainant.claim_token_sha256 == digest(token))
    )
    if complainant is None or complainant.claimed:
        raise NotFound(CLAIM_UNUSABLE)
    return complainant


def claim(session: DbSession, token: str, user: User) -> list[Complaint]:
    """Move the link's complaints, case memberships and unread invitations to ``user``.
    Refused when ``user`` is already in one of those cases (one membership a case) or is not
    a member's account. The caller commits."""
    complainant = _complainant(session, token)
    if user.role is not UserRole.MEMBER or user.id == complainant.imported_by_id:
        raise DomainError(_l("Only the person who made the complaint can claim it."))
    placeholder = complainant.user
    memberships = list(
        session.scalars(select(Membership).where(Membership.user_id == placeholder.id))
    )
    case_ids = [membership.case_id for membership in memberships]
    taken = session.scalar(
        select(Membership).where(Membership.user_id == user.id, Membership.case_id.in_(case_ids))
    )
    if taken is not None:
        raise Conflict(
            _l(
                "You are already a member of “%(title)s” with another complaint. Leave that "
                "case first, or ask whoever sent the link to take this complaint out of it.",
                title=taken.case.title,
            )
        )
    complaints = list(
        session.scalars(select(Complaint).where(Complaint.owner_id == placeholder.id))
    )
    frozen = {membership.complaint_id for membership in memberships if membership.case.is_frozen}
    for complaint in complaints:
        complaint.owner = user
        if complaint.id not in frozen:  # what was submitted stays as it was sent
            complaint.narrative_redacted = redacted_narrative(complaint.narrative, user)
    for membership in memberships:
        membership.user_id = user.id
    session.execute(
        update(PublishedMemberFacts)
        .where(PublishedMemberFacts.user_id == placeholder.id)
        .values(user_id=user.id)
    )
    session.execute(
        update(Notification)
        .where(Notification.user_id == placeholder.id, Notification.read_at.is_(None))
        .values(user_id=user.id)
    )
    complainant.claim_token_sha256 = None
    complainant.claimed_at = placeholder.deleted_at = utcnow()
    complainant.claimed_by_id = user.id
    audit.record(
        session,
        "complaint.claimed",
        user.id,
        "user",
        placeholder.id,
        complaints=[complaint.public_id for complaint in complaints],
    )
    return complaints
