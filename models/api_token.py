"""API tokens: how a regulator's own systems fetch cases and bundles without a browser."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, created_at_column

if TYPE_CHECKING:
    from models.user import User


class ApiToken(Base):
    """Only a hash of the token is kept: a leaked database does not leak working tokens. The
    token itself is shown once, when it is made."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    #: SHA-256 of the whole token (tokens are long and random: no salt or slow hash needed)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    #: the first characters, to tell tokens apart in the list
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = created_at_column()
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()

    @property
    def active(self) -> bool:
        return self.revoked_at is None
