"""Making, checking and revoking a regulator's API tokens."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from models import ApiToken, User, utcnow
from models.base import DbSession
from services import audit
from services.errors import DomainError, NotFound

PREFIX = "chorus_"
NAME_MAX = 80
#: a token is not touched on every request: last use is recorded at most this often (seconds)
LAST_USED_PRECISION = 60


@dataclass(frozen=True)
class NewToken:
    record: ApiToken
    secret: str  #: shown once, never stored


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(session: DbSession, user: User, name: str) -> NewToken:
    if not user.is_regulator:
        raise DomainError(_l("Only regulators can create API tokens."))
    name = name.strip()
    if not name:
        raise DomainError(_l("Give the token a name, e.g. the system that will use it."), "name")
    secret = PREFIX + secrets.token_urlsafe(32)
    record = ApiToken(
        user_id=user.id, name=name[:NAME_MAX], token_sha256=_digest(secret), prefix=secret[:12]
    )
    session.add(record)
    session.flush()
    audit.record(session, "api_token.created", user.id, "api_token", record.id)
    return NewToken(record, secret)


def tokens_of(session: DbSession, user: User) -> list[ApiToken]:
    return list(
        session.scalars(
            select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at.desc())
        )
    )


def revoke(session: DbSession, user: User, token_id: int) -> None:
    record = session.get(ApiToken, token_id)
    if record is None or record.user_id != user.id:
        raise NotFound(_l("No such token."))
    if record.revoked_at is None:
        record.revoked_at = utcnow()
        audit.record(session, "api_token.revoked", user.id, "api_token", record.id)


def user_for(session: DbSession, secret: str) -> User | None:
    """The active regulator a presented token belongs to, or None (unknown, revoked, or the
    account is no longer an active regulator)."""
    if not secret.startswith(PREFIX):
        return None
    record = session.scalar(select(ApiToken).where(ApiToken.token_sha256 == _digest(secret)))
    if record is None or record.revoked_at is not None:
        return None
    user = record.user
    if not user.active or not user.is_regulator or user.authority_id is None:
        return None
    now = utcnow()
    if record.last_used_at is None or (now - record.last_used_at).total_seconds() > (
        LAST_USED_PRECISION
    ):
        record.last_used_at = now
        audit.record(session, "api_token.used", user.id, "api_token", record.id)
        session.commit()
    return user
