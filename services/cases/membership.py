"""Starting, joining and leaving group cases, and inviting people with similar complaints."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import joinedload

from models import (
    CaseEvent,
    CaseEventKind,
    CaseStatus,
    Complaint,
    GroupCase,
    MemberRole,
    Membership,
    Notification,
    User,
)
from models.base import DbSession
from services import audit
from services.cases import published
from services.cases.pseudonyms import new_pseudonym
from services.cases.titles import TITLE_MAX, checked_title_other
from services.errors import Conflict, DomainError, NotFound
from services.evidence import contributions as evidence
from services.matching import meaning, term_index
from services.matching.ranking import SIMILAR_CAP, similar_complaint_ids
from services.matching.statements import JOINABLE
from services.notifications.delivery import INVITE
from services.petition import signing

SUMMARY_MAX = 2000


def _event(
    session: DbSession, case: GroupCase, kind: CaseEventKind, actor: str | None, **data: object
) -> None:
    session.add(CaseEvent(case_id=case.id, kind=kind, actor_pseudonym=actor, data=data))


def _check_free(session: DbSession, user: User, complaint: Complaint) -> None:
    if complaint.owner_id != user.id:
        raise NotFound(_l("No such complaint."), field="complaint")
    if session.scalar(select(Membership.id).where(Membership.complaint_id == complaint.id)):
        raise Conflict(_l("This complaint already belongs to a group case."), field="complaint")


def start_case(
    session: DbSession,
    user: User,
    complaint: Complaint,
    *,
    title: str,
    summary: str,
    title_other: str | None = None,
    invite_similar: bool = True,
) -> GroupCase:
    """Open a case from the user's complaint; the user becomes its organizer. When asked, the
    owners of similar complaints with no case get an invitation (they stay anonymous)."""
    _check_free(session, user, complaint)
    title = title.strip()
    if not title:
        raise DomainError(_l("Please give the case a title."), field="title")
    case = GroupCase(
        title=title[:TITLE_MAX],
        title_other=checked_title_other(title, title_other),
        summary=summary.strip()[:SUMMARY_MAX],
        company_id=complaint.company_id,
        category_id=complaint.category_id,
        created_by_id=user.id,
        status=CaseStatus.OPEN,
        member_count=0,
    )
    session.add(case)
    session.flush()
    organizer = _add_member(session, case, user, complaint, MemberRole.ORGANIZER)
    _event(session, case, CaseEventKind.CREATED, organizer.pseudonym)
    if invite_similar:
        invite_similar_complaints(session, case, complaint)
    return case


def invite_similar_complaints(session: DbSession, case: GroupCase, complaint: Complaint) -> int:
    """Notify each owner of a similar complaint with no case, once per case. Returns how many."""
    ids = similar_complaint_ids(session, complaint)[:SIMILAR_CAP]
    rows = session.execute(
        select(Complaint.owner_id, func.min(Complaint.public_id))
        .where(Complaint.id.in_(ids))
        .group_by(Complaint.owner_id)
    ).all()
    for owner_id, complaint_public_id in rows:
        session.add(
            Notification(
                user_id=owner_id,
                kind=INVITE,
                case_id=case.id,
                data={"complaint": complaint_public_id},
            )
        )
    return len(rows)


def join_case(session: DbSession, user: User, case: GroupCase, complaint: Complaint) -> Membership:
    """Join ``case`` with one of the user's free complaints against the same company."""
    if case.status not in JOINABLE:
        raise DomainError(_l("This case has been submitted and no longer takes new members."))
    if session.scalar(
        select(Membership.id).where(Membership.case_id == case.id, Membership.user_id == user.id)
    ):
        raise Conflict(_l("You are already a member of this case."))
    _check_free(session, user, complaint)
    if complaint.company_id != case.company_id:
        raise DomainError(
            _l(
                "This case is against another company: join with a complaint "
                "against the same company."
            ),
            field="complaint",
        )
    membership = _add_member(session, case, user, complaint, MemberRole.MEMBER)
    _event(session, case, CaseEventKind.MEMBER_JOINED, membership.pseudonym)
    _mark_invitations_done(session, user, case)
    return membership


def _add_member(
    session: DbSession, case: GroupCase, user: User, complaint: Complaint, role: MemberRole
) -> Membership:
    membership = Membership(
        case_id=case.id,
        user_id=user.id,
        complaint_id=complaint.id,
        role=role,
        pseudonym=new_pseudonym(session, case.id),
    )
    session.add(membership)
    session.flush()
    term_index.add_to_case(
        session, case.id, case.company_id, term_index.complaint_terms(session, complaint.id)
    )
    meaning.join_profile(session, case.id, case.company_id, complaint.id)
    case.updated_at = membership.joined_at
    case.member_count += 1
    day = complaint.incident_date
    case.first_incident = min(case.first_incident or day, day)
    case.last_incident = max(case.last_incident or day, day)
    published.changed(session, case, user.id, None)
    return membership


def leave_case(session: DbSession, membership: Membership) -> GroupCase | None:
    """Leave before submission. An organizer hands the role to the longest-standing
    co-organizer, else member, who can log in (an imported complainant who has not claimed
    their complaint cannot organize); the last member leaving deletes the case. Returns the case,
    or None when it was deleted."""
    case = membership.case
    if case.is_frozen:
        raise DomainError(_l("This case has been submitted: its members can no longer leave."))
    open_version = signing.open_version(session, case)
    if (
        case.status is CaseStatus.SIGNING
        and open_version is not None
        and signing.current_signature(session, open_version, membership) is not None
    ):  # the log shows the signature ending, not silently losing its signer
        signing.withdraw(session, case, membership)
    evidence.forget_member(session, membership)
    if membership.complaint_id is not None:
        term_index.remove_from_case(
            session, case.id, term_index.complaint_terms(session, membership.complaint_id)
        )
        meaning.leave_profile(session, case.id, membership.complaint_id)
    successor = None
    if membership.role is MemberRole.ORGANIZER:
        successor = session.scalar(
            select(Membership)
            .join(User, User.id == Membership.user_id)
            .where(Membership.case_id == case.id, Membership.id != membership.id)
            .order_by(
                User.active.desc(),  # not an account nobody can log in to (unclaimed, closed)
                (Membership.role == MemberRole.CO_ORGANIZER).desc(),
                Membership.joined_at,
                Membership.id,
            )
            .limit(1)
        )
        if successor is None:
            evidence.forget_case(session, case)
            session.delete(case)
            session.flush()
            return None
        successor.role = MemberRole.ORGANIZER
        audit.record(
            session,
            "case.organizer_changed",
            membership.user_id,
            "case",
            case.public_id,
            to_user=successor.user_id,
        )
    _event(session, case, CaseEventKind.MEMBER_LEFT, membership.pseudonym)
    if successor is not None:
        _event(session, case, CaseEventKind.ORGANIZER_CHANGED, successor.pseudonym)
    user_id, before = membership.user_id, published.member_facts(session, case, membership.user_id)
    session.delete(membership)
    refresh_counters(session, case)
    published.changed(session, case, user_id, before)
    return case


#: built once: a case page and every member's action look these up first
_MEMBERSHIP = select(Membership).where(
    Membership.case_id == bindparam("case_id"), Membership.user_id == bindparam("user_id")
)
_CASE = select(GroupCase).where(GroupCase.public_id == bindparam("public_id"))
_CASE_AND_MEMBERSHIP = _CASE.add_columns(Membership).outerjoin(
    Membership,
    (Membership.case_id == GroupCase.id) & (Membership.user_id == bindparam("user_id")),
)
_CASE_COMPANY_AND_MEMBERSHIP = _CASE_AND_MEMBERSHIP.options(
    joinedload(GroupCase.company, innerjoin=True)
)


def membership_in(session: DbSession, user: User, case: GroupCase) -> Membership | None:
    return session.scalar(_MEMBERSHIP, {"case_id": case.id, "user_id": user.id})


def case_and_membership(
    session: DbSession, public_id: str, user: User, *, with_company: bool = False
) -> tuple[GroupCase, Membership | None]:
    """The case and ``user``'s membership of it (None for a non-member), in one statement:
    every member's page and action starts here; ``with_company`` for a page that names the
    company (in the same statement). NotFound when there is no such case."""
    statement = _CASE_COMPANY_AND_MEMBERSHIP if with_company else _CASE_AND_MEMBERSHIP
    found = session.execute(statement, {"public_id": public_id, "user_id": user.id}).first()
    if found is None:
        raise NotFound(_l("No such case."))
    return found[0], found[1]


def case_by_public_id(session: DbSession, public_id: str) -> GroupCase:
    case = session.scalar(_CASE, {"public_id": public_id})
    if case is None:
        raise NotFound(_l("No such case."))
    return case


def free_complaints(
    session: DbSession, user: User, company_id: int | None = None
) -> list[Complaint]:
    """The user's complaints not yet in any case (optionally against one company)."""
    stmt = (
        select(Complaint)
        .where(Complaint.owner_id == user.id)
        .where(~select(Membership.id).where(Membership.complaint_id == Complaint.id).exists())
        .order_by(Complaint.created_at.desc())
    )
    if company_id is not None:
        stmt = stmt.where(Complaint.company_id == company_id)
    return list(session.scalars(stmt))


def _mark_invitations_done(session: DbSession, user: User, case: GroupCase) -> None:
    from models import utcnow

    for notification in session.scalars(
        select(Notification).where(
            Notification.user_id == user.id,
            Notification.case_id == case.id,
            Notification.kind == INVITE,
            Notification.read_at.is_(None),
        )
    ):
        notification.read_at = utcnow()


def refresh_counters(session: DbSession, case: GroupCase) -> None:
    """Recompute the case's member count and incident period from its memberships (after a
    member leaves or edits a complaint; joining updates them incrementally). Members are the
    people with a complaint in the case: an association organizing it is not one."""
    session.flush()
    count, first, last = session.execute(
        select(
            func.count(Membership.complaint_id),  # an association organizing has none
            func.min(Complaint.incident_date),
            func.max(Complaint.incident_date),
        )
        .select_from(Membership)
        .outerjoin(Complaint, Complaint.id == Membership.complaint_id)
        .where(Membership.case_id == case.id)
    ).one()
    case.member_count, case.first_incident, case.last_incident = count, first, last
