"""Accounts. A member's identity is private: other people only ever see per-case pseudonyms."""

from __future__ import annotations

import enum
import secrets
from datetime import datetime
from typing import TYPE_CHECKING

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, created_at_column, str_enum, utcnow

if TYPE_CHECKING:
    from models.authority import Authority


class UserRole(enum.StrEnum):
    MEMBER = "member"
    REGULATOR = "regulator"
    ADMIN = "admin"
    #: speaks for one company (models.respondent.CompanyRespondent)
    RESPONDENT = "respondent"


def new_session_nonce() -> str:
    return secrets.token_hex(8)


# Flask-Login ships no types: to mypy its UserMixin is Any
class User(UserMixin, Base):  # type: ignore[misc]
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  #: stored lower-cased
    display_name: Mapped[str] = mapped_column(String(80))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[UserRole] = mapped_column(str_enum(UserRole), default=UserRole.MEMBER)
    #: regulators belong to exactly one authority; everyone else to none
    authority_id: Mapped[int | None] = mapped_column(ForeignKey("authorities.id"))
    locale: Mapped[str | None] = mapped_column(String(8))
    #: IANA zone the account reads its times in (services.platform.time_zones); None: the
    #: browser's, as its cookie says
    time_zone: Mapped[str | None] = mapped_column(String(64))
    #: copied onto each login (models.login_session): changing it ends every login at once
    session_nonce: Mapped[str] = mapped_column(String(32), default=new_session_nonce)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = created_at_column()
    last_login_at: Mapped[datetime | None]
    #: the authenticator secret, encrypted with a key derived from SECRET_KEY
    #: (services.accounts.two_factor)
    totp_secret: Mapped[str | None] = mapped_column(String(255))
    totp_enabled_at: Mapped[datetime | None]
    #: the last 30-second step accepted: a code seen once is refused after (replay)
    totp_last_step: Mapped[int | None]
    #: set when the member deleted their account; the row stays as a tombstone without identity
    deleted_at: Mapped[datetime | None]
    #: when the owner proved the address is theirs. Accounts made by an operator (command line,
    #: demo, benchmarks) count as proven from the start; registering on the site sets None, and
    #: such an account cannot log in until its owner follows the mailed link
    email_verified_at: Mapped[datetime | None] = mapped_column(default=utcnow)

    authority: Mapped[Authority | None] = relationship(back_populates="regulators")
    recovery_codes: Mapped[list[RecoveryCode]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_regulator(self) -> bool:
        return self.role is UserRole.REGULATOR

    @property
    def is_admin(self) -> bool:
        return self.role is UserRole.ADMIN

    @property
    def is_respondent(self) -> bool:
        return self.role is UserRole.RESPONDENT

    @property
    def two_factor_enabled(self) -> bool:
        return self.totp_enabled_at is not None

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role.value}>"


class RecoveryCode(Base):
    """One-time codes for when the authenticator is lost. Only a hash is kept: the codes are
    random and long enough that a fast hash is safe, like API tokens."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_sha256: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(back_populates="recovery_codes")
