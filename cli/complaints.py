"""``flask complaints ...``: bulk work on complaints."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click
from flask.cli import with_appcontext

from cli.errors import exit_on_refusal
from extensions import db
from services.accounts.users import find_by_email
from services.complaints import csv_exchange as complaint_csv
from services.matching.meaning import rebuild_meaning
from services.matching.term_index import rebuild_term_index


@click.group()
def complaints() -> None:
    """Import, export and index complaints."""


@complaints.command("reindex")
@with_appcontext
def reindex() -> None:
    """Rebuild the matching index (terms and meaning vectors of every complaint, every case
    profile) from scratch; embedding takes about 0.1 s a complaint."""
    count = rebuild_term_index(db.session)
    rebuild_meaning(db.session)
    db.session.commit()
    click.echo(f"Indexed {count} complaints.")


@complaints.command("import")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--owner", "owner_email", required=True, help="E-mail of the account to own them.")
@click.option("--dry-run", is_flag=True, help="Check the file and report, without writing.")
@with_appcontext
@exit_on_refusal
def import_(path: Path, owner_email: str, dry_run: bool) -> None:
    """Import complaints from a CFPB database CSV or a Chorus export, owned by --owner.

    Bad rows are reported and skipped; rows imported before are skipped as duplicates."""
    owner = find_by_email(db.session, owner_email)
    if owner is None:
        raise click.ClickException(f"No account with the e-mail {owner_email}.")
    result = complaint_csv.import_file(
        db.session, path, owner=owner, today=date.today(), dry_run=dry_run
    )
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    click.echo(result.summary())
    for bad_row in result.bad_rows:
        click.echo(str(bad_row))


@complaints.command("export")
@click.argument("path", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@click.option("--company", "company_slug", help="Only complaints about this company (its slug).")
@with_appcontext
@exit_on_refusal
def export(path: Path, company_slug: str | None) -> None:
    """Export complaints as CSV (UTF-8 with BOM, for Excel), re-importable with ``import``."""
    count = complaint_csv.export_file(db.session, path, company_slug=company_slug)
    click.echo(f"Exported {count} complaints to {path}.")
