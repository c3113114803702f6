"""Starting, stopping and extending the clocks of a submission.

Submitting starts the clocks of the authority's rule set; each status the authority records
stops the clocks it satisfies (a status at or past "received" acknowledges, "company
answered" answers, "resolved" or "rejected" closes), and acceptance starts a clock that runs
from it. Every change is keyed by submission: a case sent to two authorities has two sets.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from models import (
    Authority,
    ClockExtension,
    ClockKind,
    ClockUnit,
    Submission,
    SubmissionClock,
    SubmissionStatus,
    User,
    utcnow,
)
from models.base import DbSession
from services import audit
from services.clocks import calendar
from services.clocks.rules import RULE_SETS, STOPS_AT, rule_set
from services.errors import Conflict, DomainError, NotFound

REASON_MAX = 2000


def start(session: DbSession, submission: Submission, now: datetime | None = None) -> int:
    """Make the submission's clocks under its authority's rule set; those that run from
    submission start now. Returns how many were made (none without a rule set)."""
    rules = rule_set(submission.authority.clock_rules)
    if rules is None:
        return 0
    now = now or submission.submitted_at or utcnow()
    for kind, period in rules.clocks.items():
        clock = SubmissionClock(
            submission_id=submission.id,
            kind=kind,
            rule_set=rules.name,
            unit=period.unit,
            period=period.count,
        )
        if not period.from_acceptance:
            _run(clock, now)
        session.add(clock)
    session.flush()
    return len(rules.clocks)


def _run(clock: SubmissionClock, now: datetime) -> None:
    rules = rule_set(clock.rule_set)
    assert rules is not None
    clock.started_at = now
    clock.due_at = calendar.due_instant(rules, now, clock.period, clock.unit)


def clocks_of(session: DbSession, submission: Submission) -> list[SubmissionClock]:
    return list(
        session.scalars(
            select(SubmissionClock)
            .where(SubmissionClock.submission_id == submission.id)
            .order_by(SubmissionClock.id)
        )
    )


def on_status(
    session: DbSession,
    submission: Submission,
    status: SubmissionStatus,
    now: datetime | None = None,
) -> None:
    """Stop the clocks the new status satisfies, and start those that run from acceptance."""
    now = now or utcnow()
    rules = None
    for clock in clocks_of(session, submission):
        if clock.stopped_at is not None:
            continue
        if status in STOPS_AT[clock.kind]:
            if clock.started_at is None:  # never ran: the case ended before acceptance
                clock.started_at = now
            clock.stopped_at = now
        elif clock.started_at is None and status is not SubmissionStatus.SUBMITTED:
            rules = rules or rule_set(clock.rule_set)
            if rules is not None:
                _run(clock, now)


def extend(
    session: DbSession,
    user: User,
    submission: Submission,
    kind: ClockKind,
    period: int,
    reason: str,
) -> ClockExtension:
    """Record an extension the rule set allows: the clock's new whole period (in its unit),
    up to the rule's limit, with the reason; the due date moves and the audit log keeps it."""
    if not user.is_regulator or submission.authority_id != user.authority_id:
        raise NotFound(_l("No such case."))
    clock = session.scalar(
        select(SubmissionClock).where(
            SubmissionClock.submission_id == submission.id, SubmissionClock.kind == kind
        )
    )
    if clock is None:
        raise NotFound(_l("This case has no such deadline."))
    rules = rule_set(clock.rule_set)
    allowed = rules.clocks.get(kind) if rules else None
    if rules is None or allowed is None or allowed.extendable_to is None:
        raise DomainError(_l("The rules of this authority allow no extension of this deadline."))
    if clock.stopped_at is not None or clock.started_at is None or clock.due_at is None:
        raise Conflict(_l("Only a running deadline can be extended."))
    reason = reason.strip()
    if not reason:
        raise DomainError(_l("Give the reason for the extension."), field="reason")
    if len(reason) > REASON_MAX:
        raise DomainError(
            _l("The reason can be at most %(n)s characters.", n=REASON_MAX), field="reason"
        )
    if not clock.period < period <= allowed.extendable_to:
        raise DomainError(
            _l(
                "Choose a period longer than the current %(current)s and at most %(limit)s.",
                current=clock.period,
                limit=allowed.extendable_to,
            ),
            field="period",
        )
    previous = clock.due_at
    clock.period = period
    clock.due_at = calendar.due_instant(rules, clock.started_at, period, clock.unit)
    # the notices told of the old date; the sweep tells members of the new one in its turn
    clock.due_soon_notified_at = None
    clock.overdue_notified_at = None
    extension = ClockExtension(
        clock_id=clock.id,
        period=period,
        previous_due_at=previous,
        due_at=clock.due_at,
        reason=reason,
        recorded_by_id=user.id,
    )
    session.add(extension)
    audit.record(
        session,
        "clock.extended",
        user.id,
        "case",
        submission.case.public_id,
        clock=kind.value,
        period=period,
        due_at=clock.due_at.isoformat(),
    )
    return extension


def refresh_due_dates(session: DbSession) -> int:
    """Count every running deadline again on today's holiday calendar, and move those whose
    last day changed: a due date counted across a year whose official schedule was not out
    (China's 调休 is announced late in the year before) was the package's reckoning, and moves
    once a release of the calendar holds the real schedule. A moved clock's notices are
    cleared, so the sweep tells members of the new date in its turn. Returns how many moved;
    the caller commits. Run by the scheduled sweep; only a clock that moves loads its case
    (for the audit), so the sweep reads one row per running clock."""
    running = session.scalars(
        select(SubmissionClock).where(
            SubmissionClock.started_at.is_not(None),
            SubmissionClock.stopped_at.is_(None),
            SubmissionClock.unit != ClockUnit.HOURS,
        )
    )
    moved = 0
    for clock in running:
        rules = rule_set(clock.rule_set)
        if rules is None or clock.started_at is None:
            continue
        if not calendar.counts_rest_days(rules, clock.unit):
            continue
        due_at = calendar.due_instant(rules, clock.started_at, clock.period, clock.unit)
        if due_at == clock.due_at:
            continue
        audit.record(
            session,
            "clock.rescheduled",
            None,
            "case",
            clock.submission.case.public_id,
            clock=clock.kind.value,
            previous_due_at=clock.due_at.isoformat() if clock.due_at else None,
            due_at=due_at.isoformat(),
        )
        clock.due_at = due_at
        clock.due_soon_notified_at = None
        clock.overdue_notified_at = None
        moved += 1
    return moved


def set_rule_set(session: DbSession, authority_slug: str, name: str | None) -> Authority:
    """Give an authority a named rule set (or none). Cases already submitted keep the rules
    their clocks started under; the next submission uses the new ones."""
    authority = session.scalar(select(Authority).where(Authority.slug == authority_slug))
    if authority is None:
        raise NotFound(_l("No authority with the short name %(slug)s.", slug=authority_slug))
    if name is not None and rule_set(name) is None:
        raise DomainError(
            _l(
                "Unknown rule set %(name)s; choose one of: %(names)s",
                name=name,
                names=", ".join(sorted(RULE_SETS)),
            )
        )
    authority.clock_rules = name
    audit.record(session, "authority.clock_rules", None, "authority", authority.slug, rules=name)
    return authority
