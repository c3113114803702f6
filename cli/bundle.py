"""``flask bundle verify FILE.zip`` for anyone who received a bundle; ``flask bundle build``
for operators who need one by hand (the web app builds them as background jobs)."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from cli.errors import exit_on_refusal
from extensions import db
from models import GroupCase, Submission
from services.bundle.job import write_delivered
from services.bundle.verify import verify_bundle
from services.errors import DomainError
from services.outcomes.report import verify_addendum


@click.group("bundle")
def bundle() -> None:
    """Case bundles: build and verify."""


@bundle.command("verify")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--public-key",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The platform's key (from /.well-known/chorus-bundle-key.pem): refuse any other.",
)
@click.option(
    "--addendum",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="An outcome report published after submission: check that it names this bundle "
    "and is signed by the bundle's key.",
)
def verify(file: Path, public_key: Path | None, addendum: Path | None) -> None:
    """Check a bundle: manifests, full checksums, signature, signature chain, signatories;
    and with --addendum the signed outcome report that names it."""
    trusted = public_key.read_bytes() if public_key else None
    report = verify_bundle(file, trusted_public_key=trusted)
    problems = list(report.problems)
    added = None
    if addendum is not None:
        added = verify_addendum(
            addendum.read_bytes(), file, bundle_key_id=report.checked.get("key_id")
        )
        problems += [f"addendum: {problem}" for problem in added.problems]
    if problems:
        for problem in problems:
            click.echo(f"FAIL: {problem}", err=True)
        click.echo(f"Bundle NOT OK: {len(problems)} problem(s).", err=True)
        raise SystemExit(1)
    checked = report.checked
    click.echo(
        f"Bundle OK: {checked['payload_files']} payload files, {checked['signatures']} "
        f"signatures, chain verified, signed by key {checked['key_id']}"
    )
    if added is not None:
        click.echo(f"Outcome report OK: names this bundle, signed by key {added.key_id}")


@bundle.command("build")
@click.argument("case_public_id")
@click.option(
    "--out", required=True, type=click.Path(dir_okay=False, writable=True, path_type=Path)
)
@with_appcontext
@exit_on_refusal
def build(case_public_id: str, out: Path) -> None:
    """Write the bundle of a submitted case to a file, as its authority receives it: encrypted
    to the authority's certificate (CMS, open with ``openssl cms -decrypt``) if it has one."""
    submission = db.session.scalar(
        select(Submission).join(GroupCase).where(GroupCase.public_id == case_public_id)
    )
    if submission is None:
        raise click.ClickException(f"No submitted case {case_public_id}.")
    try:
        with out.open("wb") as stream:
            delivered = write_delivered(db.session, submission, stream)
    except DomainError:  # BundleError, a revoked or expired certificate
        out.unlink(missing_ok=True)  # no partial bundle left behind; the refusal is reported
        raise
    result = delivered.bundle
    click.echo(
        f"Wrote {out} ({delivered.size} bytes, SHA-256 {delivered.sha256}): {result.files} "
        f"payload files, {result.signatures} signatures, signed by key {result.key_id}."
    )
    if delivered.certificate is not None:
        click.echo(
            f"Encrypted to {submission.authority.slug}'s certificate "
            f"{delivered.certificate.fingerprint} (CMS EnvelopedData, AES-256)."
        )
