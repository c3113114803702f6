"""``flask respondents create | verify | list``: accounts that speak for one company.

An admin makes the account, checks outside the platform that its owner really speaks for the
company (a letter on the company's paper, a call to its switchboard), then verifies it; until
then the account sees nothing. Both steps are in the audit log, with no actor: the command
line has no account behind it.
"""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from cli.errors import exit_on_refusal
from extensions import db
from services import respondents
from services.accounts import users as accounts
from services.reference.companies import get_company


@click.group("respondents")
def respondents_group() -> None:
    """Company respondents: create, verify, list."""


@respondents_group.command("create")
@click.option("--email", required=True)
@click.option("--name", "display_name", required=True)
@click.option("--company", "company_slug", required=True, help="The company's short name.")
@click.option("--locale", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
@click.password_option(
    help="Prompted for when not given (and read from CHORUS_NEW_PASSWORD).",
    envvar="CHORUS_NEW_PASSWORD",
)
@with_appcontext
@exit_on_refusal
def create(email: str, display_name: str, company_slug: str, locale: str, password: str) -> None:
    """Create a respondent account bound to one company (not verified yet)."""
    if len(password) < accounts.PASSWORD_MIN:
        raise click.ClickException(
            f"The password must be at least {accounts.PASSWORD_MIN} characters long."
        )
    company = get_company(db.session, company_slug)
    link = respondents.create_respondent(
        db.session,
        email=email,
        display_name=display_name,
        password=password,
        company=company,
        locale=locale,
    )
    db.session.commit()
    click.echo(
        f"Created respondent {link.user.email} (id {link.user_id}) for {company.slug}; "
        f"verify it with: flask respondents verify {link.user.email}"
    )


@respondents_group.command("verify")
@click.argument("email")
@with_appcontext
@exit_on_refusal
def verify(email: str) -> None:
    """Let a respondent act for its company, once its owner was checked."""
    user = accounts.find_by_email(db.session, email)
    if user is None or user.deleted_at is not None:
        raise click.ClickException(f"No account with the e-mail address {email}.")
    link = respondents.verify_respondent(db.session, user)
    db.session.commit()
    click.echo(f"Respondent {user.email} now speaks for {link.company.slug}.")


@respondents_group.command("list")
@with_appcontext
def list_command() -> None:
    """Every respondent: company, e-mail, verified or not, two-step verification on or not."""
    for link in respondents.list_respondents(db.session):
        verified = link.verified_at.date().isoformat() if link.verified_at else "not verified"
        second = "two-step on" if link.user.two_factor_enabled else "two-step not set up"
        active = "" if link.user.active else ", deactivated"
        click.echo(f"{link.company.slug}\t{link.user.email}\t{verified}\t{second}{active}")
