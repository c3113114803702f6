"""Filtering a timestamp column by whole UTC days, as the date fields of the filter forms mean."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement


def start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def within_days(column: Any, first: date | None, last: date | None) -> list[ColumnElement[bool]]:
    """Conditions for ``first`` to ``last``, both days included; a missing end is open."""
    conditions = []
    if first:
        conditions.append(column >= start_of(first))
    if last:
        conditions.append(column < start_of(last + timedelta(days=1)))
    return conditions
