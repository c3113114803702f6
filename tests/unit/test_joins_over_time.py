"""The joins table and chart: the finest of day, week or month that keeps the rows readable."""

from __future__ import annotations

from datetime import date, timedelta

from services.cases.joins_over_time import MAX_ROWS, Period, joins_over_time


def _daily(first: date, days: int) -> list[tuple[date, int]]:
    return [(first + timedelta(days=n), n % 3 + 1) for n in range(days)]


def test_a_young_case_is_counted_per_day() -> None:
    joins = _daily(date(2026, 11, 1), MAX_ROWS)
    table = joins_over_time(joins)
    assert table.period is Period.DAY
    assert [(r.start, r.joined) for r in table.rows] == joins
    assert table.rows[-1].members == sum(n for _day, n in joins)


def test_past_two_months_rows_are_weeks_from_monday() -> None:
    joins = _daily(date(2026, 1, 1), 200)  # a Thursday
    table = joins_over_time(joins)
    assert table.period is Period.WEEK
    assert len(table.rows) <= MAX_ROWS
    assert all(r.start.weekday() == 0 for r in table.rows)
    assert table.rows[0].start == date(2025, 12, 29)
    assert table.rows[0].joined == sum(n for day, n in joins if day <= date(2026, 1, 4))
    assert sum(r.joined for r in table.rows) == table.rows[-1].members == sum(n for _d, n in joins)
    assert table.points[-1] == (table.rows[-1].start, table.rows[-1].members)


def test_years_of_joins_are_counted_per_month() -> None:
    joins = _daily(date(2015, 3, 10), 4_168)  # the benchmarks' 100,000-member case
    table = joins_over_time(joins)
    assert table.period is Period.MONTH
    assert all(r.start.day == 1 for r in table.rows)
    assert len(table.rows) == 138  # March 2015 to August 2026
    assert table.rows[-1].members == sum(n for _d, n in joins)


def test_sparse_joins_stay_per_day_when_few_days_had_any() -> None:
    joins = [(date(2025, 1, 1), 4), (date(2026, 6, 1), 1), (date(2026, 12, 1), 2)]
    table = joins_over_time(joins)
    assert table.period is Period.DAY
    assert [r.members for r in table.rows] == [4, 5, 7]


def test_no_joins_no_rows() -> None:
    assert joins_over_time([]).rows == []
