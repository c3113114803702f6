"""The X.509 certificates an authority registers so that its case bundles are encrypted to it."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, created_at_column

if TYPE_CHECKING:
    from models.authority import Authority


class AuthorityCertificate(Base):
    """One registered certificate. Rows are never deleted: the newest one of an authority is the
    one new bundles are encrypted to, and the older ones stay as the record of which key opens
    each earlier bundle (a submission names the certificate its bundle was made for)."""

    __tablename__ = "authority_certificates"
    __table_args__ = (UniqueConstraint("authority_id", "fingerprint_sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    authority_id: Mapped[int] = mapped_column(
        ForeignKey("authorities.id", ondelete="CASCADE"), index=True
    )
    #: SHA-256 of the DER certificate, lowercase hex: what the authority reads out to compare
    fingerprint_sha256: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(Text)  #: RFC 4514 string
    issuer: Mapped[str] = mapped_column(Text)
    serial_number: Mapped[str] = mapped_column(String(64))  #: hex
    not_before: Mapped[datetime]
    not_after: Mapped[datetime]
    der: Mapped[bytes] = mapped_column(LargeBinary)
    registered_at: Mapped[datetime] = created_at_column()
    #: set when the authority says the key is compromised or retired: no bundle is made for it
    revoked_at: Mapped[datetime | None]

    authority: Mapped[Authority] = relationship()

    @property
    def fingerprint(self) -> str:
        """``AB:CD:...``, the way ``openssl x509 -fingerprint -sha256`` prints it."""
        text = self.fingerprint_sha256.upper()
        return ":".join(text[i : i + 2] for i in range(0, len(text), 2))

    def __repr__(self) -> str:
        return f"<AuthorityCertificate {self.fingerprint_sha256[:16]}>"
