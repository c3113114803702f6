"""The figures of a case as published to everyone but its authority, and what they were made of.

A case's exact aggregates are never shown outside the regulator's pages: a visitor who reads
them before and after one member joins learns that member's amount. What visitors and members
see is a coarse snapshot, republished only once several members changed
(``services.cases.published``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class PublishedFigures(Base):
    """One row per case: its published figures and how many members changed since."""

    __tablename__ = "published_case_figures"

    case_id: Mapped[int] = mapped_column(
        ForeignKey("group_cases.id", ondelete="CASCADE"), primary_key=True
    )
    #: when the figures below were computed; None until the case is first published
    published_at: Mapped[datetime | None]
    #: members whose facts differ from the published ones (joined, left or edited since),
    #: each counted once however often they changed
    changed_members: Mapped[int] = mapped_column(default=0, server_default="0")
    #: the coarse figures themselves (``services.cases.published.Published``)
    figures: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class PublishedMemberFacts(Base):
    """The facts of one member as they went into the case's published figures."""

    __tablename__ = "published_member_facts"

    case_id: Mapped[int] = mapped_column(
        ForeignKey("group_cases.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    #: keyed digest of currency, amount, incident date and category
    #: (``services.cases.published.facts_key``)
    facts: Mapped[str] = mapped_column(String(40))
