"""Telling members and organizers about deadlines: three days before one, and once it has
passed. The scheduled sweep (``flask jobs sweep``) does it, never a request.

Each notice goes out at most once per clock however often the sweep runs, even two sweeps at
once: a notice is claimed by an UPDATE that only matches while its column is still empty, and
only the sweep whose UPDATE changed the row sends it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from models import Membership, Submission, SubmissionClock, utcnow
from models.base import DbSession, rows_changed
from services.clocks import calendar
from services.clocks.reading import DUE_SOON
from services.clocks.rules import rule_set
from services.notifications.delivery import CLOCK_DUE_SOON, CLOCK_OVERDUE, notify


@dataclass(frozen=True)
class SweepResult:
    due_soon: int  #: clocks whose "three days left" notice went out
    overdue: int  #: clocks whose "deadline passed" notice went out
    notifications: int


def send_due(session: DbSession, now: datetime | None = None) -> SweepResult:
    """Send the notices that are due now. The caller commits."""
    now = now or utcnow()
    overdue = soon = sent = 0
    for clock in _running(session, SubmissionClock.due_at <= now, "overdue_notified_at"):
        if _claim(session, clock, "overdue_notified_at", now):
            # a deadline that passed unseen needs no "three days left" afterwards
            _claim(session, clock, "due_soon_notified_at", now)
            overdue += 1
            sent += _tell(session, clock, CLOCK_OVERDUE)
    for clock in _running(
        session,
        SubmissionClock.due_at <= now + DUE_SOON,
        "due_soon_notified_at",
    ):
        if (
            clock.due_at is not None
            and clock.due_at > now
            and _claim(session, clock, "due_soon_notified_at", now)
        ):
            soon += 1
            sent += _tell(session, clock, CLOCK_DUE_SOON)
    return SweepResult(due_soon=soon, overdue=overdue, notifications=sent)


def _running(session: DbSession, due: object, column: str) -> list[SubmissionClock]:
    return list(
        session.scalars(
            select(SubmissionClock)
            .where(
                SubmissionClock.stopped_at.is_(None),
                SubmissionClock.due_at.is_not(None),
                due,  # type: ignore[arg-type]
                getattr(SubmissionClock, column).is_(None),
            )
            .options(
                joinedload(SubmissionClock.submission).joinedload(Submission.authority),
                joinedload(SubmissionClock.submission).joinedload(Submission.case),
            )
            .order_by(SubmissionClock.due_at, SubmissionClock.id)
        )
    )


def _claim(session: DbSession, clock: SubmissionClock, column: str, now: datetime) -> bool:
    attribute = getattr(SubmissionClock, column)
    claimed = rows_changed(
        session,
        update(SubmissionClock)
        .where(SubmissionClock.id == clock.id, attribute.is_(None))
        .values({column: now})
        .execution_options(synchronize_session=False),
    )
    if claimed:
        setattr(clock, column, now)
    return claimed == 1


def _tell(session: DbSession, clock: SubmissionClock, kind: str) -> int:
    """One notification to each member (organizers are members), naming the case, the
    authority, the deadline and its last day; each reads it in their own language."""
    submission = clock.submission
    authority = submission.authority
    rules = rule_set(clock.rule_set)
    assert rules is not None
    assert clock.due_at is not None
    data = {
        "clock": clock.kind.value,
        "submission": submission.id,
        "authority": authority.slug,
        "authority_en": authority.name_en,
        "authority_zh": authority.name_zh,
        "due_date": calendar.last_day(rules, clock.due_at).isoformat(),
        "due_at": clock.due_at.isoformat(),
    }
    members = session.scalars(
        select(Membership)
        .where(Membership.case_id == submission.case_id)
        .options(joinedload(Membership.user))
    )
    count = 0
    for member in members:
        notify(session, member.user, kind, submission.case, **data)
        count += 1
    return count
