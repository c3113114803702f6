"""``flask backup`` and ``flask restore``: the whole instance into one archive and back
(:mod:`services.backup.archive` says what is in it and why)."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_migrate import upgrade

from cli.errors import exit_on_refusal
from extensions import db
from services.backup.archive import (
    Summary,
    Target,
    check_target,
    create_backup,
    restore_archive,
    verify_archive,
)
from services.bundle.keys import key_path
from services.evidence.files import current_storage


def _target() -> Target:
    migrations = Path(current_app.extensions["migrate"].directory)
    return Target(db.engine, current_storage(), key_path(), migrations)


def _describe(summary: Summary) -> None:
    rows = sum(summary.rows.values())
    tables = ", ".join(f"{name} {count}" for name, count in summary.rows.items() if count)
    click.echo(f"  schema revision {summary.revision}")
    click.echo(f"  {rows} rows in {len(summary.rows)} tables ({tables})")
    click.echo(f"  {summary.objects} stored files, {summary.object_bytes} bytes")
    if summary.missing:
        click.echo(
            f"  WARNING: {len(summary.missing)} stored file(s) were deleted after the snapshot "
            "and are not in the archive: " + ", ".join(summary.missing),
            err=True,
        )
    if summary.signing_key:
        click.echo(
            "  the bundle-signing key (PRIVATE): keep this archive as secret as the key itself"
        )
    else:
        click.echo("  no bundle-signing key (none was made yet)")


@click.command("backup")
@click.option(
    "--output",
    type=click.Path(file_okay=True, dir_okay=True, writable=True, path_type=Path),
    default=Path("."),
    show_default=True,
    help="Archive file to write, or a directory to write chorus-backup-<UTC time>.tar in.",
)
@with_appcontext
@exit_on_refusal
def backup(output: Path) -> None:
    """Write a consistent snapshot of the database, its stored files and the signing key to one
    archive, while the app keeps serving."""
    summary = create_backup(_target(), output)
    click.echo(f"Wrote {summary.path} ({summary.size} bytes, readable by its owner only):")
    _describe(summary)


@click.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask before restoring.")
@click.option(
    "--force", is_flag=True, help="Replace the rows (and signing key) of a non-empty instance."
)
@with_appcontext
@exit_on_refusal
def restore(archive: Path, yes: bool, force: bool) -> None:
    """Restore an archive of `flask backup` into this instance's (empty) database and storage."""
    target = _target()
    manifest = verify_archive(archive)
    check_target(target, manifest, force=force)
    click.echo(f"{archive} checked: every checksum matches.")
    _describe(Summary.of(manifest, archive))
    where = target.engine.url.render_as_string(hide_password=True)
    if not yes:
        click.confirm(f"Restore into {where}?", abort=True)
    summary = restore_archive(target, archive, force=force, upgrade=upgrade, manifest=manifest)
    click.echo(
        f"Restored {sum(summary.rows.values())} rows and {summary.objects} stored files into "
        f"{where}."
    )
