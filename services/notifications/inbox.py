"""In-app notifications: what the bell counts and the notifications page lists."""

from __future__ import annotations

from typing import NamedTuple

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload

from models import Authority, GroupCase, Notification, Submission, User, utcnow
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
        select(Notification, GroupCase, Authority)
        .outerjoin(GroupCase, GroupCase.id == Notification.case_id)
        .outerjoin(Submission, Submission.case_id == GroupCase.id)
        .outerjoin(Authority, Authority.id == Submission.authority_id)
        .options(joinedload(GroupCase.company))
        .where(Notification.user_id == user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(PAGE)
    ).all()
    return [Item(notification, case, authority) for notification, case, authority in rows]


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
