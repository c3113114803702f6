"""``flask setup``: what ``make run`` does before serving, safe to repeat."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from flask_migrate import upgrade
from sqlalchemy import func, select

from extensions import db
from models import Complaint, TermStat, User
from services.demo import load_demo
from services.evidence.contributions import purge_abandoned
from services.matching.term_index import rebuild_term_index
from services.reference.categories import ensure_categories


@click.command("setup")
@click.option(
    "--demo/--no-demo",
    default=True,
    show_default=True,
    help="Load the demo data when the database has no account yet.",
)
@with_appcontext
def setup(demo: bool) -> None:
    """Apply migrations, add reference data, and on first start load the demo data."""
    upgrade()
    added = ensure_categories(db.session)
    db.session.commit()
    click.echo(f"Database is up to date ({added} categories added).")
    if db.session.scalar(select(Complaint.id).limit(1)) and not db.session.scalar(
        select(TermStat.term).limit(1)
    ):
        click.echo(f"Matching index built for {rebuild_term_index(db.session)} complaints.")
    abandoned = purge_abandoned(db.session)
    db.session.commit()
    if abandoned:
        click.echo(f"Deleted {abandoned} evidence uploads left unconfirmed for 24 hours.")
    if demo and not db.session.scalar(select(func.count(User.id))):
        summary = load_demo(db.session)
        db.session.commit()
        click.echo(f"Demo data loaded: {summary}.")
