"""Deadlines that run once a case reaches an authority, one set per submission.

A case may be submitted to several authorities, each with its own rules, so every clock
belongs to one submission, never to the case.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, created_at_column, str_enum

if TYPE_CHECKING:
    from models.submission import Submission


class ClockKind(enum.StrEnum):
    ACKNOWLEDGE = "acknowledge"  #: the authority confirms it received (or accepts) the case
    ANSWER = "answer"  #: the company answers
    CLOSE = "close"  #: the authority ends its process (resolved or rejected)


class ClockUnit(enum.StrEnum):
    CALENDAR_DAYS = "calendar_days"
    WORKING_DAYS = "working_days"  #: the country's official working days (China's 调休 included)
    BUSINESS_DAYS = "business_days"  #: Monday to Friday less bank holidays (UK, EU)
    HOURS = "hours"


class SubmissionClock(Base):
    __tablename__ = "submission_clocks"
    __table_args__ = (
        UniqueConstraint("submission_id", "kind"),
        Index("ix_submission_clocks_running_due", "stopped_at", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"))
    kind: Mapped[ClockKind] = mapped_column(str_enum(ClockKind))
    #: the rule set's name when the clock was made: changing an authority's rules later does
    #: not move the deadlines of cases already submitted
    rule_set: Mapped[str] = mapped_column(String(40))
    unit: Mapped[ClockUnit] = mapped_column(str_enum(ClockUnit))
    #: the period in ``unit``, extensions included
    period: Mapped[int]
    #: None until the clock starts (a clock may start when the authority accepts the case)
    started_at: Mapped[datetime | None]
    #: the first instant that is too late (the end of the last day, in the authority's zone)
    due_at: Mapped[datetime | None]
    stopped_at: Mapped[datetime | None]
    #: set once, when members were told the deadline is three days away
    due_soon_notified_at: Mapped[datetime | None]
    #: set once, when members were told the deadline passed
    overdue_notified_at: Mapped[datetime | None]

    submission: Mapped[Submission] = relationship()
    extensions: Mapped[list[ClockExtension]] = relationship(
        back_populates="clock", order_by="ClockExtension.id", cascade="all, delete-orphan"
    )


class ClockExtension(Base):
    """An extension the authority recorded: the new period and the reason given."""

    __tablename__ = "clock_extensions"

    id: Mapped[int] = mapped_column(primary_key=True)
    clock_id: Mapped[int] = mapped_column(
        ForeignKey("submission_clocks.id", ondelete="CASCADE"), index=True
    )
    #: the clock's whole period after this extension, in the clock's unit
    period: Mapped[int]
    previous_due_at: Mapped[datetime]
    due_at: Mapped[datetime]
    reason: Mapped[str] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = created_at_column()

    clock: Mapped[SubmissionClock] = relationship(back_populates="extensions")
