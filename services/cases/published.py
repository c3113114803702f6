"""The figures everyone but the case's authority sees: a coarse snapshot, republished in batches.

Exact aggregates published after every change give each change away: a total that grows by
¥3,200 the moment one member joins says what she lost, and a category count that grows by one
says what happened to her. So the case page, its share card, the case list, the joint
complaint's "fill from the case" and every other non-regulator view read one stored snapshot,
made by :func:`publish` under three rules:

1. **Batches.** A snapshot is replaced only once at least :data:`MIN_CHANGED_MEMBERS` members
   changed since the last one (joined, left, edited or deleted their complaint), each member
   counted once however often they changed, and one who joined and left again not at all; and
   at most once per ``CASE_FIGURES_REPUBLISH_AFTER`` seconds (a day). Two snapshots in a row
   differ by at least five people's changes.
2. **Coarse values.** Totals are rounded to two significant figures, so no difference of two
   totals is anyone's amount, nor the sum of a batch; the incident period is given in months.
3. **Nothing that counts members by what happened to them.** Chains of snapshots can still
   isolate one member (two snapshots far apart may differ by her alone), and then any count
   of members per category or amount band that crosses a threshold or a rounding step says
   which one she is in. So categories and amount bands are not published at all (the case's
   own category is on the page); a currency is totalled only when at least
   :data:`MIN_MEMBERS_PER_ITEM` members used it. Through such a chain a total bounds one
   member's amount only to within its rounding step, and the period her incident's month.

The live member count stays exact (the timeline shows joins anyway); it says nothing about
anyone's amount, date or category. Regulators keep the exact figures
(:func:`services.cases.figures.case_figures`). Publishing runs in a background job after the
change that made a case due, so no visitor's request ever aggregates a case.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import delete, func, insert, select, update

from models import (
    ZERO_DECIMAL_CURRENCIES,
    Complaint,
    GroupCase,
    Job,
    MemberOutcome,
    Membership,
    OutcomeRating,
    OutcomeState,
    PublishedFigures,
    StatementStatus,
    StatementTable,
    utcnow,
)
from models import PublishedMemberFacts as Facts
from models.base import DbSession
from services.cases.figures import case_figures
from services.cases.joins_over_time import JoinsOverTime, joins_over_time
from services.platform import jobs
from services.platform.jobs.runner import Report
from services.platform.noise import noise_source

#: a snapshot is replaced only once this many members changed since the last one
MIN_CHANGED_MEMBERS = 5
#: a currency is totalled only when this many members' complaints are in it
MIN_MEMBERS_PER_ITEM = 5
#: default of ``CASE_FIGURES_REPUBLISH_AFTER``: seconds between two snapshots of one case
REPUBLISH_AFTER = 24 * 3600
PUBLISH_JOB = "cases.publish_figures"


@dataclass(frozen=True)
class Published:
    """What a case page shows of its figures."""

    published_at: datetime | None  #: None: never published (fewer than 5 members so far)
    members: int  #: members when it was published
    visible: bool  #: False while the snapshot has fewer than 5 members
    totals: list[tuple[str, int]] = field(default_factory=list)  #: (currency, minor, 2 s.f.)
    #: members whose amounts are in a currency too few share, so it has no total
    other_currency_members: bool = False
    first_month: date | None = None  #: first day of the month of the earliest incident
    last_month: date | None = None
    joins: list[tuple[date, int]] = field(default_factory=list)  #: (day, joined), oldest first
    #: after submission: (currency, percent of the money claimed members say came back)
    recovered: list[tuple[str, int]] = field(default_factory=list)
    #: after submission: percent of the members who rated the outcome and are satisfied
    satisfied: int | None = None
    #: (currency, percent of the money claimed that members' confirmed statements back)
    backed: list[tuple[str, int]] = field(default_factory=list)

    @property
    def joins_over_time(self) -> JoinsOverTime:
        """The joins in rows a reader can take in: per day, week or month."""
        return joins_over_time(self.joins)


def two_significant(amount_minor: int, currency_unit: int) -> int:
    """``amount_minor`` rounded half up to two significant figures, and at least to whole
    major units: 3_603_530 fen (¥36,035.30) -> 3_600_000 (¥36,000)."""
    step: int = max(currency_unit, 10 ** max(len(str(abs(amount_minor))) - 2, 0))
    return (amount_minor + step // 2) // step * step


def facts_key(
    currency: str,
    amount_minor: int,
    incident: date,
    category_id: int,
    state: OutcomeState | None = None,
    refunded_minor: int | None = None,
    rating: OutcomeRating | None = None,
    statements_minor: int | None = None,
) -> str:
    """The facts of one member's complaint that the figures are made of, as a keyed digest:
    enough to tell whether they changed, and unreadable to whoever reads the table (a plain
    digest of so few possible values could be reversed by trying them all). A member's
    outcome (``services.outcomes``) and the total of her confirmed statements
    (``services.statements``) are part of them once recorded."""
    facts = f"{currency}:{amount_minor}:{incident.isoformat()}:{category_id}"
    if state is not None:
        facts += f":{state.value}:{refunded_minor or 0}:{rating.value if rating else ''}"
    if statements_minor is not None:
        facts += f":statements:{statements_minor}"
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, facts.encode(), hashlib.sha256).hexdigest()[:40]


def member_facts(session: DbSession, case: GroupCase, user_id: int) -> str | None:
    """The user's facts as they count in ``case`` now; None when not a member with a complaint.

    Call it before a change, and pass the answer to :func:`changed` after it."""
    row = session.execute(
        _facts_query(case).where(Membership.user_id == user_id).with_only_columns(*FACTS)
    ).first()
    return facts_key(*row) if row else None


#: one member's confirmed statements of the case: the sum of their tables' totals (None: none)
STATEMENTS_TOTAL = (
    select(func.sum(StatementTable.total_minor))
    .where(
        StatementTable.case_id == Membership.case_id,
        StatementTable.user_id == Membership.user_id,
        StatementTable.status == StatementStatus.CONFIRMED,
    )
    .correlate(Membership)
    .scalar_subquery()
)

#: the columns of one member's facts, in the order of :func:`facts_key`
FACTS = (
    Complaint.currency,
    Complaint.amount_minor,
    Complaint.incident_date,
    Complaint.category_id,
    MemberOutcome.state,
    MemberOutcome.refunded_minor,
    MemberOutcome.rating,
    STATEMENTS_TOTAL,
)


def _facts_query(case: GroupCase) -> Any:
    return (
        select(Membership.user_id, *FACTS)
        .join(Complaint, Complaint.id == Membership.complaint_id)
        .outerjoin(MemberOutcome, MemberOutcome.membership_id == Membership.id)
        .where(Membership.case_id == case.id)
    )


def changed(session: DbSession, case: GroupCase, user_id: int, before: str | None) -> None:
    """Count a change of one member's facts (``before`` from :func:`member_facts`) and, once
    enough members changed, queue the case's next snapshot."""
    session.flush()
    after = member_facts(session, case, user_id)
    published = session.scalar(
        select(Facts.facts).where(Facts.case_id == case.id, Facts.user_id == user_id)
    )
    delta = int(after != published) - int(before != published)
    row = _row(session, case)
    if delta:
        session.execute(
            update(PublishedFigures)
            .where(PublishedFigures.case_id == case.id)
            .values(changed_members=PublishedFigures.changed_members + delta)
        )
        session.refresh(row)
    if _due(row, utcnow()):
        jobs.enqueue(PUBLISH_JOB, {"case_id": case.id}, user_id=None)


def _row(session: DbSession, case: GroupCase) -> PublishedFigures:
    row = session.get(PublishedFigures, case.id)
    if row is None:
        row = PublishedFigures(case_id=case.id, changed_members=0, figures={})
        session.add(row)
        session.flush()
    return row


def _republish_after() -> timedelta:
    seconds = current_app.config.get("CASE_FIGURES_REPUBLISH_AFTER", REPUBLISH_AFTER)
    return timedelta(seconds=seconds)


def _due(row: PublishedFigures, now: datetime) -> bool:
    if row.changed_members < MIN_CHANGED_MEMBERS:
        return False
    return row.published_at is None or now - row.published_at >= _republish_after()


def queue_due(session: DbSession, now: datetime | None = None) -> int:
    """Queue a snapshot of every case that is due but saw no change since its day passed (a
    change is what queues one otherwise), and of every case never published, such as cases
    older than snapshots: all their members differ from an empty snapshot. For ``flask jobs
    sweep``, run from cron; returns how many were queued."""
    now = now or utcnow()
    never = session.execute(
        select(Membership.case_id, func.count())
        .outerjoin(PublishedFigures, PublishedFigures.case_id == Membership.case_id)
        .where(PublishedFigures.case_id.is_(None))
        .group_by(Membership.case_id)
    ).all()
    for case_id, members in never:
        session.add(PublishedFigures(case_id=case_id, changed_members=members, figures={}))
    session.flush()
    due = session.scalars(
        select(PublishedFigures.case_id).where(
            PublishedFigures.changed_members >= MIN_CHANGED_MEMBERS,
            (PublishedFigures.published_at.is_(None))
            | (PublishedFigures.published_at <= now - _republish_after()),
        )
    ).all()
    for case_id in due:
        jobs.enqueue(PUBLISH_JOB, {"case_id": case_id}, user_id=None)
    return len(due)


def run_publish_job(job: Job, report: Report) -> None:
    """The job :func:`changed` queues: publish the case if it is still due (another job may
    have published it meanwhile)."""
    from extensions import db

    case = db.session.get(GroupCase, job.payload["case_id"])
    if case is None:  # deleted since
        return
    row = _row(db.session, case)
    if _due(row, utcnow()):
        publish(db.session, case)
    report(100, "published")
    db.session.commit()


def publish(session: DbSession, case: GroupCase, now: datetime | None = None) -> None:
    """Replace the case's snapshot with coarse figures of its members now, and remember each
    member's facts so that later changes can be counted against them."""
    session.flush()
    row = _row(session, case)
    members = session.execute(_facts_query(case)).all()
    keys = {user_id: facts_key(*facts) for user_id, *facts in members}
    row.figures = _coarse(session, case, keys.values())
    if case.is_frozen and row.figures.get("visible"):
        row.figures.update(_outcomes(case, members, keys, row.figures["totals"]))
    row.published_at = now or utcnow()
    row.changed_members = 0
    session.execute(delete(Facts).where(Facts.case_id == case.id))
    if members:
        session.execute(
            insert(Facts),
            [
                {"case_id": case.id, "user_id": user_id, "facts": key}
                for user_id, key in keys.items()
            ],
        )


def _outcomes(
    case: GroupCase, members: Sequence[Any], keys: dict[int, str], totals: list[list[Any]]
) -> dict[str, Any]:
    """The outcome figures of a submitted case (``services.outcomes.figures``), over the
    currencies whose claimed total is shown, with noise keyed by the case's exact state."""
    # outcomes stand on cases (membership, this module): imported here, not at the top
    from services.outcomes.figures import MemberRow, outcome_figures

    rows = [
        MemberRow(currency, amount, state, refunded or 0, rating)
        for _user, currency, amount, _day, _category, state, refunded, rating, _paid in members
    ]
    rng = noise_source(str(current_app.config["SECRET_KEY"]), case.id, keys.values())
    return outcome_figures(rows, [currency for currency, _total in totals], rng)


def _coarse(session: DbSession, case: GroupCase, keys: Iterable[str]) -> dict[str, Any]:
    # statements stand on cases (membership, this module): imported here, not at the top
    from services.statements import backed_shares

    exact = case_figures(session, case)
    data: dict[str, Any] = {"members": exact.members, "visible": exact.visible}
    if not exact.visible:
        return data
    per_currency = dict(
        session.execute(
            select(Complaint.currency, func.count())
            .join(Membership, Membership.complaint_id == Complaint.id)
            .where(Membership.case_id == case.id)
            .group_by(Complaint.currency)
        ).all()
    )
    shown = [(c, t) for c, t in exact.totals if per_currency.get(c, 0) >= MIN_MEMBERS_PER_ITEM]
    data["totals"] = [[c, two_significant(t, _unit(c))] for c, t in shown]
    data["other_currency_members"] = len(shown) < len(exact.totals)
    if exact.first_incident and exact.last_incident:
        data["first_month"] = exact.first_incident.replace(day=1).isoformat()
        data["last_month"] = exact.last_incident.replace(day=1).isoformat()
    data["joins"] = [[day.isoformat(), n] for day, n in exact.joins]
    rng = noise_source(str(current_app.config["SECRET_KEY"]), case.id, keys, purpose="backing")
    data["backed"] = backed_shares(session, case, shown, rng)
    return data


def _unit(currency: str) -> int:
    return 1 if currency in ZERO_DECIMAL_CURRENCIES else 100


def published_figures(session: DbSession, case: GroupCase) -> Published:
    """The case's current snapshot: one row read, never an aggregate."""
    row = session.get(PublishedFigures, case.id)
    if row is None or row.published_at is None:
        return Published(None, 0, False)
    data = row.figures
    if not data.get("visible"):
        return Published(row.published_at, data.get("members", 0), False)
    first, last = data.get("first_month"), data.get("last_month")
    return Published(
        published_at=row.published_at,
        members=data["members"],
        visible=True,
        totals=[(c, int(t)) for c, t in data["totals"]],
        other_currency_members=data["other_currency_members"],
        first_month=date.fromisoformat(first) if first else None,
        last_month=date.fromisoformat(last) if last else None,
        joins=[(date.fromisoformat(d), n) for d, n in data["joins"]],
        recovered=[(c, int(p)) for c, p in data.get("recovered", [])],
        satisfied=data.get("satisfied"),
        backed=[(c, int(p)) for c, p in data.get("backed", [])],
    )
