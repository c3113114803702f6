"""A case handed to an authority, and where the authority's process stands."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, created_at_column, str_enum, utcnow

if TYPE_CHECKING:
    from models.authority import Authority
    from models.case import GroupCase
    from models.certificate import AuthorityCertificate
    from models.petition import PetitionVersion


class SubmissionStatus(enum.StrEnum):
    SUBMITTED = "submitted"  #: sent, not yet acknowledged
    RECEIVED = "received"
    UNDER_REVIEW = "under_review"
    FORWARDED = "forwarded"  #: forwarded to the company
    COMPANY_ANSWERED = "company_answered"
    RESOLVED = "resolved"
    REJECTED = "rejected"


#: statuses that end the authority's process and close the case
FINAL_SUBMISSION_STATUSES = frozenset({SubmissionStatus.RESOLVED, SubmissionStatus.REJECTED})


#: the order of the statuses on the way (rejection last): which submission is further behind
STATUS_ORDER = tuple(SubmissionStatus)


class Submission(Base):
    """One authority's copy of a case: a case whose signed version is addressed to several
    authorities has one submission per authority, each with its own status, clocks and bundle,
    and each authority sees only its own."""

    __tablename__ = "submissions"
    __table_args__ = (UniqueConstraint("case_id", "authority_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("group_cases.id", ondelete="CASCADE"))
    version_id: Mapped[int] = mapped_column(ForeignKey("complaint_versions.id"))
    authority_id: Mapped[int] = mapped_column(ForeignKey("authorities.id"), index=True)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    submitted_at: Mapped[datetime] = created_at_column()
    status: Mapped[SubmissionStatus] = mapped_column(
        str_enum(SubmissionStatus), default=SubmissionStatus.SUBMITTED
    )
    #: resolution kind (refund, compensation, ...) or rejection reason code
    outcome: Mapped[str | None] = mapped_column(String(40))
    #: the regulator's note for the latest status (company's answer, reason)
    status_note: Mapped[str] = mapped_column(Text, default="")
    status_updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: SHA-256 of the frozen bundle, once built
    bundle_sha256: Mapped[str | None] = mapped_column(String(64))
    #: the certificate the bundle was encrypted to (CMS EnvelopedData); None: a plain zip
    bundle_certificate_id: Mapped[int | None] = mapped_column(
        ForeignKey("authority_certificates.id")
    )

    case: Mapped[GroupCase] = relationship()
    version: Mapped[PetitionVersion] = relationship()
    authority: Mapped[Authority] = relationship()
    bundle_certificate: Mapped[AuthorityCertificate | None] = relationship()
