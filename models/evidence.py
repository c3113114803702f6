"""Evidence contributed to a case. Only anonymized bytes are ever pooled."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, created_at_column, public_id_column, str_enum

if TYPE_CHECKING:
    from models.case import GroupCase, Membership
    from models.job import Job
    from models.user import User


class EvidenceKind(enum.StrEnum):
    IMAGE = "image"
    PDF = "pdf"
    TEXT = "text"
    CSV = "csv"


class EvidenceStatus(enum.StrEnum):
    PROCESSING = "processing"  #: anonymization job running
    PREVIEW = "preview"  #: anonymized, waiting for the contributor to confirm
    POOLED = "pooled"  #: visible to the case; the original is gone
    WITHDRAWN = "withdrawn"
    FAILED = "failed"


#: the contributor still holds the item: its original and working files exist
UNCONFIRMED_STATUSES = frozenset(
    {EvidenceStatus.PROCESSING, EvidenceStatus.PREVIEW, EvidenceStatus.FAILED}
)


class Evidence(Base):
    __tablename__ = "evidence"
    __table_args__ = (Index("ix_evidence_case_status", "case_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = public_id_column()
    case_id: Mapped[int] = mapped_column(ForeignKey("group_cases.id", ondelete="CASCADE"))
    membership_id: Mapped[int | None] = mapped_column(
        ForeignKey("memberships.id", ondelete="SET NULL")
    )
    #: who uploaded it; only they see it before it is pooled (no FK cascade: the pool outlives)
    contributor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    #: the contributor's pseudonym, kept when the membership ends so the pool stays readable
    contributor_pseudonym: Mapped[str] = mapped_column(String(16))
    kind: Mapped[EvidenceKind] = mapped_column(str_enum(EvidenceKind))
    status: Mapped[EvidenceStatus] = mapped_column(
        str_enum(EvidenceStatus), default=EvidenceStatus.PROCESSING
    )
    display_name: Mapped[str] = mapped_column(String(255))  #: cleaned, anonymized file name
    #: media type of the pooled bytes (a JPEG stays a JPEG; a WebP becomes a PNG)
    media_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(BigInteger, default=0)  #: of the pooled bytes
    #: size of the upload, counted against the contributor's allowance on this case
    original_size: Mapped[int] = mapped_column(BigInteger, default=0)
    #: storage key (SHA-256) of the anonymized bytes: what is previewed, pooled and bundled
    sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    #: what anonymization removed, as counts by type ({"PHONE": 2}); never the values
    removed: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    page_count: Mapped[int] = mapped_column(default=1)
    #: the contributor's choices: black-out boxes per page, CSV column actions (no values)
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: why anonymization failed, in English (translated when shown)
    error: Mapped[str | None] = mapped_column(String(500))
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = created_at_column()
    pooled_at: Mapped[datetime | None]
    withdrawn_at: Mapped[datetime | None]

    case: Mapped[GroupCase] = relationship()
    membership: Mapped[Membership | None] = relationship()
    contributor: Mapped[User | None] = relationship()
    job: Mapped[Job | None] = relationship()
    files: Mapped[list[EvidenceFile]] = relationship(
        back_populates="evidence", cascade="all, delete-orphan", order_by="EvidenceFile.id"
    )


class FileRole(enum.StrEnum):
    """Stored files that belong to one evidence item besides its pooled bytes."""

    ORIGINAL = "original"  #: the upload itself; deleted on confirmation or after 24 hours
    WORK_PAGE = "work_page"  #: a page cleaned of metadata but not yet blacked out
    OCR = "ocr"  #: words read on the pages, with their boxes (JSON)
    TERMS = "terms"  #: the words the contributor asked to remove (JSON)
    PAGE = "page"  #: a page exactly as pooled, as an image (PDF previews)
    THUMBNAIL = "thumbnail"


#: roles that hold personal data: removed the moment the item is pooled, discarded or expires
PRIVATE_ROLES = frozenset({FileRole.ORIGINAL, FileRole.WORK_PAGE, FileRole.OCR, FileRole.TERMS})


class EvidenceFile(Base):
    """A stored file one evidence item refers to. Storage is content-addressed and shared, so
    these rows are the reference counts: a key is deleted from storage only when no row (and no
    pooled item) names it any more."""

    __tablename__ = "evidence_files"
    __table_args__ = (UniqueConstraint("evidence_id", "role", "page"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    evidence_id: Mapped[int] = mapped_column(ForeignKey("evidence.id", ondelete="CASCADE"))
    role: Mapped[FileRole] = mapped_column(str_enum(FileRole))
    page: Mapped[int] = mapped_column(default=0)
    key: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    media_type: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = created_at_column()

    evidence: Mapped[Evidence] = relationship(back_populates="files")
