"""In-app notifications: what the bell counts and the notifications page lists."""

from __future__ import annotations

from typing import NamedTuple

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload, selectinload

from models import Authority, GroupCase, Notification, User, utcnow
from models.base import DbSession
from services.errors import NotFound

PAGE = 50


def unread_count(session: DbSession, user: User) -> int:
    return (
        session.scalar(
            select(func.count(Notification.id)).where(
                Notification.user_id == user.id, Notification.read_at.is_(None)
            )
        )
        or 0
    )


class Item(NamedTuple):
    notification: Notification
    case: GroupCase | None
    #: the authority the case went to, named in what a notification says happened
    authority: Authority | None


def recent(session: DbSession, user: User) -> list[Item]:
    rows = session.execute(
        select(Notification, GroupCase)
        .outerjoin(GroupCase, GroupCase.id == Notification.case_id)
        .options(joinedload(GroupCase.company), selectinload(GroupCase.submissions))
        .where(Notification.user_id == user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(PAGE)
    ).all()
    named = {
        note.data["authority"]
        for note, _case in rows
        if isinstance(note.data, dict) and isinstance(note.data.get("authority"), str)
    }
    by_slug = {
        authority.slug: authority
        for authority in session.scalars(select(Authority).where(Authority.slug.in_(named)))
    }
    return [Item(note, case, _authority(note, case, by_slug)) for note, case in rows]


def _authority(
    note: Notification, case: GroupCase | None, by_slug: dict[str, Authority]
) -> Authority | None:
    """The authority the notification names (one of several a case went to), else the one
    the case went to first (notifications written before cases had several)."""
    slug = note.data.get("authority") if isinstance(note.data, dict) else None
    if isinstance(slug, str) and slug in by_slug:
        return by_slug[slug]
    if case is not None and case.submissions:
        return case.submissions[0].authority
    return None


def mark_all_read(session: DbSession, user: User) -> None:
    session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )


def dismiss(session: DbSession, user: User, notification_id: int) -> None:
    notification = session.get(Notification, notification_id)
    if notification is None or notification.user_id != user.id:
        raise NotFound(_l("No such notification."))
    session.delete(notification)
