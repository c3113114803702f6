"""Logins kept on the server, so that logging out really ends them.

A signed cookie cannot be taken back: a copy made before logging out (or the remember cookie,
which Flask-Login restores a session from) would work until it expires. So each login gets a
row; the cookies carry ``"<user id>:<random token>"`` and only the token's SHA-256 is stored.
Logging out revokes the row, and every copy of either cookie stops working at once. The
account's session nonce is kept on the row too: changing it (password, role, deletion,
"log out everywhere") ends every login of the account without touching the rows.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.orm import joinedload

from models import LoginSession, User, utcnow
from models.base import DbSession
from models.user import new_session_nonce


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _lifetime(remember: bool) -> timedelta:
    cfg = current_app.config
    seconds = cfg["REMEMBER_COOKIE_DURATION"] if remember else cfg["PERMANENT_SESSION_LIFETIME"]
    return seconds if isinstance(seconds, timedelta) else timedelta(seconds=int(seconds))


def start(session: DbSession, user: User, *, remember: bool) -> str:
    """Record a new login; returns the id for the cookies (shown nowhere else)."""
    token = secrets.token_urlsafe(32)
    # the account's expired logins go as a new one starts: the table stays the size of its use
    session.execute(
        delete(LoginSession).where(
            LoginSession.user_id == user.id, LoginSession.expires_at <= utcnow()
        )
    )
    session.add(
        LoginSession(
            user_id=user.id,
            token_sha256=_digest(token),
            user_nonce=user.session_nonce,
            remember=remember,
            expires_at=utcnow() + _lifetime(remember),
        )
    )
    session.flush()
    return f"{user.id}:{token}"


#: the live-login lookup every logged-in request starts with, its account in the same
#: statement; built once (building a statement costs about as much as running it)
_LOGIN_WITH_ACCOUNT = (
    select(LoginSession)
    .options(joinedload(LoginSession.user, innerjoin=True))
    .where(
        LoginSession.token_sha256 == bindparam("digest"),
        LoginSession.user_id == bindparam("user_id"),
    )
)


def _row(session: DbSession, cookie_id: str) -> LoginSession | None:
    user_id, _, token = cookie_id.partition(":")
    if not user_id.isdigit() or not token:
        return None
    return session.scalar(_LOGIN_WITH_ACCOUNT, {"digest": _digest(token), "user_id": int(user_id)})


def current(session: DbSession, cookie_id: str) -> LoginSession | None:
    """The live login a cookie names: not revoked, not expired, begun under the account's
    present nonce, for an account that may still log in."""
    row = _row(session, cookie_id)
    if row is None or row.revoked_at is not None or row.expires_at <= utcnow():
        return None
    user = row.user
    if user.session_nonce != row.user_nonce or not user.active or user.deleted_at is not None:
        return None
    return row


def load_user(session: DbSession, cookie_id: str) -> User | None:
    """Flask-Login's user loader: the account behind a live login, else nobody."""
    row = current(session, cookie_id)
    return row.user if row is not None else None


def end(session: DbSession, cookie_id: str) -> None:
    """Log out this login, on every browser holding a copy of its cookies."""
    row = _row(session, cookie_id)
    if row is not None and row.revoked_at is None:
        row.revoked_at = utcnow()
        row.totp_pending_secret = None


def end_all(session: DbSession, user: User) -> None:
    """End every login of the account: a new nonce (which every loader checks) and every row
    revoked, so nothing begun before can come back."""
    user.session_nonce = new_session_nonce()
    session.execute(
        update(LoginSession)
        .where(LoginSession.user_id == user.id, LoginSession.revoked_at.is_(None))
        .values(revoked_at=utcnow(), totp_pending_secret=None)
    )
