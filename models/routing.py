"""Routing by licence: the regulated businesses behind a company, and each complaint's answers
to the questions that say which of them (and so which authority) a complaint concerns."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, created_at_column, str_enum, utcnow

if TYPE_CHECKING:
    from models.company import Company


class EntityKind(enum.StrEnum):
    PAYMENT_INSTITUTION = "payment_institution"  #: e-money / non-bank payment licence
    BANK = "bank"  #: bank or credit institution
    CONSUMER_FINANCE = "consumer_finance"  #: loans, credit lines, buy-now-pay-later
    MERCHANT_PLATFORM = "merchant_platform"  #: the marketplace or merchant selling the goods
    SECURITIES = "securities"  #: funds, brokerage


class LicensedEntity(Base):
    """One regulated business of a company in one jurisdiction (a brand often has several:
    Alipay's wallet balance is a payment institution's, the card behind it a bank's)."""

    __tablename__ = "licensed_entities"
    __table_args__ = (UniqueConstraint("company_id", "kind", "jurisdiction", "legal_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[EntityKind] = mapped_column(str_enum(EntityKind))
    #: where the licence applies: ISO 3166 country code, or EU for the European Economic Area
    jurisdiction: Mapped[str] = mapped_column(String(8))
    legal_name: Mapped[str] = mapped_column(String(300))
    #: the licence as its register names it (number, type)
    licence: Mapped[str] = mapped_column(Text, default="")
    #: the authority that licensed and supervises it, as its register names it
    supervisor: Mapped[str] = mapped_column(Text, default="")
    #: where the licence can be checked (the register or the company's own legal page)
    source_url: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = created_at_column()

    company: Mapped[Company] = relationship()


class ComplaintRouting(Base):
    """A member's answers for one complaint: what was affected and where they live (which pick
    the licensed entity and the authority), and whether they complained to the company first."""

    __tablename__ = "complaint_routing"

    complaint_id: Mapped[int] = mapped_column(
        ForeignKey("complaints.id", ondelete="CASCADE"), primary_key=True
    )
    affected: Mapped[str | None] = mapped_column(String(24))  #: services.routing.rules.AFFECTED
    residence: Mapped[str | None] = mapped_column(String(8))  #: services.routing.rules.RESIDENCES
    #: the authority proposed from the answers (its slug, which may not be on Chorus yet)
    authority_slug: Mapped[str | None] = mapped_column(String(64))
    entity_id: Mapped[int | None] = mapped_column(
        ForeignKey("licensed_entities.id", ondelete="SET NULL")
    )
    #: None: not answered; most rules want the company asked first
    complained_first: Mapped[bool | None]
    complained_on: Mapped[date | None]
    company_reference: Mapped[str] = mapped_column(String(100), default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    entity: Mapped[LicensedEntity | None] = relationship()
