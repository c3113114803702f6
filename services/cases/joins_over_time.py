"""Members joining a case over time, in as many rows as a reader can take in.

A case's published joins are counted per day. A case gathering members for a month reads well
day by day; one that has gathered for years would list thousands of days (a 100,000-member
case of the benchmarks: 4,168 rows, 381 KB of page and most of its rendering), which nobody
reads and every visitor downloads. So the rows are the finest of day, week (from Monday) or
month that keeps them to :data:`MAX_ROWS`, the chart drawing the same points.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

#: the most rows the joins table shows: two months of days, or a year of weeks
MAX_ROWS = 62


class Period(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


@dataclass(frozen=True)
class JoinsRow:
    start: date  #: the period's first day (a Monday for weeks, the 1st for months)
    joined: int  #: members who joined in the period
    members: int  #: members after the period


@dataclass(frozen=True)
class JoinsOverTime:
    period: Period
    rows: list[JoinsRow]

    @property
    def points(self) -> list[tuple[date, int]]:
        """(day, members) for the chart, one per row."""
        return [(row.start, row.members) for row in self.rows]


def period_start(day: date, period: Period) -> date:
    if period is Period.WEEK:
        return day - timedelta(days=day.weekday())
    if period is Period.MONTH:
        return day.replace(day=1)
    return day


def _rows(joins: Sequence[tuple[date, int]], period: Period) -> int:
    if period is Period.DAY:
        return len(joins)
    return len({period_start(day, period) for day, _joined in joins})


def joins_over_time(joins: Sequence[tuple[date, int]]) -> JoinsOverTime:
    """``joins``: (day, members who joined that day), oldest first, days without joins left out
    (as they are published). Periods without joins are left out too."""
    period = next(
        (p for p in (Period.DAY, Period.WEEK) if _rows(joins, p) <= MAX_ROWS), Period.MONTH
    )
    grouped: dict[date, int] = {}
    for day, joined in joins:
        start = period_start(day, period)
        grouped[start] = grouped.get(start, 0) + joined
    running, rows = 0, []
    for start, joined in grouped.items():
        running += joined
        rows.append(JoinsRow(start, joined, running))
    return JoinsOverTime(period, rows)
