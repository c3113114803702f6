"""Complainants whose complaints an association imported, until each claims them.

An association (a consumer group, a lawyer's office) imports the complaints its members gave
it. Each row is a different person, so each gets an account of its own that nobody can log in
to: the complaint is theirs for matching and for cases from the start, and the association
sends each person a link to take it into their own account. The placeholder account stays as
a tombstone after the claim, so the audit trail keeps pointing at something.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, created_at_column

if TYPE_CHECKING:
    from models.user import User


class ImportedComplainant(Base):
    """One imported person: their placeholder account, who imported them, and the claim."""

    __tablename__ = "imported_complainants"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    imported_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    #: the import's source of the person's row ("import:cfpb:<id>"), as the association knows it
    source: Mapped[str] = mapped_column(String(80), index=True)
    #: sha256 of the newest claim link's secret; None once claimed (or before any link)
    claim_token_sha256: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = created_at_column()
    claimed_at: Mapped[datetime | None]
    claimed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    imported_by: Mapped[User | None] = relationship(foreign_keys=[imported_by_id])

    @property
    def claimed(self) -> bool:
        return self.claimed_at is not None
