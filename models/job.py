"""Background work with visible progress: anonymizing an upload, building a case bundle.

A job row is the one place its state lives, so any worker process (a thread of the web server
by default, a queue worker in production) can run it and any web process can report on it.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, created_at_column, public_id_column, str_enum


class JobStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class Job(Base):
    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_status_heartbeat", "status", "heartbeat_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = public_id_column()
    kind: Mapped[str] = mapped_column(String(40))
    #: the account that asked for the work: the only one who may watch it
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    status: Mapped[JobStatus] = mapped_column(str_enum(JobStatus), default=JobStatus.QUEUED)
    progress: Mapped[int] = mapped_column(default=0)  #: percent, 0..100
    #: a code for the step under way (labels in services.platform.labels.JOB_STEP)
    step: Mapped[str | None] = mapped_column(String(40))
    #: ids the handler needs; never personal data (that lives in storage, deleted with the job)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: the user-facing reason of a failure, in English (translated when shown)
    error: Mapped[str | None] = mapped_column(String(500))
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = created_at_column()
    started_at: Mapped[datetime | None]
    heartbeat_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
