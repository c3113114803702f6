"""What a clock shows: its due date, the days left and whether it is overdue, for pages and
the API; and the inbox's sort and filters by deadline."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, func, or_, select
from sqlalchemy.orm import joinedload

from models import ClockKind, ClockUnit, Submission, SubmissionClock, utcnow
from models.base import DbSession
from services.clocks import calendar
from services.clocks.rules import RuleSet, rule_set

#: members are told this long before a deadline
DUE_SOON = timedelta(days=3)


@dataclass(frozen=True)
class ClockView:
    submission_id: int
    kind: ClockKind
    rules: RuleSet
    unit: ClockUnit
    period: int
    base_period: int
    extendable_to: int | None
    granted_by: str | None
    started_at: datetime | None
    due_at: datetime | None
    stopped_at: datetime | None
    extended: bool
    now: datetime

    @property
    def state(self) -> str:
        """waiting (not started), running, overdue (running past due), met, missed."""
        if self.started_at is None or self.due_at is None:
            return "waiting"
        if self.stopped_at is not None:
            return "met" if self.stopped_at < self.due_at else "missed"
        return "overdue" if self.now >= self.due_at else "running"

    @property
    def overdue(self) -> bool:
        return self.state == "overdue"

    @property
    def due_date(self) -> date | None:
        return calendar.last_day(self.rules, self.due_at) if self.due_at else None

    @property
    def counts_working_days(self) -> bool:
        """Whether the days left are working days: the unit the authority counts this clock in."""
        return self.unit in (ClockUnit.WORKING_DAYS, ClockUnit.BUSINESS_DAYS)

    @property
    def days_left(self) -> int | None:
        """Days to the last day, in working days when the clock counts them (see
        :attr:`counts_working_days`), else calendar days; negative once late (calendar days);
        None once stopped or before it starts."""
        if self.due_at is None or self.stopped_at is not None:
            return None
        if self.counts_working_days:
            return calendar.working_days_left(self.rules, self.due_at, self.now)
        return calendar.days_left(self.rules, self.due_at, self.now)

    @property
    def unpublished_year(self) -> int | None:
        """The first year this running deadline counts across whose official holiday schedule
        is not out yet (China's is announced late in the year before): the due date is then
        provisional, and the sweep moves it once the schedule is in the calendar."""
        if self.stopped_at is not None or self.started_at is None or self.due_at is None:
            return None
        if not calendar.counts_rest_days(self.rules, self.unit):
            return None
        # the last day can roll a little past the period's own end: look one week further
        years = range(self.started_at.year, (self.due_at + timedelta(days=7)).year + 1)
        return next((y for y in years if not calendar.schedule_published(self.rules, y)), None)

    @property
    def provisional(self) -> bool:
        return self.unpublished_year is not None

    @property
    def can_extend(self) -> bool:
        return (
            self.extendable_to is not None
            and self.period < self.extendable_to
            and self.state in ("running", "overdue")
        )

    def as_json(self) -> dict[str, Any]:
        """The API's form: instants in UTC with their offset, the last day as a date."""
        return {
            "kind": self.kind.value,
            "rule_set": self.rules.name,
            "unit": self.unit.value,
            "period": self.period,
            "extended": self.extended,
            "extendable_to": self.extendable_to,
            "started_at": _iso(self.started_at),
            "due_at": _iso(self.due_at),
            "due_date": self.due_date.isoformat() if self.due_date else None,
            "time_zone": self.rules.timezone,
            "stopped_at": _iso(self.stopped_at),
            "days_left": self.days_left,
            "days_left_unit": (
                ClockUnit.WORKING_DAYS.value
                if self.counts_working_days and (self.days_left or 0) > 0
                else ClockUnit.CALENDAR_DAYS.value
            ),
            "state": self.state,
            "overdue": self.overdue,
            "provisional": self.provisional,
        }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def view(clock: SubmissionClock, now: datetime) -> ClockView | None:
    rules = rule_set(clock.rule_set)
    if rules is None:
        return None
    period = rules.clocks.get(clock.kind)
    return ClockView(
        submission_id=clock.submission_id,
        kind=clock.kind,
        rules=rules,
        unit=clock.unit,
        period=clock.period,
        base_period=period.count if period else clock.period,
        extendable_to=period.extendable_to if period else None,
        granted_by=period.granted_by if period else None,
        started_at=clock.started_at,
        due_at=clock.due_at,
        stopped_at=clock.stopped_at,
        extended=period is not None and clock.period > period.count,
        now=now,
    )


def views_by_submission(
    session: DbSession, submission_ids: Iterable[int], now: datetime | None = None
) -> dict[int, list[ClockView]]:
    """The clocks of many submissions in one query (the inbox lists 25 at a time)."""
    now = now or utcnow()
    ids = list(submission_ids)
    result: dict[int, list[ClockView]] = {id_: [] for id_ in ids}
    if not ids:
        return result
    clocks = session.scalars(
        select(SubmissionClock)
        .where(SubmissionClock.submission_id.in_(ids))
        .order_by(SubmissionClock.submission_id, SubmissionClock.id)
    )
    for clock in clocks:
        shown = view(clock, now)
        if shown is not None:
            result[clock.submission_id].append(shown)
    return result


def next_due(views: list[ClockView]) -> ClockView | None:
    """The running clock that ends first: the one the inbox shows and sorts by."""
    running = [v for v in views if v.state in ("running", "overdue") and v.due_at]
    return min(running, key=lambda v: v.due_at or v.now, default=None)


def _running() -> ColumnElement[bool]:
    return and_(
        SubmissionClock.submission_id == Submission.id,
        SubmissionClock.stopped_at.is_(None),
        SubmissionClock.due_at.is_not(None),
    )


def next_due_column() -> Any:
    """The submission's earliest running deadline, as a correlated subquery (NULL: none)."""
    return (
        select(func.min(SubmissionClock.due_at)).where(_running()).correlate(Submission)
    ).scalar_subquery()


def filter_by_deadline(stmt: Select[Any], which: str, now: datetime | None = None) -> Select[Any]:
    """Keep the submissions with a deadline overdue now, due within three days, or missed
    (a clock stopped late or still running past due)."""
    now = now or utcnow()
    if which == "overdue":
        return stmt.where(exists().where(_running(), SubmissionClock.due_at <= now))
    if which == "due_soon":
        return stmt.where(
            exists().where(
                _running(), SubmissionClock.due_at > now, SubmissionClock.due_at <= now + DUE_SOON
            )
        )
    if which == "missed":
        return stmt.where(
            exists().where(
                SubmissionClock.submission_id == Submission.id,
                SubmissionClock.due_at.is_not(None),
                or_(
                    and_(SubmissionClock.stopped_at.is_(None), SubmissionClock.due_at <= now),
                    SubmissionClock.stopped_at >= SubmissionClock.due_at,
                ),
            )
        )
    return stmt


@dataclass(frozen=True)
class SubmissionClocks:
    """One submission's authority and its deadlines, as a member's pages list them."""

    submission: Submission
    clocks: list[ClockView]


def clocks_of_cases(
    session: DbSession, case_ids: Iterable[int], now: datetime | None = None
) -> dict[int, list[SubmissionClocks]]:
    """The deadlines of every submission of these cases, by case, in two queries. Only for
    the cases' own members: the caller checks that."""
    ids = list(case_ids)
    result: dict[int, list[SubmissionClocks]] = {id_: [] for id_ in ids}
    if not ids:
        return result
    submissions = list(
        session.scalars(
            select(Submission)
            .where(Submission.case_id.in_(ids))
            .options(joinedload(Submission.authority))
            .order_by(Submission.id)
        )
    )
    views = views_by_submission(session, [s.id for s in submissions], now)
    for submission in submissions:
        if views[submission.id]:
            result[submission.case_id].append(SubmissionClocks(submission, views[submission.id]))
    return result
