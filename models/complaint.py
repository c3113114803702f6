"""A member's own complaint: private, only its owner ever reads the narrative."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, created_at_column, public_id_column, utcnow

if TYPE_CHECKING:
    from models.category import Category
    from models.company import Company
    from models.user import User


class Demand(enum.StrEnum):
    REFUND = "refund"
    COMPENSATION = "compensation"
    APOLOGY = "apology"
    FIX_SERVICE = "fix_service"
    OTHER = "other"


#: ISO 4217 codes offered in forms; CNY first because most members pay in it
CURRENCIES = ("CNY", "USD", "EUR", "HKD", "GBP", "JPY", "TWD", "SGD", "AUD", "CAD")
#: currencies without minor units: amounts are stored in minor units everywhere else
ZERO_DECIMAL_CURRENCIES = frozenset({"JPY"})

NARRATIVE_MIN = 20
NARRATIVE_MAX = 5000


class Complaint(Base):
    __tablename__ = "complaints"
    #: (company, category, id): the newest complaints of a company and category, read backwards
    __table_args__ = (Index("ix_complaints_company_category", "company_id", "category_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = public_id_column()
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"))
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"))
    incident_date: Mapped[date]
    #: in minor units (fen, cents), so sums are exact on every database
    amount_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    narrative: Mapped[str] = mapped_column(Text)
    #: the narrative with personal data replaced (patterns and the owner's name), made when it
    #: is written so a bundle of 100,000 complaints copies it instead of redacting each again;
    #: None for rows written before it existed (the bundle redacts those itself)
    narrative_redacted: Mapped[str | None] = mapped_column(Text)
    demands: Mapped[list[str]] = mapped_column(JSON, default=list)
    demands_other: Mapped[str | None] = mapped_column(String(300))
    #: "import:cfpb:123" etc. for complaints collected elsewhere; unique, so no row is
    #: imported twice even by two imports at once
    source: Mapped[str | None] = mapped_column(String(80), unique=True)
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    owner: Mapped[User] = relationship()
    company: Mapped[Company] = relationship()
    category: Mapped[Category] = relationship()

    @property
    def amount(self) -> float:
        """The amount in major units, for display only (sums use ``amount_minor``)."""
        if self.currency in ZERO_DECIMAL_CURRENCIES:
            return float(self.amount_minor)
        return self.amount_minor / 100

    @property
    def reference(self) -> str:
        """Its reference number (投诉编号), as its owner quotes it: ``JEGN-5Q57-4EMS``."""
        return reference_of(self.public_id)

    def __repr__(self) -> str:
        return f"<Complaint {self.public_id}>"


def reference_of(public_id: str) -> str:
    """A public id read aloud or typed from paper: capitals in groups of four. Its alphabet
    has no 0/O, 1/I/L, so no group is misread; being the public id, it counts nothing."""
    upper = public_id.upper()
    return "-".join(upper[i : i + 4] for i in range(0, len(upper), 4))
