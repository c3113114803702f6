"""``flask complaints ...``: bulk work on complaints."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import delete, select

from extensions import db
from models import CaseTerm, Complaint, ComplaintTerm, Membership, TermStat
from services import term_index


@click.group()
def complaints() -> None:
    """Import, export and index complaints."""


@complaints.command("reindex")
@with_appcontext
def reindex() -> None:
    """Rebuild the matching index (terms of every complaint, every case profile) from scratch."""
    for table in (CaseTerm, ComplaintTerm, TermStat):
        db.session.execute(delete(table))
    case_of = dict(
        db.session.execute(
            select(Membership.complaint_id, Membership.case_id).where(
                Membership.complaint_id.is_not(None)
            )
        ).all()
    )
    count = 0
    for complaint in db.session.scalars(select(Complaint).order_by(Complaint.id)):
        term_index.index_complaint(db.session, complaint, case_id=case_of.get(complaint.id))
        count += 1
    db.session.commit()
    click.echo(f"Indexed {count} complaints.")
