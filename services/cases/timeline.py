"""The case timeline as visitors and members read it: joins and leaves as daily counts.

A join shown with its pseudonym and minute pins a member to the moment the case changed; the
figures no longer change per member (:mod:`services.cases.published`), and the timeline does
not name who came or went either: "3 members joined" on a day. Everything else (evidence,
versions, signatures, the authority's steps) keeps its pseudonym and time. The regulator reads
the full log (:func:`services.submissions.regulator_inbox.timeline`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from models import CaseEvent, CaseEventKind, GroupCase
from models.base import DbSession

#: kinds shown as one count a day, without pseudonym or time
DAILY_KINDS = frozenset({CaseEventKind.MEMBER_JOINED, CaseEventKind.MEMBER_LEFT})
#: kinds for the authority only: a member's dispute of their own outcome
AUTHORITY_ONLY_KINDS = frozenset({CaseEventKind.OUTCOME_DISPUTED})
LIMIT = 50


@dataclass
class TimelineEntry:
    kind: CaseEventKind
    at: datetime  #: when it happened; for a daily count only its day is shown
    actor: str | None = None  #: pseudonym; None for daily counts and the authority
    count: int = 1  #: members who joined or left that day, for :data:`DAILY_KINDS`
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def daily(self) -> bool:
        return self.kind in DAILY_KINDS

    @property
    def day(self) -> date:
        return self.at.date()


def public_timeline(session: DbSession, case: GroupCase, limit: int = LIMIT) -> list[TimelineEntry]:
    """The latest ``limit`` events, newest first, joins and leaves counted per day (UTC)."""
    events = session.scalars(
        select(CaseEvent)
        .where(CaseEvent.case_id == case.id, CaseEvent.kind.not_in(AUTHORITY_ONLY_KINDS))
        .order_by(CaseEvent.created_at.desc(), CaseEvent.id.desc())
        .limit(limit)
    ).all()
    entries: list[TimelineEntry] = []
    daily: dict[tuple[date, CaseEventKind], TimelineEntry] = {}
    for event in events:
        if event.kind not in DAILY_KINDS:
            entries.append(
                TimelineEntry(event.kind, event.created_at, event.actor_pseudonym, data=event.data)
            )
            continue
        key = (event.created_at.date(), event.kind)
        if key in daily:
            daily[key].count += 1
        else:
            daily[key] = TimelineEntry(event.kind, event.created_at)
            entries.append(daily[key])
    # a day's counts head that day, so their place among the other events tells no time
    entries.sort(key=lambda e: (e.day, e.daily, 0.0 if e.daily else e.at.timestamp()), reverse=True)
    return entries
