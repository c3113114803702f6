"""Keeping the term index in step with complaints and case memberships.

Every change goes through here: a complaint's terms are (re)written when it is saved, and a
case's profile gains or loses a complaint's terms when its owner joins or leaves. Terms are
written in sorted order so concurrent writers on PostgreSQL lock rows in the same order.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from sqlalchemy import delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from models import CaseTerm, Complaint, ComplaintTerm, Membership, TermStat
from models.base import Base, DbSession
from models.matching import INDEXED_COMPLAINTS
from services.matching.text_terms import extract_terms


def _upsert_increment(
    session: DbSession,
    model: type[Base],
    keys: Sequence[Mapping[str, object]],
    counter: str,
    **values: object,
) -> None:
    """INSERT ... ON CONFLICT DO UPDATE counter = counter + 1, on SQLite and PostgreSQL;
    ``values`` are set on new rows only."""
    if not keys:
        return
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    key_columns = list(keys[0])
    statement = dialect.insert(model).values([{**key, **values, counter: 1} for key in keys])
    statement = statement.on_conflict_do_update(
        index_elements=key_columns, set_={counter: model.__table__.c[counter] + 1}
    )
    session.execute(statement)


def complaint_terms(session: DbSession, complaint_id: int) -> list[str]:
    return list(
        session.scalars(
            select(ComplaintTerm.term)
            .where(ComplaintTerm.complaint_id == complaint_id)
            .order_by(ComplaintTerm.term)
        )
    )


def index_complaint(session: DbSession, complaint: Complaint, case_id: int | None = None) -> None:
    """Write the complaint's terms (replacing earlier ones), and update the case profile of
    ``case_id`` (the case the complaint belongs to, if any) to match."""
    session.flush()
    old = set(complaint_terms(session, complaint.id))
    new = extract_terms(complaint.narrative)
    removed, added = sorted(old - new), sorted(new - old)
    # the empty term counts indexed complaints: the N of every idf, exact on every database
    counted = [INDEXED_COMPLAINTS] if new and not old else []
    uncounted = [INDEXED_COMPLAINTS] if old and not new else []
    if uncounted:
        _decrement_stats(session, uncounted)
    if removed:
        session.execute(
            delete(ComplaintTerm).where(
                ComplaintTerm.complaint_id == complaint.id, ComplaintTerm.term.in_(removed)
            )
        )
        _decrement_stats(session, removed)
    session.execute(  # the company may have changed since the terms were written
        update(ComplaintTerm)
        .where(
            ComplaintTerm.complaint_id == complaint.id,
            ComplaintTerm.company_id != complaint.company_id,
        )
        .values(company_id=complaint.company_id)
    )
    if added:
        session.execute(
            insert(ComplaintTerm),
            [
                {"complaint_id": complaint.id, "term": t, "company_id": complaint.company_id}
                for t in added
            ],
        )
    if added or counted:
        keys = [{"term": t} for t in counted + added]
        _upsert_increment(session, TermStat, keys, "complaints")
    if case_id is not None:
        remove_from_case(session, case_id, removed)
        add_to_case(session, case_id, complaint.company_id, added)


def unindex_complaint(session: DbSession, complaint: Complaint, case_id: int | None = None) -> None:
    """Forget the complaint's terms before it is deleted."""
    terms = complaint_terms(session, complaint.id)
    session.execute(delete(ComplaintTerm).where(ComplaintTerm.complaint_id == complaint.id))
    _decrement_stats(session, [INDEXED_COMPLAINTS, *terms] if terms else [])
    if case_id is not None:
        remove_from_case(session, case_id, terms)


def add_to_case(session: DbSession, case_id: int, company_id: int, terms: Iterable[str]) -> None:
    """A member's terms join the case profile (``company_id``: the case's company, copied so
    matching reads only that company's profiles)."""
    keys = [{"case_id": case_id, "term": t} for t in sorted(terms)]
    _upsert_increment(session, CaseTerm, keys, "members", company_id=company_id)


def remove_from_case(session: DbSession, case_id: int, terms: Iterable[str]) -> None:
    terms = sorted(terms)
    if not terms:
        return
    session.execute(
        update(CaseTerm)
        .where(CaseTerm.case_id == case_id, CaseTerm.term.in_(terms))
        .values(members=CaseTerm.members - 1)
    )
    session.execute(delete(CaseTerm).where(CaseTerm.case_id == case_id, CaseTerm.members <= 0))


def _decrement_stats(session: DbSession, terms: list[str]) -> None:
    if terms:
        session.execute(
            update(TermStat)
            .where(TermStat.term.in_(sorted(terms)))
            .values(complaints=TermStat.complaints - 1)
        )


def rebuild_term_index(session: DbSession) -> int:
    """Rebuild every complaint's terms and every case profile from scratch (after an upgrade,
    or a change to how terms are extracted). Returns how many complaints were indexed."""
    for table in (CaseTerm, ComplaintTerm, TermStat):
        session.execute(delete(table))
    case_of = dict(
        session.execute(
            select(Membership.complaint_id, Membership.case_id).where(
                Membership.complaint_id.is_not(None)
            )
        ).all()
    )
    count = 0
    for complaint in session.scalars(select(Complaint).order_by(Complaint.id)):
        index_complaint(session, complaint, case_id=case_of.get(complaint.id))
        count += 1
    return count
