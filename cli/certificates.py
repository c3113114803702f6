"""``flask authorities certificates add|list|revoke``: the certificates bundles are encrypted to."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from cli.errors import exit_on_refusal
from extensions import db
from models import Authority, AuthorityCertificate
from services import audit
from services.bundle import recipients


@click.group("certificates")
def certificates() -> None:
    """Certificates an authority's case bundles are encrypted to (CMS, .p7m)."""


def _authority(slug: str) -> Authority:
    authority = db.session.scalar(select(Authority).where(Authority.slug == slug))
    if authority is None:
        raise click.ClickException(f"No authority {slug}.")
    return authority


def _describe(row: AuthorityCertificate) -> str:
    state = "revoked" if row.revoked_at else f"valid until {row.not_after:%Y-%m-%d}"
    return (
        f"SHA-256 fingerprint: {row.fingerprint}\n"
        f"  subject: {row.subject}\n  issuer: {row.issuer}\n  serial: {row.serial_number}\n"
        f"  registered {row.registered_at:%Y-%m-%d %H:%M} UTC, {state}"
    )


@certificates.command("add")
@click.argument("slug")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="The fingerprint was already compared; do not ask.")
@with_appcontext
@exit_on_refusal
def add(slug: str, file: Path, yes: bool) -> None:
    """Register FILE (PEM or DER) as the certificate of authority SLUG: bundles built from now
    on are encrypted to it; earlier bundles keep the certificate they were made for."""
    authority = _authority(slug)
    row = recipients.register(db.session, authority, file.read_bytes())
    click.echo(_describe(row))
    click.echo(
        "Compare this fingerprint with the one the authority gives you by another channel "
        "(telephone, signed letter) before relying on it."
    )
    if not yes and not click.confirm("Does it match?", default=False):
        db.session.rollback()
        raise click.ClickException("Not registered: the fingerprint was not confirmed.")
    audit.record(
        db.session,
        "certificate.registered",
        None,
        "authority",
        authority.slug,
        fingerprint=row.fingerprint_sha256,
    )
    db.session.commit()
    click.echo(f"Registered for {authority.slug}: new bundles are encrypted to it.")


@certificates.command("list")
@click.argument("slug")
@with_appcontext
def list_certificates(slug: str) -> None:
    """Every certificate of authority SLUG, newest (the one in use) first."""
    rows = recipients.history(db.session, _authority(slug).id)
    if not rows:
        click.echo(f"{slug} has no certificate: its bundles are plain signed zips.")
    for number, row in enumerate(rows):
        click.echo(("in use: " if number == 0 else "earlier: ") + _describe(row))


@certificates.command("revoke")
@click.argument("fingerprint")
@with_appcontext
@exit_on_refusal
def revoke(fingerprint: str) -> None:
    """Mark the certificate FINGERPRINT (or its first 8+ hex digits) revoked: cases cannot be
    submitted to its authority until a new one is registered."""
    row = recipients.revoke(db.session, fingerprint)
    audit.record(
        db.session,
        "certificate.revoked",
        None,
        "authority",
        row.authority.slug,
        fingerprint=row.fingerprint_sha256,
    )
    db.session.commit()
    click.echo(f"Revoked {row.fingerprint} of {row.authority.slug}.")
