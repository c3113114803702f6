"""Deadlines counted across weekends, public holidays and China's adjusted working days (调休),
the way each authority's rules count them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import chinese_calendar
import pytest

from models import ClockUnit
from services.clocks import calendar
from services.clocks.rules import RULE_SETS

NFRA = RULE_SETS["nfra-2020"]
SAMR = RULE_SETS["samr-12315"]
CFPB = RULE_SETS["cfpb"]
FCA_PAYMENTS = RULE_SETS["fca-disp-payments"]
HEIMAO = RULE_SETS["heimao-48h"]


@pytest.mark.parametrize("year", [2024, 2025, 2026])
def test_chinas_working_days_agree_with_chinesecalendar_every_day(year: int) -> None:
    """Two maintained packages, one official schedule: not one day of the year differs."""
    day, differing = date(year, 1, 1), []
    while day.year == year:
        if calendar.is_working_day(NFRA, day) != chinese_calendar.is_workday(day):
            differing.append(day)
        day += timedelta(days=1)
    assert differing == []


def test_an_adjusted_saturday_is_a_working_day_and_national_day_is_not() -> None:
    assert calendar.is_working_day(SAMR, date(2026, 10, 10))  # Saturday, 调休 for National Day
    assert calendar.is_working_day(SAMR, date(2026, 9, 20))  # Sunday, 调休
    assert not calendar.is_working_day(SAMR, date(2026, 10, 5))  # Monday in the holiday week
    assert not calendar.is_working_day(SAMR, date(2026, 10, 11))  # an ordinary Sunday


def test_seven_working_days_across_the_national_day_week_count_the_adjusted_saturday() -> None:
    # Friday 25 Sep 2026: Mon-Wed 28-30 Sep are days 1-3, 1-7 Oct are holidays, Thu 8 and
    # Fri 9 Oct days 4-5, Saturday 10 Oct (调休) day 6, Monday 12 Oct day 7
    assert calendar.due_date(SAMR, date(2026, 9, 25), 7, ClockUnit.WORKING_DAYS) == date(
        2026, 10, 12
    )
    # the same count ignoring holidays would have ended on Tuesday 6 Oct
    assert calendar.due_date(CFPB, date(2026, 9, 25), 11, ClockUnit.CALENDAR_DAYS) == date(
        2026, 10, 6
    )


def test_working_days_skip_a_plain_weekend() -> None:
    # Thursday 12 Nov 2026 + 3 working days: Fri 13, Mon 16, Tue 17
    assert calendar.due_date(SAMR, date(2026, 11, 12), 3, ClockUnit.WORKING_DAYS) == date(
        2026, 11, 17
    )


def test_a_chinese_calendar_day_period_ending_in_a_holiday_moves_to_the_next_working_day() -> None:
    # 16 Sep + 15 days is 1 Oct, National Day: the period ends on Thursday 8 Oct
    assert calendar.due_date(NFRA, date(2026, 9, 16), 15, ClockUnit.CALENDAR_DAYS) == date(
        2026, 10, 8
    )
    # a period ending on an adjusted Saturday ends that Saturday: offices work
    assert calendar.due_date(NFRA, date(2026, 9, 25), 15, ClockUnit.CALENDAR_DAYS) == date(
        2026, 10, 10
    )


def test_the_cfpb_counts_plain_calendar_days_even_into_a_weekend() -> None:
    # Friday 4 Dec 2026 + 15 days is Saturday 19 Dec: it stays there
    assert calendar.due_date(CFPB, date(2026, 12, 4), 15, ClockUnit.CALENDAR_DAYS) == date(
        2026, 12, 19
    )


def test_uk_business_days_skip_christmas_boxing_day_and_new_year() -> None:
    # Friday 18 Dec 2026 + 15 business days: 25 and 28 Dec (Boxing Day, observed) and 1 Jan
    # are bank holidays in England
    assert calendar.due_date(FCA_PAYMENTS, date(2026, 12, 18), 15, ClockUnit.BUSINESS_DAYS) == date(
        2027, 1, 13
    )


def test_a_deadline_ends_at_midnight_in_the_authoritys_zone() -> None:
    # submitted 23:30 UTC on 24 Sep 2026, already Friday 25 Sep in Beijing
    started = datetime(2026, 9, 24, 23, 30, tzinfo=UTC)
    due = calendar.due_instant(SAMR, started, 7, ClockUnit.WORKING_DAYS)
    assert due == datetime(2026, 10, 12, 16, 0, tzinfo=UTC)  # 13 Oct 00:00 in Beijing
    assert calendar.last_day(SAMR, due) == date(2026, 10, 12)
    assert calendar.days_left(SAMR, due, datetime(2026, 10, 12, 3, 0, tzinfo=UTC)) == 0
    assert calendar.days_left(SAMR, due, datetime(2026, 10, 12, 16, 0, tzinfo=UTC)) == -1
    assert calendar.days_left(SAMR, due, started) == 17


def test_an_hours_deadline_counts_every_hour() -> None:
    started = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)  # a holiday changes nothing
    assert calendar.due_instant(HEIMAO, started, 48, ClockUnit.HOURS) == started + timedelta(
        hours=48
    )
