"""Append to the security audit log. Callers pass ids, never e-mails, names or addresses."""

from __future__ import annotations

from typing import Any

from models import AuditEvent
from models.base import DbSession


def record(
    session: DbSession,
    action: str,
    actor_user_id: int | None,
    target_type: str | None = None,
    target_id: object | None = None,
    **data: Any,
) -> AuditEvent:
    event = AuditEvent(
        action=action,
        actor_user_id=actor_user_id,
        target_type=target_type,
        target_id=None if target_id is None else str(target_id),
        data=data,
    )
    session.add(event)
    return event
