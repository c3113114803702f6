"""``flask evidence purge``: delete uploads their contributor never confirmed.

Run it hourly (cron, a systemd timer, or the queue's scheduler): the promise to contributors is
that an abandoned original is gone within 24 hours. The web process also runs it now and then.
It also deletes what killed processes left behind: staging files of interrupted uploads and
bundles, and stored files whose transaction never committed.
"""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from extensions import db
from services.evidence.contributions import purge_abandoned, purge_unreferenced
from services.evidence.files import current_storage


@click.group("evidence")
def evidence() -> None:
    """Evidence files."""


@evidence.command("purge")
@with_appcontext
def purge() -> None:
    """Delete unconfirmed uploads older than 24 hours, interrupted partial uploads and stored
    files no item refers to."""
    removed = purge_abandoned(db.session)
    db.session.commit()
    storage = current_storage()
    partial = storage.remove_stale_uploads() if hasattr(storage, "remove_stale_uploads") else 0
    click.echo(f"Deleted {removed} abandoned uploads and {partial} interrupted partial files.")
    unreferenced = purge_unreferenced(db.session, storage)
    click.echo(f"Deleted {unreferenced} stored files no item refers to.")
