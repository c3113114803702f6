"""Two cases of the same company and issue becoming one, once both sides' organizers agree."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, created_at_column
from models.case import GroupCase


class CaseMerge(Base):
    """A proposal to move every member of ``from_case`` into ``into_case``.

    Made by an organizer of either case; the organizers of the other one (``asked_case``)
    accept or decline it. Once accepted the source case is gone, and the row stays as the
    forwarding address of its old link (``from_public_id``) and the record of what happened.
    """

    __tablename__ = "case_merges"
    __table_args__ = (
        Index("ix_case_merges_from_public_id", "from_public_id"),
        Index("ix_case_merges_into_case_id", "into_case_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the case whose members move; NULL once it merged (or was removed by its last member)
    from_case_id: Mapped[int | None] = mapped_column(
        ForeignKey("group_cases.id", ondelete="SET NULL")
    )
    from_public_id: Mapped[str] = mapped_column(String(16))
    from_title: Mapped[str] = mapped_column(String(200))
    #: the case that continues; NULL once it is removed in turn (merged into a third one, or
    #: left by its last member), when ``into_public_id`` still leads on
    into_case_id: Mapped[int | None] = mapped_column(
        ForeignKey("group_cases.id", ondelete="SET NULL")
    )
    into_public_id: Mapped[str] = mapped_column(String(16))
    #: the case whose organizers must agree: the one the proposer does not organize
    asked_case_id: Mapped[int | None] = mapped_column(
        ForeignKey("group_cases.id", ondelete="SET NULL")
    )
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = created_at_column()
    #: None while waiting; True once merged; False when declined or withdrawn
    accepted: Mapped[bool | None]
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    from_case: Mapped[GroupCase | None] = relationship(foreign_keys=[from_case_id])
    into_case: Mapped[GroupCase | None] = relationship(foreign_keys=[into_case_id])

    @property
    def waiting(self) -> bool:
        """Still to be answered, both cases still there."""
        return (
            self.accepted is None
            and self.from_case_id is not None
            and self.into_case_id is not None
        )

    def __repr__(self) -> str:
        return f"<CaseMerge {self.from_public_id}→{self.into_case_id} {self.accepted}>"
