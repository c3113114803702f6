"""``flask users create``: the only way to make regulators and admins."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from extensions import db
from models import UserRole
from services import accounts
from services.authorities import get_by_slug
from services.errors import DomainError


@click.group()
def users() -> None:
    """Manage accounts."""


@users.command("create")
@click.option("--email", required=True)
@click.option("--name", "display_name", required=True)
@click.option(
    "--role", type=click.Choice([r.value for r in UserRole]), default="member", show_default=True
)
@click.option("--authority", "authority_slug", help="Authority short name (regulators only).")
@click.option("--locale", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
@click.password_option(
    help="Prompted for when not given (and read from CHORUS_NEW_PASSWORD).",
    envvar="CHORUS_NEW_PASSWORD",
)
@with_appcontext
def create(
    email: str,
    display_name: str,
    role: str,
    authority_slug: str | None,
    locale: str,
    password: str,
) -> None:
    """Create an account with a role: member, regulator (with --authority) or admin."""
    if len(password) < accounts.PASSWORD_MIN:
        raise click.ClickException(
            f"The password must be at least {accounts.PASSWORD_MIN} characters long."
        )
    try:
        authority = get_by_slug(db.session, authority_slug) if authority_slug else None
        user = accounts.create_user(
            db.session,
            email=email,
            display_name=display_name,
            password=password,
            role=UserRole(role),
            authority=authority,
            locale=locale,
        )
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(str(error.message)) from None
    db.session.commit()
    click.echo(f"Created {user.role.value} account {user.email} (id {user.id}).")
