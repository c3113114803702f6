"""An authority's encryption certificate and the ``openssl cms`` commands it opens bundles with.

The tests and the bundle benchmark both stand in for an authority; they make its certificate
the same way and call the standard tool exactly as docs/bundle-encryption.md tells authorities to.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


def recipient_certificate(
    directory: Path,
    name: str,
    *,
    key: Any = None,
    days: int = 365,
    starts: datetime | None = None,
    key_usage: bool = True,
    email_protection: bool = True,
    ca: bool = False,
) -> tuple[Path, Path]:
    """A self-signed certificate and its private key, as PEM files named ``name``.

    The keyword arguments make the flawed certificates registration must refuse.
    """
    key = key or rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"{name} bundle recipient")])
    starts = starts or datetime.now(UTC) - timedelta(days=1)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(starts)
        .not_valid_after(starts + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=key_usage,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=ca,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage(
                [ExtendedKeyUsageOID.EMAIL_PROTECTION]
                if email_protection
                else [ExtendedKeyUsageOID.SERVER_AUTH]
            ),
            critical=False,
        )
    )
    certificate = builder.sign(key, hashes.SHA256())
    cert_path, key_path = directory / f"{name}.pem", directory / f"{name}.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def openssl_decrypt_command(p7m: Path, key: Path, out: Path) -> list[str]:
    """How an authority opens a bundle, as docs/bundle-encryption.md shows it."""
    return [
        *("openssl", "cms", "-decrypt", "-inform", "DER", "-binary"),
        *("-in", str(p7m), "-inkey", str(key), "-out", str(out)),
    ]


def openssl_encrypt_command(source: Path, cert: Path, out: Path) -> list[str]:
    """The standard tool's own streaming encryption: the floor ours is measured against."""
    return [
        *("openssl", "cms", "-encrypt", "-binary", "-aes256", "-stream", "-outform", "DER"),
        *("-in", str(source), "-out", str(out), str(cert)),
    ]
