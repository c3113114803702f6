"""Two logs: the case timeline members read, and the security audit log admins read."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, created_at_column, str_enum


class CaseEventKind(enum.StrEnum):
    CREATED = "created"
    MEMBER_JOINED = "member_joined"
    MEMBER_LEFT = "member_left"
    EVIDENCE_POOLED = "evidence_pooled"
    EVIDENCE_WITHDRAWN = "evidence_withdrawn"
    VERSION_SAVED = "version_saved"
    SIGNING_OPENED = "signing_opened"
    SIGNED = "signed"
    SIGNATURE_WITHDRAWN = "signature_withdrawn"
    SUBMITTED = "submitted"
    STATUS_CHANGED = "status_changed"
    ORGANIZER_CHANGED = "organizer_changed"
    OPENED_TO_COMPANY = "opened_to_company"
    COMPANY_ANSWERED = "company_answered"
    #: a member disputes their outcome: on the authority's timeline only
    OUTCOME_DISPUTED = "outcome_disputed"
    #: another case of the same issue merged into this one (services.cases.merging)
    CASES_MERGED = "cases_merged"


class CaseEvent(Base):
    """A timeline entry. ``data`` holds pseudonyms and figures, never identities."""

    __tablename__ = "case_events"
    __table_args__ = (Index("ix_case_events_case_created", "case_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("group_cases.id", ondelete="CASCADE"))
    kind: Mapped[CaseEventKind] = mapped_column(str_enum(CaseEventKind, length=32))
    #: pseudonym of the member who acted, or None for the authority or the platform
    actor_pseudonym: Mapped[str | None] = mapped_column(String(16))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = created_at_column()


class AuditEvent(Base):
    """Security-relevant actions. Account ids only: no e-mail, name or address in here."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_user_id: Mapped[int | None] = mapped_column(index=True)  #: no FK: outlives accounts
    action: Mapped[str] = mapped_column(String(60), index=True)
    target_type: Mapped[str | None] = mapped_column(String(40))
    target_id: Mapped[str | None] = mapped_column(String(40))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = created_at_column()
