"""Evidence contributed to a case. Only anonymized bytes are ever pooled."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, created_at_column, public_id_column, str_enum

if TYPE_CHECKING:
    from models.case import GroupCase, Membership


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


class Evidence(Base):
    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = public_id_column()
    case_id: Mapped[int] = mapped_column(ForeignKey("group_cases.id", ondelete="CASCADE"))
    membership_id: Mapped[int | None] = mapped_column(
        ForeignKey("memberships.id", ondelete="SET NULL")
    )
    #: the contributor's pseudonym, kept when the membership ends so the pool stays readable
    contributor_pseudonym: Mapped[str] = mapped_column(String(16))
    kind: Mapped[EvidenceKind] = mapped_column(str_enum(EvidenceKind))
    status: Mapped[EvidenceStatus] = mapped_column(
        str_enum(EvidenceStatus), default=EvidenceStatus.PROCESSING
    )
    display_name: Mapped[str] = mapped_column(String(255))  #: sanitized, anonymized file name
    media_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    #: storage key (SHA-256) of the anonymized bytes
    sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    #: storage key of the uploaded original; cleared (and the bytes deleted) on confirmation
    original_sha256: Mapped[str | None] = mapped_column(String(64))
    #: what anonymization removed, as counts by type ({"PHONE": 2}); never the values
    removed: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = created_at_column()
    pooled_at: Mapped[datetime | None]
    withdrawn_at: Mapped[datetime | None]

    case: Mapped[GroupCase] = relationship()
    membership: Mapped[Membership | None] = relationship()
