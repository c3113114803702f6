"""What the confirmed tables of a case say: how much of each member's claim a statement
backs, and which orders more than one member claimed.

An order claimed by two members is counted for neither in the backed amounts (so a planted
or doubled claim adds nothing), and the organizer is told how many such orders there are,
never whose they are.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select

from models import (
    GroupCase,
    StatementRow,
    StatementRowKind,
    StatementStatus,
    StatementTable,
)
from models.base import DbSession
from services.platform.noise import noisy_percent, two_sided_geometric

#: the backed share is published once about this many members confirmed a statement (noisy)
MIN_BACKING_MEMBERS = 5


@dataclass(frozen=True, slots=True)
class Backing:
    """One member's confirmed statements against their claim."""

    currency: str
    total_minor: int  #: payments less refunds of their confirmed rows
    claimed_minor: int | None  #: their complaint's amount, when in the same currency
    disputed_minor: int  #: payments of orders another member claimed too

    @property
    def backed_minor(self) -> int:
        """The part of the claim the statement backs: never more than was claimed."""
        proved = max(self.total_minor - self.disputed_minor, 0)
        return proved if self.claimed_minor is None else min(proved, self.claimed_minor)

    @property
    def mismatch(self) -> bool:
        return self.claimed_minor is not None and self.claimed_minor != self.total_minor


def claimed_twice(session: DbSession, case: GroupCase) -> set[str]:
    """Order hashes of payments confirmed by more than one member of the case."""
    query = (
        select(StatementRow.order_hash)
        .join(StatementTable, StatementTable.id == StatementRow.table_id)
        .where(
            StatementTable.case_id == case.id,
            StatementTable.status == StatementStatus.CONFIRMED,
            StatementTable.membership_id.is_not(None),
            StatementRow.kind == StatementRowKind.PAYMENT,
        )
        .group_by(StatementRow.order_hash)
        .having(func.count(func.distinct(StatementTable.user_id)) > 1)
    )
    return set(session.scalars(query))


def backing_by_member(session: DbSession, case: GroupCase) -> dict[int, Backing]:
    """Each member's (by user id) confirmed statements of the case, summed per member."""
    twice = claimed_twice(session, case)
    rows = session.execute(
        select(
            StatementTable.user_id,
            StatementTable.currency,
            StatementTable.claimed_minor,
            StatementTable.claimed_currency,
            StatementRow.kind,
            StatementRow.amount_minor,
            StatementRow.order_hash,
        )
        .join(StatementTable, StatementTable.id == StatementRow.table_id)
        .where(
            StatementTable.case_id == case.id,
            StatementTable.status == StatementStatus.CONFIRMED,
            StatementTable.membership_id.is_not(None),
        )
        .order_by(StatementTable.id)
    ).all()
    sums: dict[int, dict[str, object]] = {}
    for user_id, currency, claimed, claimed_currency, kind, amount, order in rows:
        if user_id is None:
            continue
        entry = sums.setdefault(
            user_id,
            {
                "currency": currency,
                "total": 0,
                "disputed": 0,
                "claimed": claimed if claimed_currency == currency else None,
            },
        )
        if entry["currency"] != currency:
            continue  # a second table in another currency: the first one's currency counts
        sign = 1 if kind is StatementRowKind.PAYMENT else -1
        entry["total"] = int(entry["total"]) + sign * amount  # type: ignore[call-overload]
        if kind is StatementRowKind.PAYMENT and order in twice:
            entry["disputed"] = int(entry["disputed"]) + amount  # type: ignore[call-overload]
    return {
        user_id: Backing(
            currency=str(entry["currency"]),
            total_minor=int(entry["total"]),  # type: ignore[call-overload]
            claimed_minor=entry["claimed"],  # type: ignore[arg-type]
            disputed_minor=int(entry["disputed"]),  # type: ignore[call-overload]
        )
        for user_id, entry in sums.items()
    }


def confirmed_rows(
    session: DbSession, case: GroupCase
) -> list[tuple[StatementTable, StatementRow]]:
    """Every confirmed row of the case with its table, for the bundle, in table order."""
    query = (
        select(StatementTable, StatementRow)
        .join(StatementRow, StatementRow.table_id == StatementTable.id)
        .where(
            StatementTable.case_id == case.id,
            StatementTable.status == StatementStatus.CONFIRMED,
            StatementTable.membership_id.is_not(None),
        )
        .order_by(StatementTable.id, StatementRow.position)
    )
    return [(table, row) for table, row in session.execute(query).all()]


def backed_shares(
    session: DbSession,
    case: GroupCase,
    claimed_totals: Sequence[tuple[str, int]],
    rng: random.Random,
) -> list[list[object]]:
    """The published share of the money claimed that members' confirmed statements back, per
    currency of ``claimed_totals`` (the exact totals of the currencies the case shows).

    One member's confirmation moves it as her outcome moves the outcome shares, so it is
    published the same way (``services.outcomes.figures``): in steps of 10 %, moved by keyed
    noise, and only once a noisy count of members with a statement reaches
    :data:`MIN_BACKING_MEMBERS` (an exact threshold would say when the fifth one confirmed).
    A claim in another currency than its statement backs nothing here."""
    by_member = backing_by_member(session, case)
    if len(by_member) + two_sided_geometric(rng) < MIN_BACKING_MEMBERS:
        return []
    shares: list[list[object]] = []
    for currency, claimed in claimed_totals:
        backed = sum(
            b.backed_minor
            for b in by_member.values()
            if b.currency == currency and b.claimed_minor is not None
        )
        shares.append(
            [currency, noisy_percent(min(1.0, backed / claimed) if claimed else 0.0, rng)]
        )
    return shares
