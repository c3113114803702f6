"""A case's figures: aggregates only, and none until the case is big enough to hide anyone.

Every figure is one grouped query, so a case of 100,000 members costs the same few queries as
a case of five.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import case as case_when
from sqlalchemy import func, select
from sqlalchemy.sql import Subquery

from models import ZERO_DECIMAL_CURRENCIES, Category, Complaint, GroupCase, Membership
from models.base import DbSession

#: below this many members only the member count is shown: one person's amount could be
#: inferred from a total of two or three
MIN_MEMBERS_FOR_FIGURES = 5

#: lower bounds, in major units, of the bands the amounts chart counts complaints in: few,
#: wide and the same for every case, so that no member's own amount can be read off the chart
AMOUNT_BANDS = (0, 100, 1_000, 10_000, 50_000)


@dataclass(frozen=True)
class AmountBand:
    low: int  #: major units, included
    high: int | None  #: major units, excluded; None for the open-ended top band
    members: int  #: members whose complaint's amount falls in the band


@dataclass(frozen=True)
class CaseFigures:
    members: int
    visible: bool  #: False while the case is too small to show anything but the count
    totals: list[tuple[str, int]]  #: (currency, minor units), largest first
    first_incident: date | None
    last_incident: date | None
    categories: list[tuple[Category, int]]  #: members' own categories, most frequent first
    joins: list[tuple[date, int]]  #: (day, members who joined that day), oldest first
    #: the currency with the largest total, the one the amount bands count; None without amounts
    main_currency: str | None = None
    amount_bands: list[AmountBand] = field(default_factory=list)  #: every band, empty ones too


def _as_date(value: object) -> date:
    """SQLite's date() gives text, PostgreSQL's a date."""
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def case_figures(session: DbSession, case: GroupCase) -> CaseFigures:
    members = case.member_count
    if members < MIN_MEMBERS_FOR_FIGURES:
        return CaseFigures(members, False, [], None, None, [], [])
    complaints = (
        select(
            Complaint.currency,
            Complaint.amount_minor,
            Complaint.incident_date,
            Complaint.category_id,
        )
        .join(Membership, Membership.complaint_id == Complaint.id)
        .where(Membership.case_id == case.id)
        .subquery()
    )
    totals = session.execute(
        select(complaints.c.currency, func.sum(complaints.c.amount_minor))
        .group_by(complaints.c.currency)
        .order_by(func.sum(complaints.c.amount_minor).desc(), complaints.c.currency)
    ).all()
    first, last = session.execute(
        select(func.min(complaints.c.incident_date), func.max(complaints.c.incident_date))
    ).one()
    categories = session.execute(
        select(Category, func.count())
        .join(complaints, complaints.c.category_id == Category.id)
        .group_by(Category.id)
        .order_by(func.count().desc(), Category.position)
    ).all()
    main_currency = totals[0][0] if totals else None
    day = func.date(Membership.joined_at)
    joins = session.execute(
        select(day, func.count()).where(Membership.case_id == case.id).group_by(day).order_by(day)
    ).all()
    return CaseFigures(
        members=members,
        visible=True,
        totals=[(currency, int(total or 0)) for currency, total in totals],
        first_incident=first,
        last_incident=last,
        categories=[(category, count) for category, count in categories],
        joins=[(_as_date(d), count) for d, count in joins],
        main_currency=main_currency,
        amount_bands=_amount_bands(session, complaints, main_currency) if main_currency else [],
    )


def _amount_bands(session: DbSession, complaints: Subquery, currency: str) -> list[AmountBand]:
    """Members' complaints in ``currency`` counted per band of :data:`AMOUNT_BANDS`, in one query.

    The band number is computed in a subquery and grouped on outside: PostgreSQL would not see
    ``GROUP BY CASE ...`` as the selected ``CASE ...`` once each has its own bound parameters.
    """
    unit = 1 if currency in ZERO_DECIMAL_CURRENCIES else 100
    band = case_when(
        *(
            (complaints.c.amount_minor < upper * unit, index)
            for index, upper in enumerate(AMOUNT_BANDS[1:])
        ),
        else_=len(AMOUNT_BANDS) - 1,
    )
    banded = select(band.label("band")).where(complaints.c.currency == currency).subquery()
    counts = {
        int(index): count
        for index, count in session.execute(
            select(banded.c.band, func.count()).group_by(banded.c.band)
        )
    }
    uppers = (*AMOUNT_BANDS[1:], None)
    return [
        AmountBand(low, high, counts.get(index, 0))
        for index, (low, high) in enumerate(zip(AMOUNT_BANDS, uppers, strict=True))
    ]
