"""What each member says they got back, how they rate it, and whether they dispute it.

One row per membership, written only by that member. Nobody else sees a row: the case shows
only coarse aggregates of them (``services.cases.published``), and the authority sees disputes.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import BigInteger, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, str_enum, utcnow

if TYPE_CHECKING:
    from models.case import Membership


class OutcomeState(enum.StrEnum):
    NOTHING_YET = "nothing_yet"
    PARTLY_REFUNDED = "partly_refunded"
    FULLY_REFUNDED = "fully_refunded"
    REFUSED = "refused"


class OutcomeRating(enum.StrEnum):
    SATISFIED = "satisfied"
    PARTLY = "partly"
    NOT_SATISFIED = "not_satisfied"  #: "they answered, but not my points"


class MemberOutcome(Base):
    __tablename__ = "member_outcomes"

    membership_id: Mapped[int] = mapped_column(
        ForeignKey("memberships.id", ondelete="CASCADE"), primary_key=True
    )
    case_id: Mapped[int] = mapped_column(
        ForeignKey("group_cases.id", ondelete="CASCADE"), index=True
    )
    state: Mapped[OutcomeState] = mapped_column(
        str_enum(OutcomeState), default=OutcomeState.NOTHING_YET
    )
    #: what was refunded, in minor units of the member's complaint currency; for a full refund
    #: the complaint's own amount
    refunded_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    currency: Mapped[str] = mapped_column(String(3))
    rating: Mapped[OutcomeRating | None] = mapped_column(str_enum(OutcomeRating))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    #: the member's reason when they dispute the outcome before the authority
    dispute: Mapped[str | None] = mapped_column(Text)
    disputed_at: Mapped[datetime | None]

    membership: Mapped[Membership] = relationship()
