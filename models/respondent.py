"""The company's side of a case: its respondents, the cases opened to it, its answer and the
private offers it makes to single members.

A respondent is bound to one company. It sees a case only once the case's authority forwarded
it (or the organizer opened it to the company), and it sees members only by pseudonym.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, created_at_column, public_id_column, str_enum

if TYPE_CHECKING:
    from models.case import GroupCase, Membership
    from models.company import Company
    from models.user import User


class CompanyRespondent(Base):
    """A respondent account's company, and whether an admin verified it (on the command line):
    until then the account sees nothing."""

    __tablename__ = "company_respondents"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    created_at: Mapped[datetime] = created_at_column()
    #: when an admin confirmed that the person really speaks for the company
    verified_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()
    company: Mapped[Company] = relationship()


class CaseOpening(Base):
    """An organizer showed the case to its company before (or without) the authority
    forwarding it."""

    __tablename__ = "case_openings"

    case_id: Mapped[int] = mapped_column(
        ForeignKey("group_cases.id", ondelete="CASCADE"), primary_key=True
    )
    opened_by_pseudonym: Mapped[str] = mapped_column(String(16))
    opened_at: Mapped[datetime] = created_at_column()


class CompanyAnswer(Base):
    """The company's answer to a case: one per case, seen by its members and its authority."""

    __tablename__ = "company_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(
        ForeignKey("group_cases.id", ondelete="CASCADE"), unique=True
    )
    #: the respondent account that posted it (kept when the account goes)
    respondent_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at_column()

    case: Mapped[GroupCase] = relationship()


class OfferStatus(enum.StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"


class MemberOffer(Base):
    """A refund the company offers one member, privately: only that member and the authority
    see it; other members only ever see counts."""

    __tablename__ = "member_offers"
    __table_args__ = (
        UniqueConstraint("membership_id"),
        Index("ix_member_offers_case_status", "case_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = public_id_column()
    case_id: Mapped[int] = mapped_column(ForeignKey("group_cases.id", ondelete="CASCADE"))
    membership_id: Mapped[int] = mapped_column(ForeignKey("memberships.id", ondelete="CASCADE"))
    respondent_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    message: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[OfferStatus] = mapped_column(str_enum(OfferStatus), default=OfferStatus.PENDING)
    created_at: Mapped[datetime] = created_at_column()
    decided_at: Mapped[datetime | None]

    membership: Mapped[Membership] = relationship()
