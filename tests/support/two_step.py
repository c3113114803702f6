"""Two-step verification as a person with an authenticator app does it, for tests that log
in regulators and admins (who must have it) without being about it."""

from __future__ import annotations

import time

import pyotp
from sqlalchemy import select

from extensions import db
from models import User
from services.accounts import two_factor
from services.accounts import users as accounts


def current_code(user: User, *, at: float | None = None) -> str:
    secret = two_factor.secret_of(user)
    assert secret, f"user {user.id} has no authenticator secret"
    return pyotp.TOTP(secret).at(time.time() if at is None else at)


def enrol(user: User) -> str:
    """Turn verification on for ``user`` as the setup page does; returns the secret."""
    secret = two_factor.new_secret()
    two_factor.enable(db.session, user, secret, pyotp.TOTP(secret).now())
    db.session.commit()
    return secret


def ready_for_login(email: str) -> User | None:
    """The account behind ``email``, enrolled first when its role requires it (as its owner
    would be on first login). Tests log the same person in many times a minute, and each
    code works once: the replay guard is reset here and proven by its own test."""
    user = accounts.find_by_email(db.session, email)
    if user is None:
        return None
    if two_factor.required_for(user) and not user.two_factor_enabled:
        enrol(user)
    if user.two_factor_enabled:
        user.totp_last_step = None
        db.session.commit()
    return user


def user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == accounts.normalize_email(email)))
