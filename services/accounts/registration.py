"""Registering without telling anyone who has an account.

On this platform having an account means having complained, so the registration form answers
the same, in the same time, for every address: the password is hashed, one link row and one
audit row are written and one e-mail is queued (sent after the commit, off the request) in
every branch. An unknown address gets an account waiting for confirmation and a link to
confirm it; an address with an account gets a mail saying so, with a link to set a new
password in case that is why its owner tried to register again.

Confirming asks for the password chosen at registration as well as the link: whoever
registered somebody else's address cannot have the owner activate an account whose password
the registrant knows.
"""

from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import null

from models import TokenPurpose, User, UserRole, utcnow
from models.base import DbSession
from services import audit
from services.accounts import mail, tokens
from services.accounts.passwords import hash_password, verify_password
from services.accounts.users import find_by_email, normalize_email, record_login
from services.errors import Conflict, DomainError

LINK_UNUSABLE = _l("This link has expired or was already used. Ask for a new one.")


def register(
    session: DbSession,
    *,
    email: str,
    display_name: str,
    password: str,
    locale: str | None,
    time_zone: str | None = None,
) -> None:
    """Start an account for ``email``, or tell its owner they have one; the caller shows the
    same page either way. ``time_zone`` is the registering browser's (already validated)."""
    email = normalize_email(email)
    password_hash = hash_password(password)  # in every branch: the same time
    user = find_by_email(session, email)
    if user is not None and user.email_verified_at is not None:
        token = tokens.issue(session, user, TokenPurpose.RESET_PASSWORD)
        audit.record(session, "registration.known_address", user.id, "user", user.id)
        mail.queue(
            session,
            to=user.email,
            locale=user.locale or locale,
            template="account_exists",
            user=user,
            login_link=url_for("auth.login", _external=True),
            reset_link=url_for("auth.reset_password", token=token, _external=True),
        )
        return
    if user is None:
        # NULL in the INSERT itself: None would let the column's default (confirmed) fire
        user = User(email=email, role=UserRole.MEMBER, email_verified_at=null())
        session.add(user)
    # a registration still waiting for confirmation is replaced by the newest: an address
    # someone else registered first stays the owner's to take
    user.display_name = display_name.strip()
    user.password_hash = password_hash
    user.locale = locale
    user.time_zone = time_zone
    session.flush()
    send_confirmation(session, user)
    audit.record(session, "account.created", user.id, "user", user.id, role=user.role.value)


def send_confirmation(session: DbSession, user: User) -> None:
    """A new link to confirm the address (older ones keep working until used or expired)."""
    token = tokens.issue(session, user, TokenPurpose.VERIFY_EMAIL)
    mail.queue(
        session,
        to=user.email,
        locale=user.locale,
        template="account_confirm",
        user=user,
        link=url_for("auth.confirm_email", token=token, _external=True),
    )


def pending_confirmation(session: DbSession, token: str) -> User:
    """The account a confirmation link is for; :class:`Conflict` when it cannot be used."""
    row = tokens.valid(session, token, TokenPurpose.VERIFY_EMAIL)
    if row is None:
        raise Conflict(LINK_UNUSABLE)
    return row.user


def confirm(session: DbSession, token: str, password: str) -> User:
    """Confirm the address with the link and the password chosen at registration; the caller
    then logs the account in."""
    row = tokens.valid(session, token, TokenPurpose.VERIFY_EMAIL)
    if row is None:
        raise Conflict(LINK_UNUSABLE)
    user = row.user
    if not verify_password(user.password_hash, password):
        audit.record(session, "email.confirmation_failed", user.id, "user", user.id)
        raise DomainError(_l("The password is not correct."), field="password")
    tokens.spend(session, row)
    user.email_verified_at = utcnow()
    audit.record(session, "email.confirmed", user.id, "user", user.id)
    record_login(session, user)
    return user
