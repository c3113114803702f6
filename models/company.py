"""Companies complained about, and every name people call them by."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, created_at_column, str_enum


class CompanyStatus(enum.StrEnum):
    APPROVED = "approved"
    PROPOSED = "proposed"  #: suggested by a member, waiting for an admin
    REJECTED = "rejected"


class Company(Base):
    __tablename__ = "companies"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name_en: Mapped[str] = mapped_column(String(200))
    name_zh: Mapped[str] = mapped_column(String(200))
    country: Mapped[str | None] = mapped_column(String(2))
    website: Mapped[str | None] = mapped_column(String(300))
    status: Mapped[CompanyStatus] = mapped_column(
        str_enum(CompanyStatus), default=CompanyStatus.APPROVED
    )
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = created_at_column()

    aliases: Mapped[list[CompanyAlias]] = relationship(
        back_populates="company", cascade="all, delete-orphan", order_by="CompanyAlias.id"
    )

    def __repr__(self) -> str:
        return f"<Company {self.slug}>"


class CompanyAlias(Base):
    """One name a company goes by; the canonical names are aliases too, so one lookup finds all."""

    __tablename__ = "company_aliases"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    alias: Mapped[str] = mapped_column(String(200))
    #: NFKC, case-folded, spaces removed, traditional folded to simplified where known
    normalized: Mapped[str] = mapped_column(String(200), unique=True)

    company: Mapped[Company] = relationship(back_populates="aliases")
