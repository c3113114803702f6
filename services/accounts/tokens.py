"""Single-use links mailed to account holders.

A link carries 32 random bytes; only their SHA-256 is stored, so a copy of the database holds
no working link. A link works once and until it expires: using one spends every other link of
the same purpose for that account, so an older mail cannot be replayed after a newer one was
used.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import delete, select, update

from models import AccountToken, TokenPurpose, User, utcnow
from models.base import DbSession

LIFETIMES = {
    TokenPurpose.VERIFY_EMAIL: timedelta(days=2),
    TokenPurpose.RESET_PASSWORD: timedelta(hours=1),
    TokenPurpose.LOGIN_LINK: timedelta(minutes=15),
}


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue(session: DbSession, user: User, purpose: TokenPurpose) -> str:
    """A new link's secret part; only its hash is kept. The account's links that expired go."""
    session.execute(
        delete(AccountToken).where(
            AccountToken.user_id == user.id, AccountToken.expires_at <= utcnow()
        )
    )
    token = secrets.token_urlsafe(32)
    session.add(
        AccountToken(
            user_id=user.id,
            purpose=purpose,
            token_sha256=digest(token),
            expires_at=utcnow() + LIFETIMES[purpose],
        )
    )
    return token


def valid(session: DbSession, token: str, purpose: TokenPurpose) -> AccountToken | None:
    """The unused, unexpired link ``token`` names for ``purpose``, of an account that may
    still log in; else None."""
    if not token or len(token) > 100:
        return None
    row = session.scalar(
        select(AccountToken).where(
            AccountToken.token_sha256 == digest(token), AccountToken.purpose == purpose
        )
    )
    if row is None or row.used_at is not None or row.expires_at <= utcnow():
        return None
    if not row.user.active or row.user.deleted_at is not None:  # deactivated, or deleted
        return None
    return row


def spend(session: DbSession, row: AccountToken) -> None:
    """Use the link, and with it every other unused link of its kind for the account."""
    session.execute(
        update(AccountToken)
        .where(
            AccountToken.user_id == row.user_id,
            AccountToken.purpose == row.purpose,
            AccountToken.used_at.is_(None),
        )
        .values(used_at=utcnow())
    )
    session.expire(row, ["used_at"])
