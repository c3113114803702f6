"""The joint complaint: versions drafted by organizers, and the append-only signature log."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, created_at_column, str_enum

if TYPE_CHECKING:
    from models.authority import Authority
    from models.case import GroupCase, Membership


class PetitionVersion(Base):
    """One saved state of the joint complaint; frozen (hashed) when opened for signing."""

    #: the table keeps its first name, so backups and the migration history stay valid
    __tablename__ = "complaint_versions"
    __table_args__ = (UniqueConstraint("case_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("group_cases.id", ondelete="CASCADE"))
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    authority_id: Mapped[int | None] = mapped_column(ForeignKey("authorities.id"))
    facts: Mapped[str] = mapped_column(Text, default="")
    demands: Mapped[str] = mapped_column(Text, default="")
    body_md: Mapped[str] = mapped_column(Text, default="")
    author_membership_id: Mapped[int | None] = mapped_column(
        ForeignKey("memberships.id", ondelete="SET NULL")
    )
    #: kept so the history stays readable after the author leaves
    author_pseudonym: Mapped[str] = mapped_column(String(16), default="", server_default="")
    created_at: Mapped[datetime] = created_at_column()
    #: set when opened for signing: SHA-256 of the canonical text, what signers sign
    content_sha256: Mapped[str | None] = mapped_column(String(64))
    opened_at: Mapped[datetime | None]
    superseded_at: Mapped[datetime | None]
    #: members who currently sign this version, kept by each entry of the signature log so
    #: nobody has to group the whole log to count them
    signature_count: Mapped[int] = mapped_column(default=0, server_default="0")

    case: Mapped[GroupCase] = relationship()
    authority: Mapped[Authority | None] = relationship()
    #: the other authorities the same text goes to, when the case spans several (a wallet's
    #: balance at the central bank, its linked bank card at the banking regulator)
    also_to: Mapped[list[Authority]] = relationship(
        secondary="version_addressees", order_by="Authority.id"
    )
    author: Mapped[Membership | None] = relationship()

    @property
    def addressees(self) -> list[Authority]:
        """Every authority this version is addressed to, the first one first."""
        return ([self.authority] if self.authority else []) + [
            other for other in self.also_to if other.id != self.authority_id
        ]


class VersionAddressee(Base):
    """An authority a version is addressed to besides its first one (``PetitionVersion.also_to``).
    Part of the signed text: frozen with the version when it opens for signing."""

    __tablename__ = "version_addressees"

    version_id: Mapped[int] = mapped_column(
        ForeignKey("complaint_versions.id", ondelete="CASCADE"), primary_key=True
    )
    authority_id: Mapped[int] = mapped_column(ForeignKey("authorities.id"), primary_key=True)


class SignatureAction(enum.StrEnum):
    SIGN = "sign"
    WITHDRAW = "withdraw"


class SignatureEntry(Base):
    """One line of a case's signature log. Rows are never updated or deleted: a withdrawal is
    a new entry, and each entry hashes the one before, so tampering breaks the chain."""

    __tablename__ = "signature_entries"
    __table_args__ = (
        UniqueConstraint("case_id", "seq"),
        #: a member's latest entry on a version, found without reading anyone else's
        Index("ix_signature_entries_member_version", "version_id", "membership_id", "seq"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("group_cases.id", ondelete="CASCADE"))
    #: position in the case's chain, from 1; the unique constraint serializes concurrent signers
    seq: Mapped[int]
    version_id: Mapped[int] = mapped_column(ForeignKey("complaint_versions.id"))
    membership_id: Mapped[int | None] = mapped_column(
        ForeignKey("memberships.id", ondelete="SET NULL")
    )
    #: copied so the log stays readable and verifiable after a member leaves
    pseudonym: Mapped[str] = mapped_column(String(16))
    action: Mapped[SignatureAction] = mapped_column(str_enum(SignatureAction))
    #: the signer lets the authority see their name and contact
    share_identity: Mapped[bool] = mapped_column(default=False)
    facts_confirmed: Mapped[bool] = mapped_column(default=False)
    version_sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = created_at_column()
    prev_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64), unique=True)

    version: Mapped[PetitionVersion] = relationship()
    membership: Mapped[Membership | None] = relationship()


class CaseComment(Base):
    """A member's message in the case's discussion of the draft; shown under a pseudonym."""

    __tablename__ = "case_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(
        ForeignKey("group_cases.id", ondelete="CASCADE"), index=True
    )
    membership_id: Mapped[int | None] = mapped_column(
        ForeignKey("memberships.id", ondelete="SET NULL")
    )
    pseudonym: Mapped[str] = mapped_column(String(16))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at_column()
