"""Group cases and who belongs to them, under which per-case pseudonym and role."""

from __future__ import annotations

import enum
import re
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, created_at_column, public_id_column, str_enum, utcnow
from models.submission import FINAL_SUBMISSION_STATUSES, STATUS_ORDER

if TYPE_CHECKING:
    from models.category import Category
    from models.company import Company
    from models.complaint import Complaint
    from models.submission import Submission
    from models.user import User


class CaseStatus(enum.StrEnum):
    OPEN = "open"  #: gathering members and evidence
    DRAFTING = "drafting"  #: the organizers write the joint complaint
    SIGNING = "signing"  #: a frozen version is open for signatures
    SUBMITTED = "submitted"  #: sent to an authority; complaint, signatures, evidence frozen
    CLOSED = "closed"  #: the authority's process ended (resolved or rejected)


#: statuses in which the complaint, signatures and evidence can no longer change
FROZEN_STATUSES = frozenset({CaseStatus.SUBMITTED, CaseStatus.CLOSED})


#: a Chinese character: a title with one is read as written in Chinese
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def title_language(text: str) -> str:
    """ "zh" for a title with Chinese characters in it, else "en": the only two languages the
    interface speaks, so a title that is not Chinese is read as English."""
    return "zh" if HAN.search(text) else "en"


class MemberRole(enum.StrEnum):
    ORGANIZER = "organizer"
    CO_ORGANIZER = "co_organizer"
    MEMBER = "member"


class GroupCase(Base):
    __tablename__ = "group_cases"
    __table_args__ = (
        Index("ix_group_cases_company_category", "company_id", "category_id", "updated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = public_id_column()
    title: Mapped[str] = mapped_column(String(200))
    #: the title in the interface's other language, given by an organizer, so that a member
    #: who writes English finds a case started in Chinese by a title they can read
    title_other: Mapped[str | None] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"))
    status: Mapped[CaseStatus] = mapped_column(str_enum(CaseStatus), default=CaseStatus.OPEN)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: counter cache of memberships and of their complaints' incident period, kept by
    #: services.cases.membership: matching reads them for hundreds of candidate cases per query
    member_count: Mapped[int] = mapped_column(default=0, server_default="0")
    first_incident: Mapped[date | None]
    last_incident: Mapped[date | None]
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    company: Mapped[Company] = relationship()
    category: Mapped[Category] = relationship()
    memberships: Mapped[list[Membership]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="Membership.joined_at"
    )
    #: the case's submissions, one per authority its signed version is addressed to, read for
    #: the badge and progress bars; written only through services.submissions
    submissions: Mapped[list[Submission]] = relationship(viewonly=True, order_by="Submission.id")

    @property
    def submission(self) -> Submission | None:
        """The submission the members still wait on most: the one furthest behind among those
        still open, else the last one closed (what the case's badge shows)."""
        if not self.submissions:
            return None
        still_open = [s for s in self.submissions if s.status not in FINAL_SUBMISSION_STATUSES]
        if still_open:
            return min(still_open, key=lambda s: STATUS_ORDER.index(s.status))
        return max(self.submissions, key=lambda s: s.status_updated_at)

    def title_in(self, language: str) -> str:
        """The title a reader of ``language`` reads: the translation when one is given in
        that language, else the title as written."""
        if (
            self.title_other
            and title_language(self.title) != language
            and title_language(self.title_other) == language
        ):
            return self.title_other
        return self.title

    @property
    def is_frozen(self) -> bool:
        return self.status in FROZEN_STATUSES

    def __repr__(self) -> str:
        return f"<GroupCase {self.public_id} {self.status.value}>"


class Membership(Base):
    """A user in a case. Everyone but the authority (with consent) sees only the pseudonym."""

    __tablename__ = "memberships"
    __table_args__ = (
        UniqueConstraint("case_id", "user_id"),
        UniqueConstraint("case_id", "pseudonym"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("group_cases.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: the complaint the member joined with; a complaint belongs to at most one case
    complaint_id: Mapped[int | None] = mapped_column(
        ForeignKey("complaints.id", ondelete="SET NULL"), unique=True
    )
    role: Mapped[MemberRole] = mapped_column(str_enum(MemberRole), default=MemberRole.MEMBER)
    #: short code shown as "Member K7Q2"; stable for the life of the membership
    pseudonym: Mapped[str] = mapped_column(String(16))
    joined_at: Mapped[datetime] = created_at_column()

    case: Mapped[GroupCase] = relationship(back_populates="memberships")
    user: Mapped[User] = relationship()
    complaint: Mapped[Complaint | None] = relationship()

    @property
    def organizes(self) -> bool:
        return self.role in (MemberRole.ORGANIZER, MemberRole.CO_ORGANIZER)

    def __repr__(self) -> str:
        return f"<Membership case={self.case_id} {self.pseudonym} {self.role.value}>"
