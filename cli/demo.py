"""``flask demo load``."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import func, select

from extensions import db
from models import User
from services.demo import load_demo
from services.reference.categories import ensure_categories


@click.group()
def demo() -> None:
    """Demo data."""


@demo.command("load")
@with_appcontext
def load() -> None:
    """Load the demo companies, authorities, accounts and cases into an empty database."""
    if db.session.scalar(select(func.count(User.id))):
        raise click.ClickException(
            "The database already has accounts; demo data goes only into an empty database."
        )
    ensure_categories(db.session)
    summary = load_demo(db.session)
    db.session.commit()
    click.echo(f"Demo data loaded: {summary}.")
