"""``flask complaints ...``: bulk work on complaints."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import click
from flask import current_app, url_for
from flask.cli import with_appcontext

from cli.errors import exit_on_refusal
from extensions import db
from models import User
from services.accounts.users import find_by_email
from services.cases import imported as imported_cases
from services.complaints import claims
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


def _account(email: str) -> User:
    user = find_by_email(db.session, email)
    if user is None:
        raise click.ClickException(f"No account with the e-mail {email}.")
    return user


@complaints.command("import")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--by",
    "by_email",
    help="E-mail of the association importing its members' complaints: every row is a "
    "person of its own, who claims it with a link (see claim-links).",
)
@click.option("--owner", "owner_email", help="E-mail of the one account that owns every row.")
@click.option("--dry-run", is_flag=True, help="Check the file and report, without writing.")
@with_appcontext
@exit_on_refusal
def import_(path: Path, by_email: str | None, owner_email: str | None, dry_run: bool) -> None:
    """Import complaints from a CFPB database CSV or a Chorus export: an association's
    (--by) or one person's own (--owner).

    Bad rows are reported and skipped; rows imported before are skipped as duplicates."""
    if (by_email is None) == (owner_email is None):
        raise click.UsageError("Give either --by (an association) or --owner (one person).")
    result = complaint_csv.import_file(
        db.session,
        path,
        owner=_account(owner_email) if owner_email else None,
        imported_by=_account(by_email) if by_email else None,
        today=date.today(),
        dry_run=dry_run,
    )
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    click.echo(result.summary())
    for bad_row in result.bad_rows:
        click.echo(str(bad_row))


@complaints.command("claim-links")
@click.argument("path", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@click.option("--by", "by_email", required=True, help="E-mail of the importing association.")
@with_appcontext
@exit_on_refusal
def claim_links(path: Path, by_email: str) -> None:
    """Write a claim link for every person --by imported who has not claimed yet (CSV: the
    row's source, the complaint's reference, the link). Links written before stop working."""
    links = claims.issue_claim_links(db.session, _account(by_email))
    base = current_app.config["PUBLIC_URL"]
    try:
        with path.open("w", encoding="utf-8-sig", newline="") as stream:
            writer = csv.writer(stream)
            writer.writerow(("source", "complaint_reference", "claim_link"))
            with current_app.test_request_context(base_url=base):
                for link in links:
                    url = url_for("complaints.claim", token=link.token, _external=True)
                    writer.writerow((link.source, link.complaint_reference, url))
    except OSError as error:
        raise click.ClickException(f"Cannot write {path}: {error.strerror or error}.") from None
    db.session.commit()
    click.echo(f"Wrote {len(links)} claim links to {path}.")


@complaints.command("group")
@click.argument("references", nargs=-1, required=True)
@click.option("--by", "by_email", required=True, help="E-mail of the importing association.")
@click.option("--title", required=True, help="The case's title.")
@click.option("--summary", default="", help="What the members have in common.")
@with_appcontext
@exit_on_refusal
def group(references: tuple[str, ...], by_email: str, title: str, summary: str) -> None:
    """Open a case, organized by --by, with imported complaints (their reference numbers),
    each joining for its own complainant."""
    case = imported_cases.group_imported(
        db.session, _account(by_email), references, title=title, summary=summary
    )
    db.session.commit()
    click.echo(f"Opened case {case.public_id} with {case.member_count} members.")


@complaints.command("export")
@click.argument("path", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@click.option("--company", "company_slug", help="Only complaints about this company (its slug).")
@with_appcontext
@exit_on_refusal
def export(path: Path, company_slug: str | None) -> None:
    """Export complaints as CSV (UTF-8 with BOM, for Excel), re-importable with ``import``."""
    count = complaint_csv.export_file(db.session, path, company_slug=company_slug)
    click.echo(f"Exported {count} complaints to {path}.")
