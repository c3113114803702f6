"""Reading the security audit log: filtered, newest first, one page at a time, or all as CSV.

Pages go by id (keyset), not by offset: the log only grows, and while an admin reads page three
new events arrive at the top, which would shift an offset page and show rows twice. "Older than
id N" stays put however much is added.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date
from typing import Any

from sqlalchemy import Select, select

from models import AuditEvent, User, UserRole
from models.base import DbSession
from services import audit
from services.platform.day_range import within_days
from services.platform.spreadsheet import neutralize

PAGE_SIZE = 50
#: rows read per query while exporting: the export streams, whatever the log's size
EXPORT_CHUNK = 1000
CSV_COLUMNS = (
    "id",
    "time_utc",
    "actor_id",
    "actor_role",
    "action",
    "target_type",
    "target_id",
    "data",
)


@dataclass(frozen=True)
class AuditFilters:
    action: str | None = None
    actor_id: int | None = None
    target_type: str | None = None
    target_id: str | None = None
    since: date | None = None  #: first UTC day included
    until: date | None = None  #: last UTC day included
    before_id: int | None = None  #: keyset cursor: only events older than this one


@dataclass(frozen=True)
class AuditRow:
    id: int
    time: str  #: ISO 8601, UTC, to the second
    actor_id: int | None
    actor_role: str | None  #: None for no actor, or an account that no longer exists
    action: str
    target_type: str | None
    target_id: str | None
    data: str  #: "key=value key=value", keys sorted


@dataclass(frozen=True)
class AuditPage:
    rows: list[AuditRow]
    #: the cursor for the next, older page; None on the last page
    older_than: int | None


def known_actions(session: DbSession) -> list[str]:
    """Every action the log holds, for the filter's choices."""
    return list(session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)))


def known_target_types(session: DbSession) -> list[str]:
    return list(
        session.scalars(
            select(AuditEvent.target_type)
            .where(AuditEvent.target_type.is_not(None))
            .distinct()
            .order_by(AuditEvent.target_type)
        )
    )


def _filtered(filters: AuditFilters) -> Select[AuditEvent]:
    stmt = select(AuditEvent)
    if filters.action:
        stmt = stmt.where(AuditEvent.action == filters.action)
    if filters.actor_id is not None:
        stmt = stmt.where(AuditEvent.actor_user_id == filters.actor_id)
    if filters.target_type:
        stmt = stmt.where(AuditEvent.target_type == filters.target_type)
    if filters.target_id:
        stmt = stmt.where(AuditEvent.target_id == filters.target_id)
    stmt = stmt.where(*within_days(AuditEvent.created_at, filters.since, filters.until))
    if filters.before_id is not None:
        stmt = stmt.where(AuditEvent.id < filters.before_id)
    return stmt.order_by(AuditEvent.id.desc())


def page(session: DbSession, filters: AuditFilters, size: int = PAGE_SIZE) -> AuditPage:
    """Up to ``size`` events matching ``filters``, newest first (two queries: events, roles)."""
    events = list(session.scalars(_filtered(filters).limit(size + 1)))
    shown = events[:size]
    older_than = shown[-1].id if len(events) > size else None
    return AuditPage(rows=_rows(session, shown), older_than=older_than)


def _rows(session: DbSession, events: Sequence[AuditEvent]) -> list[AuditRow]:
    """Events as shown, each actor's role looked up once per batch: a role is no personal data,
    and it tells an admin at a glance whether a regulator or a member acted."""
    actor_ids = {e.actor_user_id for e in events if e.actor_user_id is not None}
    roles: dict[int | None, UserRole] = {}
    if actor_ids:
        rows = session.execute(select(User.id, User.role).where(User.id.in_(actor_ids)))
        roles = {user_id: role for user_id, role in rows}  # noqa: C416 - Row to pair
    return [
        AuditRow(
            id=event.id,
            time=event.created_at.astimezone(UTC).isoformat(timespec="seconds"),
            actor_id=event.actor_user_id,
            actor_role=role.value if (role := roles.get(event.actor_user_id)) else None,
            action=event.action,
            target_type=event.target_type,
            target_id=event.target_id,
            data=render_data(event.data),
        )
        for event in events
    ]


def render_data(data: dict[str, Any] | None) -> str:
    fields = data or {}
    return " ".join(f"{key}={_value(fields[key])}" for key in sorted(fields))


def _value(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def export_rows(session: DbSession, filters: AuditFilters) -> Iterator[AuditRow]:
    """Every event matching ``filters``, newest first, read in chunks by id."""
    cursor = filters
    while True:
        chunk = list(session.scalars(_filtered(cursor).limit(EXPORT_CHUNK)))
        yield from _rows(session, chunk)
        if len(chunk) < EXPORT_CHUNK:
            return
        cursor = replace(filters, before_id=chunk[-1].id)


def start_export(session: DbSession, actor_user_id: int, filters: AuditFilters) -> AuditFilters:
    """Record that ``actor_user_id`` exports the log, and return the filters of the export: the
    log as it stood when asked, without the export's own record or anything after it."""
    event = audit.record(session, "audit.exported", actor_user_id)
    session.flush()
    cursor = event.id if filters.before_id is None else min(filters.before_id, event.id)
    return replace(filters, before_id=cursor)


def export_csv(session: DbSession, filters: AuditFilters) -> Iterator[str]:
    """The filtered log as CSV text, a header then one line per event. Every cell is
    formula-neutralized: an action or a target id is data, never a spreadsheet formula."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def line(cells: Sequence[object]) -> str:
        writer.writerow([neutralize("" if cell is None else str(cell)) for cell in cells])
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    yield line(CSV_COLUMNS)
    for row in export_rows(session, filters):
        yield line(
            (
                row.id,
                row.time,
                row.actor_id,
                row.actor_role,
                row.action,
                row.target_type,
                row.target_id,
                row.data,
            )
        )
