"""Authorities receive submitted cases: regulators, ombudsmen, consumer associations."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Column, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, created_at_column

if TYPE_CHECKING:
    from models.category import Category
    from models.user import User

authority_categories = Table(
    "authority_categories",
    Base.metadata,
    Column("authority_id", ForeignKey("authorities.id", ondelete="CASCADE"), primary_key=True),
    Column("category_id", ForeignKey("categories.id", ondelete="CASCADE"), primary_key=True),
)


class Authority(Base):
    __tablename__ = "authorities"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name_en: Mapped[str] = mapped_column(String(200))
    name_zh: Mapped[str] = mapped_column(String(200))
    jurisdiction_en: Mapped[str] = mapped_column(Text, default="")
    jurisdiction_zh: Mapped[str] = mapped_column(Text, default="")
    #: a case needs this many valid signatures before it can be submitted here
    min_signatures: Mapped[int] = mapped_column(default=3)
    #: the name of the deadline rule set it follows (services.clocks.rules); None: no clocks
    clock_rules: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = created_at_column()

    categories: Mapped[list[Category]] = relationship(secondary=authority_categories)
    regulators: Mapped[list[User]] = relationship(back_populates="authority")

    def __repr__(self) -> str:
        return f"<Authority {self.slug}>"
