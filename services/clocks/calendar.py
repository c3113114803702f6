"""Counting days the way each authority counts them: calendar days, the country's official
working days (China's adjusted working days, 调休, included) or business days, and the
instant a deadline passes in the authority's own time zone.

The holiday calendars come from the ``holidays`` package, which publishes each year's
official schedule (for China: the State Council's notice, with the weekend days that become
working days); it agrees day by day with ``chinesecalendar`` for 2024-2026 (tested).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from models import ClockUnit
from services.clocks.rules import Period, RuleSet


@lru_cache(maxsize=16)
def _calendar(country: str, subdivision: str | None) -> holidays.HolidayBase:
    """One holiday calendar per country, grown year by year as dates ask for them."""
    return holidays.country_holidays(country, subdiv=subdivision)


#: how many years back a country's calendar is looked at to tell whether it moves working days
ADJUSTMENT_LOOKBACK = 10


def counts_rest_days(rules: RuleSet, unit: ClockUnit) -> bool:
    """Whether a clock's due date depends on the country's holiday schedule: counted in
    working or business days, or rolled past a last day that falls on a rest day."""
    return unit in (ClockUnit.WORKING_DAYS, ClockUnit.BUSINESS_DAYS) or (
        unit is ClockUnit.CALENDAR_DAYS and rules.roll_past_rest_days
    )


def schedule_published(rules: RuleSet, year: int) -> bool:
    """Whether the official schedule of ``year`` is in the holiday calendar. A country that
    moves working days (China's 调休: weekend days made working days by the State Council's
    yearly notice) has its year published once the calendar holds such days for it; until
    then its holidays are only the package's reckoning from the rules, and a due date counted
    across them may still move. Countries that never move working days are always known."""
    calendar = _calendar(rules.country, rules.subdivision)
    moved: set[date] = getattr(calendar, "weekend_workdays", set())

    def adjusted(in_year: int) -> bool:
        calendar.get(date(in_year, 1, 1))  # fills the calendar with that year
        return any(day.year == in_year for day in moved)

    if adjusted(year):
        return True
    return not any(adjusted(year - back) for back in range(1, ADJUSTMENT_LOOKBACK + 1))


def is_working_day(rules: RuleSet, day: date) -> bool:
    """Whether offices of the rule set's country work that day: weekdays less public holidays,
    plus the weekend days a government made working days (China's 调休)."""
    return bool(_calendar(rules.country, rules.subdivision).is_working_day(day))


def due_date(rules: RuleSet, start: date, period: Period | int, unit: ClockUnit) -> date:
    """The last day of a period of days that starts the day after ``start`` (the day of
    receipt does not count, as every one of these rules reads)."""
    count = period.count if isinstance(period, Period) else period
    if unit is ClockUnit.CALENDAR_DAYS:
        day = start + timedelta(days=count)
        while rules.roll_past_rest_days and not is_working_day(rules, day):
            day += timedelta(days=1)
        return day
    day, counted = start, 0
    while counted < count:
        day += timedelta(days=1)
        if is_working_day(rules, day):
            counted += 1
    return day


def due_instant(rules: RuleSet, started_at: datetime, count: int, unit: ClockUnit) -> datetime:
    """The first instant that is late, in UTC: the start plus the hours, or the midnight that
    ends the last day in the authority's time zone."""
    if unit is ClockUnit.HOURS:
        return started_at + timedelta(hours=count)
    zone = ZoneInfo(rules.timezone)
    start = started_at.astimezone(zone).date()
    last = due_date(rules, start, count, unit)
    return datetime.combine(last + timedelta(days=1), time(), zone).astimezone(UTC)


def last_day(rules: RuleSet, due_at: datetime) -> date:
    """The last day of a deadline, in the authority's zone (the day before the instant)."""
    return (due_at - timedelta(microseconds=1)).astimezone(ZoneInfo(rules.timezone)).date()


def days_left(rules: RuleSet, due_at: datetime, now: datetime) -> int:
    """Whole calendar days from today to the last day, in the authority's zone: 0 on the last
    day itself, negative once it has passed."""
    today = now.astimezone(ZoneInfo(rules.timezone)).date()
    return (last_day(rules, due_at) - today).days


def working_days_left(rules: RuleSet, due_at: datetime, now: datetime) -> int:
    """For a deadline counted in working days, the working days after today up to the last day,
    so that it reads in the unit the authority counts in: 0 on the last day, and once it has
    passed, the calendar days late (lateness is felt in days, not in office days)."""
    today = now.astimezone(ZoneInfo(rules.timezone)).date()
    last = last_day(rules, due_at)
    if last <= today:
        return (last - today).days
    return sum(
        1
        for offset in range(1, (last - today).days + 1)
        if is_working_day(rules, today + timedelta(days=offset))
    )
