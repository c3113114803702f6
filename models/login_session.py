"""Server-side records of logins and of the single-use links mailed to account holders."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, UTCDateTime, created_at_column, str_enum

if TYPE_CHECKING:
    from models.user import User


class LoginSession(Base):
    """One login on one browser. The session cookie and the remember cookie carry a random
    token whose SHA-256 is kept here, so logging out (revoking the row) ends that login for
    every copy of either cookie; a signed cookie alone can never be taken back."""

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    #: the account's session nonce when the login began: a later change ends this login too
    user_nonce: Mapped[str] = mapped_column(String(32))
    remember: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = created_at_column()
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None]
    #: the authenticator secret being enrolled on this login, sealed like the enrolled one
    totp_pending_secret: Mapped[str | None] = mapped_column(String(255))

    user: Mapped[User] = relationship()


class TokenPurpose(enum.StrEnum):
    VERIFY_EMAIL = "verify_email"
    RESET_PASSWORD = "reset_password"  # noqa: S105 - a purpose, not a password
    LOGIN_LINK = "login_link"


class AccountToken(Base):
    """A link mailed to an account holder: confirming the address, resetting the password, or
    finishing a login while the account is under attack. Only a hash is kept; a link works
    until it expires or is used, whichever is first."""

    __tablename__ = "account_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[TokenPurpose] = mapped_column(str_enum(TokenPurpose))
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = created_at_column()
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()
