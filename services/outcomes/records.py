"""Each member's own outcome: what they got back, how they rate it, and a dispute.

Only the member writes their row and only they read it; the case shows aggregates of all rows
through the published snapshot (``services.cases.published``), so recording an outcome counts
as a change of that member, batched with the others like a join or an edit. A dispute goes to
the authority: onto its timeline of the case and into its regulators' notifications, never to
the other members.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from models import (
    CaseEvent,
    CaseEventKind,
    Complaint,
    GroupCase,
    MemberOutcome,
    Membership,
    OutcomeRating,
    OutcomeState,
    Submission,
    User,
    UserRole,
    utcnow,
)
from models.base import DbSession
from services import audit
from services.cases import membership as group_cases
from services.cases import published
from services.errors import Conflict, DomainError, NotAllowed
from services.notifications.delivery import OUTCOME_DISPUTED, notify
from services.respondents.offers import parse_amount

DISPUTE_MIN = 20
DISPUTE_MAX = 5000


def _member(session: DbSession, user: User, case: GroupCase) -> Membership:
    membership = group_cases.membership_in(session, user, case)
    if membership is None:
        raise NotAllowed(_l("Only members of this case can record what they got."))
    if not case.is_frozen:
        raise Conflict(_l("Outcomes are recorded once the case has been submitted."))
    return membership


def my_outcome(session: DbSession, user: User, case: GroupCase) -> MemberOutcome | None:
    membership = group_cases.membership_in(session, user, case)
    if membership is None:
        return None
    return session.get(MemberOutcome, membership.id)


def record_outcome(
    session: DbSession,
    user: User,
    case: GroupCase,
    state: OutcomeState,
    *,
    amount: str = "",
    rating: OutcomeRating | None = None,
) -> MemberOutcome:
    """Record or correct the member's own outcome. A partial refund needs its amount (more than
    0 and less than the amount claimed); a full refund counts the amount claimed."""
    membership = _member(session, user, case)
    complaint = session.get(Complaint, membership.complaint_id) if membership.complaint_id else None
    currency = complaint.currency if complaint else "CNY"
    claimed = complaint.amount_minor if complaint else 0
    refunded = 0
    if state is OutcomeState.PARTLY_REFUNDED:
        refunded = parse_amount(amount, currency)
        if claimed and refunded >= claimed:
            raise DomainError(
                _l(
                    "A partial refund is less than the amount you claimed; choose “fully refunded”."
                ),
                field="amount",
            )
    elif state is OutcomeState.FULLY_REFUNDED:
        refunded = claimed
    before = published.member_facts(session, case, user.id)
    row = session.get(MemberOutcome, membership.id)
    if row is None:
        row = MemberOutcome(membership_id=membership.id, case_id=case.id, currency=currency)
        session.add(row)
    row.state = state
    row.refunded_minor = refunded
    row.currency = currency
    row.rating = rating
    row.updated_at = utcnow()
    published.changed(session, case, user.id, before)
    audit.record(session, "outcome.recorded", user.id, "case", case.public_id)
    return row


def dispute(session: DbSession, user: User, case: GroupCase, reason: str) -> MemberOutcome:
    """The member disagrees with how the case ended for them: the authority is told, once."""
    membership = _member(session, user, case)
    reason = reason.strip()
    if len(reason) < DISPUTE_MIN or len(reason) > DISPUTE_MAX:
        raise DomainError(
            _l(
                "Please write between %(min)d and %(max)d characters.",
                min=DISPUTE_MIN,
                max=DISPUTE_MAX,
            ),
            field="reason",
        )
    row = session.get(MemberOutcome, membership.id)
    if row is None:
        raise Conflict(_l("Record what you got first, then dispute it."))
    if row.disputed_at is not None:
        raise Conflict(_l("You have already disputed this outcome."))
    row.dispute = reason
    row.disputed_at = utcnow()
    session.add(
        CaseEvent(
            case_id=case.id,
            kind=CaseEventKind.OUTCOME_DISPUTED,
            actor_pseudonym=membership.pseudonym,
            data={"reason": reason},
        )
    )
    # every authority the case went to hears of it
    authorities = select(Submission.authority_id).where(Submission.case_id == case.id)
    for regulator in session.scalars(
        select(User).where(
            User.authority_id.in_(authorities),
            User.role == UserRole.REGULATOR,
            User.active.is_(True),
            User.deleted_at.is_(None),
        )
    ):
        notify(session, regulator, OUTCOME_DISPUTED, case, by=membership.pseudonym)
    audit.record(session, "outcome.disputed", user.id, "case", case.public_id)
    return row


def outcomes_of_case(session: DbSession, case: GroupCase) -> list[tuple[str, MemberOutcome]]:
    """Every member's outcome under their pseudonym, for the authority only."""
    return [
        (pseudonym, row)
        for pseudonym, row in session.execute(
            select(Membership.pseudonym, MemberOutcome)
            .join(MemberOutcome, MemberOutcome.membership_id == Membership.id)
            .where(MemberOutcome.case_id == case.id)
            .order_by(Membership.pseudonym)
        ).all()
    ]


def dispute_counts(session: DbSession, case_ids: list[int]) -> dict[int, int]:
    """Disputes per case, for the regulator's inbox: one query for a whole page of cases."""
    if not case_ids:
        return {}
    rows = session.execute(
        select(MemberOutcome.case_id, func.count())
        .where(MemberOutcome.case_id.in_(case_ids), MemberOutcome.disputed_at.is_not(None))
        .group_by(MemberOutcome.case_id)
    ).all()
    return {int(case_id): int(count) for case_id, count in rows}
