"""The statements matching runs for every filed complaint, built once per database dialect.

Each is written with bound parameters (the company, the complaint's owner, its terms and
their weights, the candidate cases) and kept: building one with SQLAlchemy (its clauses, a
CASE of 24 weighted terms, the loader options) cost about as much as running it, and a
filing runs a dozen. The ranking itself lives in :mod:`.ranking`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Float,
    Select,
    String,
    and_,
    bindparam,
    case,
    exists,
    func,
    select,
)
from sqlalchemy.orm import InstrumentedAttribute, joinedload

from models import CaseStatus, CaseTerm, Complaint, ComplaintTerm, GroupCase, Membership, TermStat
from models.base import one_of_parameter
from models.matching import INDEXED_COMPLAINTS

JOINABLE = (CaseStatus.OPEN, CaseStatus.DRAFTING, CaseStatus.SIGNING)
#: terms used from a complaint, the most informative first
QUERY_TERMS = 24
#: the most informative terms used to find similar complaints with no case
SIMILAR_TERMS = 10
#: what a candidate case is read as: its id, size and incident period
CASE_COLUMNS = (
    GroupCase.id,
    GroupCase.member_count,
    GroupCase.first_incident,
    GroupCase.last_incident,
)


def weighted(column: InstrumentedAttribute[str], prefix: str, size: int) -> ColumnElement[float]:
    """``CASE term WHEN :t0 THEN :w0 ... END``, ``size`` branches, filled by
    :func:`weight_parameters` (typed: left to guess, a Chinese term and an English one would
    be bound as different types)."""
    return case(
        {
            bindparam(f"{prefix}t{index}", type_=String()): bindparam(
                f"{prefix}w{index}", type_=Float()
            )
            for index in range(size)
        },
        value=column,
        else_=0.0,
    )


def weight_parameters(prefix: str, weights: dict[str, float], size: int) -> dict[str, Any]:
    """The parameters of :func:`weighted` for ``weights`` (at most ``size``); the branches
    left over get a term no text holds (a space never is in a term) and no weight."""
    padded = [*weights.items(), *((f" {index}", 0.0) for index in range(size - len(weights)))]
    parameters: dict[str, Any] = {}
    for index, (term, weight) in enumerate(padded):
        parameters[f"{prefix}t{index}"] = term
        parameters[f"{prefix}w{index}"] = weight
    return parameters


@dataclass(frozen=True)
class MatchingStatements:
    #: (term, complaints using it, complaints indexed) for each of a complaint's terms
    term_statistics: Select[str, int, int | None]
    #: cases sharing the retrieval terms, best first by a first score, cut to ``:limit``
    retrieval: Select[int, int, date | None, date | None]
    #: which of ``:case_ids`` are joinable by the complaint's owner
    joinable_of: Select[int, int, date | None, date | None]
    #: the most recently active joinable cases of the complaint's category
    same_category: Select[int, int, date | None, date | None]
    #: (case, term, members using it) for ``:case_ids`` and ``:terms``
    shared_terms: Select[int, str, int]
    #: the newest free complaints of the company and category, not the owner's
    recent_free: Select[int]
    #: the company's complaints sharing enough weighted terms, most first
    sharing: Select[int]
    #: which of ``:complaint_ids`` are free (in no case) and not the owner's
    still_free: Select[int]
    #: the cases shown, with their company and category
    shown_cases: Select[GroupCase]


@cache
def statements(dialect: str) -> MatchingStatements:
    """Built on first use for ``dialect`` ("sqlite", "postgresql"), then reused."""
    company: BindParameter[int] = bindparam("company_id")
    owner: BindParameter[int] = bindparam("owner_id")
    joinable = and_(
        GroupCase.company_id == company,
        GroupCase.status.in_(JOINABLE),
        ~exists().where(Membership.case_id == GroupCase.id, Membership.user_id == owner),
    )
    first_score = func.sum(weighted(CaseTerm.term, "q", QUERY_TERMS) * CaseTerm.members) / case(
        (GroupCase.member_count > 0, GroupCase.member_count), else_=1
    )
    best = (
        select(GroupCase.id)
        .join(CaseTerm, CaseTerm.case_id == GroupCase.id)
        .where(
            CaseTerm.company_id == company,
            one_of_parameter(dialect, CaseTerm.term, "retrieval"),
            joinable,
        )
        .group_by(GroupCase.id, GroupCase.member_count)
        .order_by(first_score.desc(), GroupCase.id)
        .limit(bindparam("limit"))
    )
    free = and_(
        Complaint.owner_id != owner,
        ~exists().where(Membership.complaint_id == Complaint.id),
    )
    shared = func.sum(weighted(ComplaintTerm.term, "s", SIMILAR_TERMS))
    indexed = select(TermStat.complaints).where(TermStat.term == INDEXED_COMPLAINTS)
    return MatchingStatements(
        term_statistics=select(
            ComplaintTerm.term,
            func.coalesce(TermStat.complaints, 0),
            indexed.scalar_subquery(),
        )
        .outerjoin(TermStat, TermStat.term == ComplaintTerm.term)
        .where(ComplaintTerm.complaint_id == bindparam("complaint_id")),
        retrieval=select(*CASE_COLUMNS).where(GroupCase.id.in_(best.scalar_subquery())),
        joinable_of=select(*CASE_COLUMNS).where(
            one_of_parameter(dialect, GroupCase.id, "case_ids"), joinable
        ),
        same_category=select(*CASE_COLUMNS)
        .where(joinable, GroupCase.category_id == bindparam("category_id"))
        .order_by(GroupCase.updated_at.desc())
        .limit(bindparam("limit")),
        shared_terms=select(CaseTerm.case_id, CaseTerm.term, CaseTerm.members).where(
            one_of_parameter(dialect, CaseTerm.case_id, "case_ids"),
            one_of_parameter(dialect, CaseTerm.term, "terms"),
        ),
        recent_free=select(Complaint.id)
        .where(
            Complaint.company_id == company,
            Complaint.category_id == bindparam("category_id"),
            free,
        )
        .order_by(Complaint.id.desc())
        .limit(bindparam("limit")),
        # two steps on purpose: grouping the company's rows of these terms yields few ids, and
        # a planner that sees one joined query may walk every complaint backwards instead
        sharing=select(ComplaintTerm.complaint_id)
        .where(
            ComplaintTerm.company_id == company,
            one_of_parameter(dialect, ComplaintTerm.term, "terms"),
        )
        .group_by(ComplaintTerm.complaint_id)
        .having(shared >= bindparam("threshold", type_=Float()))
        .order_by(shared.desc(), ComplaintTerm.complaint_id.desc())
        .limit(bindparam("limit")),
        still_free=select(Complaint.id).where(
            one_of_parameter(dialect, Complaint.id, "complaint_ids"), free
        ),
        shown_cases=select(GroupCase)
        .where(one_of_parameter(dialect, GroupCase.id, "case_ids"))
        .options(joinedload(GroupCase.company), joinedload(GroupCase.category)),
    )
