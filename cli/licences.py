"""``flask companies entities add|list|remove``: the licensed businesses behind a company."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from cli.errors import exit_on_refusal
from extensions import db
from models import EntityKind
from services.routing import entities as service


@click.group("entities")
def licensed_entities() -> None:
    """Licensed entities of a company (kind, jurisdiction, licence, source): complaints are
    routed to the authority that supervises the entity concerned."""


@licensed_entities.command("add")
@click.argument("company_slug")
@click.option("--kind", required=True, type=click.Choice([k.value for k in EntityKind]))
@click.option("--jurisdiction", required=True, help="CN, HK, US, EU, GB or OTHER.")
@click.option("--legal-name", required=True, help="As the licence names it.")
@click.option("--licence", default="", help="Licence type and number, as the register shows.")
@click.option("--supervisor", default="", help="The authority that licensed it.")
@click.option("--source", "source_url", required=True, help="Where the licence can be read.")
@with_appcontext
@exit_on_refusal
def add(
    company_slug: str,
    kind: str,
    jurisdiction: str,
    legal_name: str,
    licence: str,
    supervisor: str,
    source_url: str,
) -> None:
    """Record a licensed entity of COMPANY_SLUG."""
    company = service.company_by_slug(db.session, company_slug)
    entity = service.add_entity(
        db.session,
        company,
        kind=kind,
        jurisdiction=jurisdiction,
        legal_name=legal_name,
        licence=licence,
        supervisor=supervisor,
        source_url=source_url,
    )
    db.session.commit()
    click.echo(f"Recorded {entity.id}: {entity.legal_name} ({kind}, {entity.jurisdiction}).")


@licensed_entities.command("list")
@click.argument("company_slug")
@with_appcontext
@exit_on_refusal
def list_entities(company_slug: str) -> None:
    """The licensed entities of COMPANY_SLUG, by jurisdiction."""
    company = service.company_by_slug(db.session, company_slug)
    rows = service.entities_of(db.session, company.id)
    if not rows:
        click.echo(f"{company_slug} has no licensed entity on record.")
    for entity in rows:
        click.echo(
            f"{entity.id}\t{entity.jurisdiction}\t{entity.kind.value}\t{entity.legal_name}\t"
            f"{entity.licence}\t{entity.supervisor}\t{entity.source_url}"
        )


@licensed_entities.command("remove")
@click.argument("entity_id", type=int)
@with_appcontext
@exit_on_refusal
def remove(entity_id: int) -> None:
    """Remove licensed entity ENTITY_ID (complaints already routed keep their authority)."""
    entity = service.remove_entity(db.session, entity_id)
    db.session.commit()
    click.echo(f"Removed {entity_id}: {entity.legal_name}.")
