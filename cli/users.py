"""``flask users create`` and ``set-role``: the only ways to make regulators and admins.

Role changes and (de)activations made here are audited with no actor: the command line has no
account behind it.
"""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from cli.errors import exit_on_refusal
from extensions import db
from models import User, UserRole
from services.accounts import roles as account_roles
from services.accounts import two_factor
from services.accounts import users as accounts
from services.reference.authorities import get_by_slug


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
@exit_on_refusal
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
    db.session.commit()
    click.echo(f"Created {user.role.value} account {user.email} (id {user.id}).")


def _account(email: str) -> User:
    user = accounts.find_by_email(db.session, email)
    if user is None or user.deleted_at is not None:
        raise click.ClickException(f"No account with the e-mail address {email}.")
    return user


@users.command("set-role")
@click.argument("email")
@click.argument("role", type=click.Choice([r.value for r in UserRole]))
@click.option("--authority", "authority_slug", help="Authority short name (regulators only).")
@with_appcontext
@exit_on_refusal
def set_role(email: str, role: str, authority_slug: str | None) -> None:
    """Change an account's role; a regulator needs --authority. Recorded as role.changed."""
    user = _account(email)
    authority = get_by_slug(db.session, authority_slug) if authority_slug else None
    changed = account_roles.set_role(db.session, user, UserRole(role), authority)
    db.session.commit()
    if changed:
        click.echo(f"Account {user.id} is now {user.role.value}.")
    else:
        click.echo(f"Account {user.id} already was {user.role.value}; nothing changed.")


def _set_active(email: str, active: bool) -> None:
    user = _account(email)
    changed = account_roles.set_active(db.session, user, active)
    db.session.commit()
    state = "active" if active else "deactivated"
    click.echo(
        f"Account {user.id} is {state}." if changed else f"Account {user.id} already was {state}."
    )


@users.command("deactivate")
@click.argument("email")
@with_appcontext
def deactivate(email: str) -> None:
    """Stop an account from logging in and end its sessions. Recorded as account.deactivated."""
    _set_active(email, False)


@users.command("activate")
@click.argument("email")
@with_appcontext
def activate(email: str) -> None:
    """Let a deactivated account log in again. Recorded as account.activated."""
    _set_active(email, True)


@users.command("reset-two-factor")
@click.argument("email")
@with_appcontext
def reset_two_factor(email: str) -> None:
    """Remove an account's second step when its phone and recovery codes are both lost; its
    sessions end and it enrols again at the next login. Recorded as two_factor.reset."""
    user = _account(email)
    changed = two_factor.reset(db.session, user)
    db.session.commit()
    click.echo(
        f"Account {user.id}: two-step verification removed; it sets it up again at next login."
        if changed
        else f"Account {user.id} has no two-step verification; nothing changed."
    )
