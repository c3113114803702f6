"""Getting back in: a forgotten password, or a login while the account is under attack.

A forgotten password: a link by e-mail, then a new password.

Asking gives the same answer for every address (the caller shows one message; the mail, if
any, leaves after the commit, off the request). The link works once, for an hour. Setting the
new password ends every login of the account, copied cookies included. An account with
two-step verification (every regulator and admin) must also give a code from the app or a
recovery code: a mailbox alone must not open an authority's cases.

Under attack (many failed logins from many clients) the right password alone no longer logs
in: its owner is mailed a login link, so that guessing is pointless and yet nobody can lock
the owner out (see blueprints.auth.throttle).
"""

from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l

from models import TokenPurpose, User, utcnow
from models.base import DbSession
from services import audit
from services.accounts import login_sessions, mail, tokens
from services.accounts import two_factor as second_step
from services.accounts.passwords import hash_password
from services.accounts.registration import LINK_UNUSABLE
from services.accounts.users import find_by_email, record_login
from services.errors import Conflict, DomainError


def request_reset(session: DbSession, email: str) -> None:
    """Mail a reset link when ``email`` names an account that may log in; otherwise nothing
    happens, and the caller answers the same."""
    user = find_by_email(session, email)
    if user is None or not user.active or user.deleted_at is not None:
        return
    send_link(session, user)


def send_link(session: DbSession, user: User) -> None:
    token = tokens.issue(session, user, TokenPurpose.RESET_PASSWORD)
    audit.record(session, "password.reset_requested", user.id, "user", user.id)
    mail.queue(
        session,
        to=user.email,
        locale=user.locale,
        template="password_reset",
        user=user,
        link=url_for("auth.reset_password", token=token, _external=True),
    )


def account_for(session: DbSession, token: str) -> User:
    """The account a reset link is for; :class:`Conflict` when the link cannot be used."""
    row = tokens.valid(session, token, TokenPurpose.RESET_PASSWORD)
    if row is None:
        raise Conflict(LINK_UNUSABLE)
    return row.user


def reset_password(session: DbSession, token: str, new_password: str, code: str) -> User:
    """Set the new password with the link (and the second step where the account has one);
    every login of the account ends, and the caller logs this browser in afresh. The link also
    proves the address."""
    row = tokens.valid(session, token, TokenPurpose.RESET_PASSWORD)
    if row is None:
        raise Conflict(LINK_UNUSABLE)
    user = row.user
    if user.two_factor_enabled and not (code and second_step.verify(session, user, code).ok):
        raise DomainError(
            _l("Enter a code from your authenticator app, or one of your recovery codes."),
            field="code",
        )
    tokens.spend(session, row)
    user.password_hash = hash_password(new_password)
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
    login_sessions.end_all(session, user)
    audit.record(session, "password.reset", user.id, "user", user.id)
    record_login(session, user, second_step="password_reset")
    return user


def send_login_link(session: DbSession, user: User) -> None:
    """Mail a link that finishes a login whose password was right while the account was
    under attack (only then: the caller answers the same whatever the password)."""
    token = tokens.issue(session, user, TokenPurpose.LOGIN_LINK)
    audit.record(session, "login.link_sent", user.id, "user", user.id)
    mail.queue(
        session,
        to=user.email,
        locale=user.locale,
        template="login_link",
        user=user,
        link=url_for("auth.login_link", token=token, _external=True),
    )


def login_link_account(session: DbSession, token: str) -> User:
    """The account a login link is for; :class:`Conflict` when the link cannot be used."""
    row = tokens.valid(session, token, TokenPurpose.LOGIN_LINK)
    if row is None:
        raise Conflict(LINK_UNUSABLE)
    return row.user


def use_login_link(session: DbSession, token: str) -> User:
    """Spend the link; the caller logs the account in, through its second step if it has
    one. The login is recorded here when no second step follows."""
    user = login_link_account(session, token)
    row = tokens.valid(session, token, TokenPurpose.LOGIN_LINK)
    assert row is not None
    tokens.spend(session, row)
    if not user.two_factor_enabled:
        record_login(session, user, second_step="mailed_link")
    return user
