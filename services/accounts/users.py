"""Registering, authenticating and managing accounts."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from models import Authority, User, UserRole, utcnow
from models.base import DbSession
from services import audit
from services.accounts import login_sessions
from services.accounts.passwords import (
    burn_verification_time,
    hash_password,
    needs_rehash,
    verify_password,
)
from services.errors import Conflict, DomainError

PASSWORD_MIN = 10
PASSWORD_MAX = 200


def normalize_email(email: str) -> str:
    return email.strip().lower()


def find_by_email(session: DbSession, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == normalize_email(email)))


def create_user(
    session: DbSession,
    *,
    email: str,
    display_name: str,
    password: str,
    role: UserRole = UserRole.MEMBER,
    authority: Authority | None = None,
    locale: str | None = None,
    actor_user_id: int | None = None,
    verified: bool = True,
) -> User:
    """Create an account. Raises :class:`Conflict` when the e-mail is taken and
    :class:`DomainError` when a regulator has no authority (or anyone else has one).

    Accounts made by an operator (command line, demo) count as having a confirmed address;
    registration on the site passes ``verified=False`` and mails a link instead."""
    email = normalize_email(email)
    if session.scalar(select(func.count()).where(User.email == email)):
        raise Conflict(_l("An account with this e-mail address already exists."), field="email")
    if (role is UserRole.REGULATOR) != (authority is not None):
        raise DomainError(
            _l("A regulator must belong to exactly one authority."), field="authority"
        )
    user = User(
        email=email,
        display_name=display_name.strip(),
        password_hash=hash_password(password),
        role=role,
        authority=authority,
        locale=locale,
        email_verified_at=utcnow() if verified else None,
    )
    session.add(user)
    session.flush()
    audit.record(
        session, "account.created", actor_user_id or user.id, "user", user.id, role=role.value
    )
    return user


def authenticate(
    session: DbSession, email: str, password: str, *, finishing: bool = True
) -> User | None:
    """The user when e-mail and password match an active account, else None. An account
    whose address is not confirmed yet is returned too, and must not be logged in.

    Unknown e-mails cost a full hash verification too, so timing does not reveal accounts.
    ``finishing=False``: the password alone will not log in (a mailed link must follow).
    """
    user = find_by_email(session, email)
    if user is None:
        burn_verification_time(password)
        audit.record(session, "login.failed", None)
        return None
    if not verify_password(user.password_hash, password) or not user.active:
        audit.record(session, "login.failed", user.id, "user", user.id)
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    if user.email_verified_at is None:  # the caller mails a new link; nobody is logged in
        audit.record(session, "login.unconfirmed", user.id, "user", user.id)
    elif user.two_factor_enabled or not finishing:  # half-way: a second step completes it
        audit.record(session, "login.password_accepted", user.id, "user", user.id)
    else:
        record_login(session, user)
    return user


def record_login(session: DbSession, user: User, **data: str) -> None:
    user.last_login_at = utcnow()
    audit.record(session, "login.succeeded", user.id, "user", user.id, **data)


def change_password(session: DbSession, user: User, current: str, new: str) -> None:
    """Replace the password and end every login of this user (the caller starts a new one
    for the browser that changed it)."""
    if not verify_password(user.password_hash, current):
        raise DomainError(_l("The current password is not correct."), field="current_password")
    user.password_hash = hash_password(new)
    login_sessions.end_all(session, user)
    audit.record(session, "password.changed", user.id, "user", user.id)


def end_every_session(session: DbSession, user: User) -> None:
    """Log the account out on every device, this one included: for a lost phone or a shared
    computer. Copies of the login cookies stop working too: their rows are revoked."""
    login_sessions.end_all(session, user)
    audit.record(session, "sessions.ended", user.id, "user", user.id)


def load_user(session: DbSession, user_id: int) -> User | None:
    """An account by its row id (the half-way state of a two-step login names it so)."""
    return session.get(User, user_id)
