"""``flask companies ...``: review the companies members proposed."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from cli.errors import exit_on_refusal
from cli.licences import licensed_entities
from extensions import db
from services.reference import companies as service


@click.group()
def companies() -> None:
    """Review proposed companies: list, approve, merge into an existing one, reject."""


companies.add_command(licensed_entities)


@companies.command("proposed")
@with_appcontext
def proposed() -> None:
    """List companies waiting for review, oldest first."""
    waiting = service.proposed_companies(db.session)
    if not waiting:
        click.echo("No company is waiting for review.")
    for company in waiting:
        names = ", ".join(a.alias for a in company.aliases)
        click.echo(f"{company.slug}\t{names}\tproposed {company.created_at:%Y-%m-%d}")


def _run(action: str, company_slug: str, **kwargs: str | None) -> None:
    company = service.get_company(db.session, company_slug)
    if action == "approve":
        service.approve_company(db.session, company, **kwargs)
    elif action == "reject":
        service.reject_company(company)
    else:
        target = service.get_company(db.session, kwargs["into"] or "")
        moved = service.merge_company(db.session, company, target)
        click.echo(f"{moved} complaints moved to {target.slug}.")
    db.session.commit()
    click.echo(f"{company_slug}: {action} done.")


@companies.command("approve")
@click.argument("slug")
@click.option("--slug", "new_slug", help="A readable short name, e.g. quillfin.")
@click.option("--name-en")
@click.option("--name-zh")
@with_appcontext
@exit_on_refusal
def approve(slug: str, new_slug: str | None, name_en: str | None, name_zh: str | None) -> None:
    """Accept a proposed company (and give it proper names)."""
    _run("approve", slug, slug=new_slug, name_en=name_en, name_zh=name_zh)


@companies.command("merge")
@click.argument("slug")
@click.option("--into", required=True, help="Short name of the company it really is.")
@with_appcontext
@exit_on_refusal
def merge(slug: str, into: str) -> None:
    """Fold a proposed duplicate into an existing company."""
    _run("merge", slug, into=into)


@companies.command("reject")
@click.argument("slug")
@with_appcontext
@exit_on_refusal
def reject(slug: str) -> None:
    """Refuse a proposal; its name no longer resolves."""
    _run("reject", slug)
