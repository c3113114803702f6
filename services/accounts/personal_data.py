"""A member's own data: all of it as one JSON document, and deleting the account.

The export (:func:`export`) is a versioned document, :data:`EXPORT_FORMAT`. Version 1 holds:

- ``account``: e-mail, name, language, role, created, last login, whether two-step
  verification is on. Never the password hash, the authenticator secret or recovery codes.
- ``complaints``: every field, the narrative as written and as an authority would read it, and
  the routing answers (what was affected, where the member lives, whether and when they
  complained to the company first, its reference number).
- ``memberships``: each case joined (public id, title, status), pseudonym, role, since when.
- ``evidence``: items contributed, with status, what anonymization removed (counts), the words
  the contributor asked to remove (while the item still has them) and the stored files by
  role, size and SHA-256. The bytes themselves are not inlined: they are in the case pool.
- ``signatures``: every entry of the signature logs made under one of the member's current
  pseudonyms: version, action, time, whether the identity was shared.
- ``comments``, ``notifications``, ``api_tokens`` (name, prefix, dates; never a hash) and
  ``audit_events`` the member acted in (ids, action and time only: the log holds no more).

Deleting (:func:`delete_account`) follows one rule: what was submitted stays with the authority,
everything else goes. In a case not yet submitted the member leaves exactly as through "Leave
the case" (``services.cases.membership.leave_case``: the signature is withdrawn by a new log entry,
an organizer hands over or the case goes with its last member) and their complaint and evidence
are deleted. In a submitted case the membership, signatures and pooled evidence stay, under the
pseudonym only: the user row keeps no name or address, so nothing can show one, whether or not
the member had shared it. Their complaint there keeps only its redacted narrative (the text the
authority received): the raw one may name people or hold numbers that were never sent anywhere;
the company's reference number for the member goes too.
The account row stays as a tombstone, so every row that refers to it stays valid.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select
from sqlalchemy.orm import joinedload, selectinload

from models import (
    ApiToken,
    AuditEvent,
    CaseComment,
    Complaint,
    ComplaintRouting,
    Evidence,
    GroupCase,
    MemberOffer,
    MemberOutcome,
    Membership,
    Notification,
    SignatureEntry,
    User,
    UserRole,
    utcnow,
)
from models.base import DbSession
from models.user import new_session_nonce
from services import audit
from services.accounts.passwords import verify_password
from services.anonymize.text import redact
from services.cases import membership as group_cases
from services.complaints import filing as complaints
from services.errors import DomainError, NotAllowed
from services.evidence import contributions as evidence
from services.matching import term_index

EXPORT_FORMAT = "chorus-account-export/1"
#: starts a password hash nothing verifies against (argon2 refuses it as malformed)
UNUSABLE_HASH_PREFIX = "!deleted-"


def _iso(moment: datetime | date | None) -> str | None:
    return moment.isoformat() if moment is not None else None


# -- export ------------------------------------------------------------------------------------


def export(session: DbSession, user: User) -> dict[str, Any]:
    """Everything the platform holds about ``user``, as :data:`EXPORT_FORMAT`."""
    memberships = list(
        session.scalars(
            select(Membership)
            .where(Membership.user_id == user.id)
            .options(joinedload(Membership.case))
            .order_by(Membership.id)
        )
    )
    membership_ids = [m.id for m in memberships]
    cases = {m.case_id: m.case.public_id for m in memberships}
    return {
        "format": EXPORT_FORMAT,
        "exported_at": _iso(utcnow()),
        "account": _account(user),
        "complaints": [_complaint(session, c) for c in _complaints_of(session, user)],
        "memberships": [_membership(m) for m in memberships],
        "evidence": [_evidence(item) for item in _evidence_of(session, user)],
        "signatures": [
            _signature(e) for e in _of_memberships(session, SignatureEntry, membership_ids)
        ],
        "comments": [
            _comment(c, cases) for c in _of_memberships(session, CaseComment, membership_ids)
        ],
        "offers": [_offer(o, cases) for o in _of_memberships(session, MemberOffer, membership_ids)],
        "outcomes": [
            _outcome(o, cases)
            for o in session.scalars(
                select(MemberOutcome).where(MemberOutcome.membership_id.in_(membership_ids))
            )
        ],
        "notifications": [
            _notification(session, n)
            for n in session.scalars(
                select(Notification)
                .where(Notification.user_id == user.id)
                .order_by(Notification.id)
            )
        ],
        "api_tokens": [
            _token(t)
            for t in session.scalars(
                select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id)
            )
        ],
        "audit_events": [
            {
                "id": e.id,
                "action": e.action,
                "target_type": e.target_type,
                "target_id": e.target_id,
                "at": _iso(e.created_at),
            }
            for e in session.scalars(
                select(AuditEvent)
                .where(AuditEvent.actor_user_id == user.id)
                .order_by(AuditEvent.id)
            )
        ],
    }


def _account(user: User) -> dict[str, Any]:
    return {
        "email": user.email,
        "name": user.display_name,
        "language": user.locale,
        "role": user.role.value,
        "authority": user.authority.slug if user.authority else None,
        "created_at": _iso(user.created_at),
        "last_login_at": _iso(user.last_login_at),
        "two_factor_enabled": user.two_factor_enabled,
    }


def _complaints_of(session: DbSession, user: User) -> list[Complaint]:
    return list(
        session.scalars(
            select(Complaint)
            .where(Complaint.owner_id == user.id)
            .options(joinedload(Complaint.company), joinedload(Complaint.category))
            .order_by(Complaint.id)
        )
    )


def _complaint(session: DbSession, complaint: Complaint) -> dict[str, Any]:
    membership = complaints.membership_of(session, complaint)
    return {
        "id": complaint.public_id,
        "company": {"en": complaint.company.name_en, "zh": complaint.company.name_zh},
        "category": complaint.category.code,
        "incident_date": _iso(complaint.incident_date),
        "amount_minor": complaint.amount_minor,
        "currency": complaint.currency,
        "narrative": complaint.narrative,
        "narrative_redacted": complaint.narrative_redacted,
        "demands": list(complaint.demands or []),
        "demands_other": complaint.demands_other,
        "source": complaint.source,
        "routing": _routing(session.get(ComplaintRouting, complaint.id)),
        "case": membership.case.public_id if membership else None,
        "created_at": _iso(complaint.created_at),
        "updated_at": _iso(complaint.updated_at),
    }


def _routing(routing: ComplaintRouting | None) -> dict[str, Any] | None:
    """The answers that route the complaint, and whether the company was asked first."""
    if routing is None:
        return None
    return {
        "affected": routing.affected,
        "residence": routing.residence,
        "authority": routing.authority_slug,
        "complained_first": routing.complained_first,
        "complained_on": _iso(routing.complained_on),
        "company_reference": routing.company_reference,
    }


def _membership(membership: Membership) -> dict[str, Any]:
    return {
        "case": membership.case.public_id,
        "case_title": membership.case.title,
        "case_status": membership.case.status.value,
        "pseudonym": membership.pseudonym,
        "role": membership.role.value,
        "complaint": membership.complaint.public_id if membership.complaint else None,
        "joined_at": _iso(membership.joined_at),
    }


def _evidence_of(session: DbSession, user: User) -> list[Evidence]:
    return list(
        session.scalars(
            select(Evidence)
            .where(Evidence.contributor_id == user.id)
            .options(selectinload(Evidence.files))
            .order_by(Evidence.id)
        )
    )


def _evidence(item: Evidence) -> dict[str, Any]:
    return {
        "id": item.public_id,
        "case": item.case.public_id,
        "pseudonym": item.contributor_pseudonym,
        "kind": item.kind.value,
        "status": item.status.value,
        "name": item.display_name,
        "original_name": item.options.get("original_name"),
        "media_type": item.media_type,
        "original_size": item.original_size,
        "pooled": {"sha256": item.sha256, "size": item.size_bytes} if item.sha256 else None,
        "removed": dict(item.removed or {}),
        "words_to_remove": evidence.terms_of(item),
        "files": [
            {
                "role": f.role.value,
                "page": f.page,
                "sha256": f.key,
                "size": f.size,
                "media_type": f.media_type,
            }
            for f in item.files
        ],
        "created_at": _iso(item.created_at),
        "pooled_at": _iso(item.pooled_at),
        "withdrawn_at": _iso(item.withdrawn_at),
    }


def _of_memberships(session: DbSession, model: Any, membership_ids: list[int]) -> list[Any]:
    if not membership_ids:
        return []
    return list(
        session.scalars(
            select(model).where(model.membership_id.in_(membership_ids)).order_by(model.id)
        )
    )


def _offer(offer: MemberOffer, cases: dict[int, str]) -> dict[str, Any]:
    """A company's offer to the member and their answer (services.respondents.offers)."""
    return {
        "case": cases[offer.case_id],
        "amount_minor": offer.amount_minor,
        "currency": offer.currency,
        "message": offer.message,
        "status": offer.status.value,
        "made_at": _iso(offer.created_at),
        "decided_at": _iso(offer.decided_at),
    }


def _outcome(outcome: MemberOutcome, cases: dict[int, str]) -> dict[str, Any]:
    """What the member recorded they got back, and their dispute (services.outcomes)."""
    return {
        "case": cases[outcome.case_id],
        "state": outcome.state.value,
        "refunded_minor": outcome.refunded_minor,
        "currency": outcome.currency,
        "rating": outcome.rating.value if outcome.rating else None,
        "updated_at": _iso(outcome.updated_at),
        "dispute": outcome.dispute,
        "disputed_at": _iso(outcome.disputed_at),
    }


def _signature(entry: SignatureEntry) -> dict[str, Any]:
    return {
        "case": entry.version.case.public_id,
        "version": entry.version.number,
        "version_sha256": entry.version_sha256,
        "pseudonym": entry.pseudonym,
        "action": entry.action.value,
        "identity_shared": entry.share_identity,
        "facts_confirmed": entry.facts_confirmed,
        "at": _iso(entry.created_at),
        "entry_hash": entry.entry_hash,
    }


def _comment(comment: CaseComment, cases: dict[int, str]) -> dict[str, Any]:
    return {
        "case": cases.get(comment.case_id),
        "pseudonym": comment.pseudonym,
        "body": comment.body,
        "at": _iso(comment.created_at),
    }


def _notification(session: DbSession, notification: Notification) -> dict[str, Any]:
    case = session.get(GroupCase, notification.case_id) if notification.case_id else None
    return {
        "kind": notification.kind,
        "case": case.public_id if case else None,
        "data": dict(notification.data or {}),
        "at": _iso(notification.created_at),
        "read_at": _iso(notification.read_at),
    }


def _token(token: ApiToken) -> dict[str, Any]:
    return {
        "name": token.name,
        "prefix": token.prefix,
        "created_at": _iso(token.created_at),
        "last_used_at": _iso(token.last_used_at),
        "revoked_at": _iso(token.revoked_at),
    }


# -- deletion ----------------------------------------------------------------------------------


@dataclass
class DeletionReport:
    """What deleting did, by case title (the member's page says the same beforehand)."""

    cases_left: list[str] = field(default_factory=list)  #: open cases left, still running
    cases_deleted: list[str] = field(default_factory=list)  #: gone with their last member
    cases_kept: list[str] = field(default_factory=list)  #: submitted: stay, pseudonymous
    complaints_deleted: int = 0
    evidence_deleted: int = 0


def check_deletable(user: User) -> None:
    """Only members delete themselves: regulator and administrator accounts belong to an
    authority or to the platform, and are managed with ``flask users``."""
    if user.role is not UserRole.MEMBER:
        raise NotAllowed(
            _l(
                "Regulator and administrator accounts are managed by the platform: ask its "
                "administrators to close this account."
            )
        )


def cases_of(session: DbSession, user: User) -> tuple[list[GroupCase], list[GroupCase]]:
    """The member's cases: (not yet submitted, submitted), each by title."""
    cases = session.scalars(
        select(GroupCase)
        .join(Membership, Membership.case_id == GroupCase.id)
        .where(Membership.user_id == user.id)
        .order_by(GroupCase.title, GroupCase.id)
    ).all()
    return [c for c in cases if not c.is_frozen], [c for c in cases if c.is_frozen]


def delete_account(session: DbSession, user: User, password: str) -> DeletionReport:
    """Delete the member's account (see the module's docstring for what stays and why). Raises
    :class:`NotAllowed` for regulators and administrators and :class:`DomainError` when the
    password is wrong. Commits nothing: the caller commits once, so a failure anywhere leaves
    everything as it was (stored files are deleted only after that commit)."""
    check_deletable(user)
    if user.deleted_at is not None:
        raise DomainError(_l("This account has already been deleted."))
    if not verify_password(user.password_hash, password):
        raise DomainError(_l("The password is not correct."), field="password")
    report = DeletionReport(evidence_deleted=evidence.forget_contributor(session, user))
    memberships = session.scalars(
        select(Membership).where(Membership.user_id == user.id).order_by(Membership.id)
    ).all()
    for membership in memberships:
        case = membership.case
        if case.is_frozen:
            report.cases_kept.append(case.title)
            if membership.complaint is not None:
                _keep_redacted_only(session, membership.complaint, user.display_name)
            continue
        title, case_id = case.title, case.id
        if membership.complaint is not None:  # leaves the case, then goes
            complaints.delete_complaint(session, membership.complaint)
            report.complaints_deleted += 1
        else:
            group_cases.leave_case(session, membership)
        session.flush()
        survived = session.get(GroupCase, case_id) is not None
        (report.cases_left if survived else report.cases_deleted).append(title)
    for complaint in group_cases.free_complaints(session, user):
        complaints.delete_complaint(session, complaint)
        report.complaints_deleted += 1
    session.execute(delete(Notification).where(Notification.user_id == user.id))
    session.execute(delete(ApiToken).where(ApiToken.user_id == user.id))
    _tombstone(user)
    audit.record(session, "account.deleted", user.id, "user", user.id)
    session.flush()
    return report


def _keep_redacted_only(session: DbSession, complaint: Complaint, name: str) -> None:
    """A submitted complaint keeps the text the authority received, and no more."""
    if complaint.narrative_redacted is None:  # written before redaction was stored
        complaint.narrative_redacted = redact(complaint.narrative, [name]).text
    complaint.narrative = complaint.narrative_redacted
    if complaint.demands_other:  # the bundle redacts it with the name, which is about to go
        complaint.demands_other = redact(complaint.demands_other, [name]).text
    routing = session.get(ComplaintRouting, complaint.id)
    if routing is not None:  # the company's number for the member names them to the company
        routing.company_reference = ""
    term_index.index_complaint(session, complaint)


def _tombstone(user: User) -> None:
    """The row stays for what refers to it; nothing in it names or reaches the person."""
    user.email = f"deleted-{user.id}@invalid"  # not an address; frees the real one
    user.display_name = ""
    user.password_hash = UNUSABLE_HASH_PREFIX + secrets.token_hex(8)
    user.locale = None
    user.last_login_at = None
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    user.recovery_codes.clear()
    user.active = False
    user.deleted_at = utcnow()
    user.session_nonce = new_session_nonce()  # every session of the account ends
