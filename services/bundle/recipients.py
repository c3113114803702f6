"""The certificates an authority registers so that only it can open its case bundles.

An authority hands over an X.509 certificate (PEM or DER); an operator registers it on the
command line after comparing its SHA-256 fingerprint with the one the authority reads out by
another channel. It is checked before it is kept: an RSA key of at least 2048 bits (the key
transport every CMS reader accepts), valid today, not a CA, and, when the certificate limits
its use, allowed to encipher keys and to protect e-mail (S/MIME, RFC 8550).

Rotation: the newest certificate is the one every bundle built from then on is encrypted to;
the older ones are kept, and each submission names the certificate its bundle was made for,
so a bundle built before the rotation still says which key opens it. A revoked or expired
newest certificate is never skipped for an older one (a key is usually replaced because it can
no longer be trusted): the case cannot be submitted until the authority registers a new one.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import ExtendedKeyUsageOID
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from models import Authority, AuthorityCertificate, utcnow
from models.base import DbSession
from services.errors import Conflict, DomainError, NotFound
from services.platform.i18n import localized

MIN_RSA_BITS = 2048
#: what an S/MIME recipient's certificate may list as its extended use (RFC 8550 4.4.4)
_EMAIL_USES = {ExtendedKeyUsageOID.EMAIL_PROTECTION, ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE}


class CertificateRefused(DomainError):
    """The certificate cannot receive bundles; the message says why."""


def parse(data: bytes) -> x509.Certificate:
    """One certificate from PEM or DER bytes."""
    try:
        if b"-----BEGIN" in data:
            return x509.load_pem_x509_certificate(data)
        return x509.load_der_x509_certificate(data)
    except ValueError as error:
        raise CertificateRefused(
            "This file is not an X.509 certificate (PEM or DER) that can be read."
        ) from error


def fingerprint_of(certificate: x509.Certificate) -> str:
    """SHA-256 of the DER encoding, lowercase hex."""
    return hashlib.sha256(certificate.public_bytes(Encoding.DER)).hexdigest()


def check(certificate: x509.Certificate, now: datetime | None = None) -> None:
    """Refuse a certificate no bundle should be encrypted to, naming the reason."""
    now = now or utcnow()
    key = certificate.public_key()
    if not isinstance(key, rsa.RSAPublicKey):
        raise CertificateRefused("The certificate's key must be RSA (CMS key transport).")
    if key.key_size < MIN_RSA_BITS:
        raise CertificateRefused(
            f"The certificate's RSA key has {key.key_size} bits; at least {MIN_RSA_BITS} needed."
        )
    if now < certificate.not_valid_before_utc:
        raise CertificateRefused(
            f"The certificate is not valid before {certificate.not_valid_before_utc:%Y-%m-%d}."
        )
    if now >= certificate.not_valid_after_utc:
        raise CertificateRefused(
            f"The certificate expired on {certificate.not_valid_after_utc:%Y-%m-%d}."
        )
    extensions = certificate.extensions
    try:
        if extensions.get_extension_for_class(x509.BasicConstraints).value.ca:
            raise CertificateRefused("This is a CA certificate, not the authority's own.")
    except x509.ExtensionNotFound:
        pass
    try:
        usage = extensions.get_extension_for_class(x509.KeyUsage).value
        if not usage.key_encipherment:
            raise CertificateRefused(
                "The certificate's key usage does not allow key encipherment, so it cannot "
                "receive encrypted bundles."
            )
    except x509.ExtensionNotFound:
        pass
    try:
        uses = set(extensions.get_extension_for_class(x509.ExtendedKeyUsage).value)
        if not uses & _EMAIL_USES:
            raise CertificateRefused(
                "The certificate's extended key usage does not include e-mail protection (S/MIME)."
            )
    except x509.ExtensionNotFound:
        pass


def register(session: DbSession, authority: Authority, data: bytes) -> AuthorityCertificate:
    """Keep ``data`` (PEM or DER) as ``authority``'s newest certificate, after :func:`check`."""
    certificate = parse(data)
    check(certificate)
    fingerprint = fingerprint_of(certificate)
    known = session.scalar(
        select(AuthorityCertificate).where(
            AuthorityCertificate.authority_id == authority.id,
            AuthorityCertificate.fingerprint_sha256 == fingerprint,
        )
    )
    if known is not None:
        raise Conflict(f"This certificate is already registered for {authority.slug}.")
    row = AuthorityCertificate(
        authority_id=authority.id,
        fingerprint_sha256=fingerprint,
        subject=certificate.subject.rfc4514_string(),
        issuer=certificate.issuer.rfc4514_string(),
        serial_number=format(certificate.serial_number, "x"),
        not_before=certificate.not_valid_before_utc,
        not_after=certificate.not_valid_after_utc,
        der=certificate.public_bytes(Encoding.DER),
        registered_at=utcnow(),
    )
    session.add(row)
    session.flush()
    return row


def history(session: DbSession, authority_id: int) -> list[AuthorityCertificate]:
    """Every certificate the authority registered, newest first."""
    return list(
        session.scalars(
            select(AuthorityCertificate)
            .where(AuthorityCertificate.authority_id == authority_id)
            .order_by(AuthorityCertificate.registered_at.desc(), AuthorityCertificate.id.desc())
        )
    )


def newest(session: DbSession, authority_id: int) -> AuthorityCertificate | None:
    """The certificate new bundles are for, usable or not."""
    return session.scalar(
        select(AuthorityCertificate)
        .where(AuthorityCertificate.authority_id == authority_id)
        .order_by(AuthorityCertificate.registered_at.desc(), AuthorityCertificate.id.desc())
        .limit(1)
    )


def find(session: DbSession, fingerprint: str) -> AuthorityCertificate:
    """A registered certificate by its fingerprint (hex, colons and case ignored) or a unique
    prefix of at least 8 hex digits."""
    wanted = fingerprint.replace(":", "").strip().lower()
    if len(wanted) < 8:
        raise DomainError("Give at least 8 hex digits of the fingerprint.")
    rows = list(
        session.scalars(
            select(AuthorityCertificate).where(
                AuthorityCertificate.fingerprint_sha256.startswith(wanted, autoescape=True)
            )
        )
    )
    if not rows:
        raise NotFound(f"No certificate with fingerprint {fingerprint}.")
    if len(rows) > 1:
        raise DomainError(f"{len(rows)} certificates start with {fingerprint}; give more digits.")
    return rows[0]


def revoke(session: DbSession, fingerprint: str) -> AuthorityCertificate:
    """Mark a certificate revoked: no bundle is encrypted to it from now on."""
    row = find(session, fingerprint)
    if row.revoked_at is None:
        row.revoked_at = utcnow()
    return row


def problem(session: DbSession, authority: Authority, now: datetime | None = None) -> str | None:
    """Why a case cannot be submitted to ``authority`` now because of its certificate, in the
    user's language; None when it has none (plain bundle) or a usable one."""
    row = newest(session, authority.id)
    if row is None:
        return None
    name = localized(authority, "name")
    if row.revoked_at is not None:
        return str(
            _l(
                "The encryption certificate of %(authority)s (fingerprint %(fingerprint)s…) "
                "was revoked. The case can be submitted once the authority registers a new one.",
                authority=name,
                fingerprint=row.fingerprint[:23],
            )
        )
    if (now or utcnow()) >= row.not_after:
        return str(
            _l(
                "The encryption certificate of %(authority)s (fingerprint %(fingerprint)s…) "
                "expired on %(date)s. The case can be submitted once the authority registers "
                "a new one.",
                authority=name,
                fingerprint=row.fingerprint[:23],
                date=row.not_after.date().isoformat(),
            )
        )
    return None


def for_new_bundle(
    session: DbSession, authority: Authority
) -> tuple[AuthorityCertificate, x509.Certificate] | None:
    """The certificate a bundle built now is encrypted to, or None for a plain zip. Raises
    :class:`CertificateRefused` when the newest one was revoked or expired since submission."""
    row = newest(session, authority.id)
    if row is None:
        return None
    refusal = problem(session, authority)
    if refusal is not None:
        raise CertificateRefused(refusal)
    return row, x509.load_der_x509_certificate(row.der)
