"""``flask authorities create|list``."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from cli.certificates import certificates
from cli.errors import exit_on_refusal
from extensions import db
from models import Authority
from services.clocks import running as running_clocks
from services.clocks.rules import RULE_SETS
from services.reference.authorities import create_authority


@click.group()
def authorities() -> None:
    """Manage the authorities that receive cases."""


authorities.add_command(certificates)


@authorities.command("create")
@click.option("--slug", required=True, help="Short name used on the command line, e.g. pboc-cp.")
@click.option("--name-en", required=True)
@click.option("--name-zh", required=True)
@click.option("--jurisdiction-en", default="")
@click.option("--jurisdiction-zh", default="")
@click.option("--category", "categories", multiple=True, help="Category code; repeatable.")
@click.option("--min-signatures", type=int, default=3, show_default=True)
@with_appcontext
@exit_on_refusal
def create(
    slug: str,
    name_en: str,
    name_zh: str,
    jurisdiction_en: str,
    jurisdiction_zh: str,
    categories: tuple[str, ...],
    min_signatures: int,
) -> None:
    """Create an authority."""
    authority = create_authority(
        db.session,
        slug=slug,
        name_en=name_en,
        name_zh=name_zh,
        jurisdiction_en=jurisdiction_en,
        jurisdiction_zh=jurisdiction_zh,
        category_codes=list(categories),
        min_signatures=min_signatures,
    )
    db.session.commit()
    click.echo(f"Created authority {authority.slug} ({authority.name_en}).")


@authorities.command("list")
@with_appcontext
def list_authorities() -> None:
    """List authorities."""
    for authority in db.session.scalars(select(Authority).order_by(Authority.slug)):
        click.echo(
            f"{authority.slug}\t{authority.name_en}\t{authority.name_zh}\t"
            f"min {authority.min_signatures}"
        )


@authorities.command("set-deadlines")
@click.argument("slug")
@click.argument("rule_set", required=False)
@click.option("--none", "clear", is_flag=True, help="The authority runs no deadline clocks.")
@with_appcontext
@exit_on_refusal
def set_deadlines(slug: str, rule_set: str | None, clear: bool) -> None:
    """Give authority SLUG the deadline rule set RULE_SET (see ``deadline-rules``)."""
    if not clear and not rule_set:
        raise click.UsageError("Name a rule set, or give --none.")
    authority = running_clocks.set_rule_set(db.session, slug, None if clear else rule_set)
    db.session.commit()
    click.echo(f"{authority.slug} follows {authority.clock_rules or 'no deadline rules'}.")


@authorities.command("deadline-rules")
@with_appcontext
def deadline_rules() -> None:
    """List the deadline rule sets, with their periods and sources."""
    for rules in RULE_SETS.values():
        periods = ", ".join(
            f"{kind.value} {period.count} {period.unit.value}"
            + (f" (to {period.extendable_to})" if period.extendable_to else "")
            for kind, period in rules.clocks.items()
        )
        click.echo(f"{rules.name}\t{rules.country}\t{periods}\t{rules.source}")
