"""Ranking the group cases a complaint belongs with, and counting similar complaints with no case.

Candidates are the joinable cases against the same company (a group case targets one company;
aliases are resolved before we get here). Each is scored from three signals:

* **category**: the case's category is the one the member chose;
* **text**: the share of the complaint's informative terms (weighted by inverse document
  frequency) that the case's members also used, weighted by how many of them used each term;
* **time**: the incident falls inside the case's incident period, or close to it.

Weights favour text, since people often pick a neighbouring category. Every number comes from
indexed lookups (``case_terms``, ``term_stats``, memberships): no complaint text is read.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import ColumnElement, CompoundSelect, Select, and_, case, exists, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session, joinedload

from models import (
    CaseStatus,
    CaseTerm,
    Complaint,
    ComplaintTerm,
    GroupCase,
    Membership,
    TermStat,
)
from services.term_index import complaint_terms

JOINABLE = (CaseStatus.OPEN, CaseStatus.DRAFTING, CaseStatus.SIGNING)
WEIGHT_CATEGORY = 0.30
WEIGHT_TEXT = 0.60
WEIGHT_TIME = 0.10
#: terms used from a complaint, the most informative first
QUERY_TERMS = 24
#: a complaint with no case counts as similar above this share of shared informative terms
SIMILAR_TEXT_THRESHOLD = 0.25
#: days around a case's incident period that still count as the same period
TIME_SLACK_DAYS = 21
MAX_RESULTS = 10
KEY_TERMS_SHOWN = 5


@dataclass(frozen=True)
class CaseMatch:
    case: GroupCase
    members: int
    score: float
    same_category: bool
    text_score: float
    in_period: bool
    key_terms: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class MatchReport:
    matches: list[CaseMatch]
    similar_without_case: int


def weighted_terms(session: Session, terms: list[str]) -> dict[str, float]:
    """The most informative terms with their idf, ``log(1 + N / df)``."""
    if not terms:
        return {}
    total = session.scalar(select(func.count(Complaint.id))) or 1
    frequency = dict(
        session.execute(
            select(TermStat.term, TermStat.complaints).where(TermStat.term.in_(terms))
        ).all()
    )
    idf = {t: math.log(1 + total / max(frequency.get(t, 0), 1)) for t in terms}
    best = sorted(idf, key=lambda t: (-idf[t], t))[:QUERY_TERMS]
    return {t: idf[t] for t in best}


def _weight_expression(
    column: InstrumentedAttribute[str], weights: dict[str, float]
) -> ColumnElement[float]:
    """``CASE term WHEN 'a' THEN 1.7 ... END``: per-term weights inside one grouped query."""
    return case(weights, value=column, else_=0.0)


def find_matches(session: Session, complaint: Complaint, limit: int = MAX_RESULTS) -> MatchReport:
    """Ranked joinable cases for ``complaint`` and the count of similar complaints with no case."""
    weights = weighted_terms(session, complaint_terms(session, complaint.id))
    total_weight = sum(weights.values()) or 1.0
    candidates = (
        select(GroupCase.id)
        .where(GroupCase.company_id == complaint.company_id, GroupCase.status.in_(JOINABLE))
        .where(
            ~exists().where(
                Membership.case_id == GroupCase.id, Membership.user_id == complaint.owner_id
            )
        )
    )
    sizes = dict(
        session.execute(
            select(Membership.case_id, func.count(Membership.id))
            .where(Membership.case_id.in_(candidates))
            .group_by(Membership.case_id)
        ).all()
    )
    if not sizes:
        return MatchReport([], similar_without_case(session, complaint, weights))
    shared: dict[int, float] = {}
    if weights:
        shared = dict(
            session.execute(
                select(
                    CaseTerm.case_id,
                    func.sum(CaseTerm.members * _weight_expression(CaseTerm.term, weights)),
                )
                .where(CaseTerm.term.in_(list(weights)), CaseTerm.case_id.in_(list(sizes)))
                .group_by(CaseTerm.case_id)
            ).all()
        )
    periods = {
        case_id: (first, last)
        for case_id, first, last in session.execute(
            select(
                Membership.case_id,
                func.min(Complaint.incident_date),
                func.max(Complaint.incident_date),
            )
            .join(Complaint, Complaint.id == Membership.complaint_id)
            .where(Membership.case_id.in_(list(sizes)))
            .group_by(Membership.case_id)
        ).all()
    }
    cases = {
        c.id: c
        for c in session.scalars(
            select(GroupCase)
            .where(GroupCase.id.in_(list(sizes)))
            .options(joinedload(GroupCase.company), joinedload(GroupCase.category))
        )
    }
    scored = []
    for case_id, members in sizes.items():
        text = float(shared.get(case_id) or 0.0) / members / total_weight
        same_category = cases[case_id].category_id == complaint.category_id
        in_period = _in_period(complaint.incident_date, periods.get(case_id))
        score = (
            WEIGHT_CATEGORY * same_category + WEIGHT_TEXT * min(text, 1.0) + WEIGHT_TIME * in_period
        )
        scored.append((score, case_id, text, same_category, in_period))
    scored.sort(key=lambda row: (-row[0], -sizes[row[1]], row[1]))
    top = scored[:limit]
    key_terms = _key_terms(session, [row[1] for row in top], weights, sizes)
    matches = [
        CaseMatch(
            case=cases[case_id],
            members=sizes[case_id],
            score=round(score, 4),
            same_category=same_category,
            text_score=round(text, 4),
            in_period=in_period,
            key_terms=key_terms.get(case_id, []),
        )
        for score, case_id, text, same_category, in_period in top
    ]
    return MatchReport(matches, similar_without_case(session, complaint, weights))


def _in_period(day: date, period: tuple[date, date] | None) -> bool:
    if period is None or period[0] is None:
        return False
    first, last = period
    return (first - day).days <= TIME_SLACK_DAYS and (day - last).days <= TIME_SLACK_DAYS


def _key_terms(
    session: Session, case_ids: list[int], weights: dict[str, float], sizes: dict[int, int]
) -> dict[int, list[str]]:
    """Per case, the shared terms that weigh most: what the member reads as "why"."""
    if not case_ids or not weights:
        return {}
    rows = session.execute(
        select(CaseTerm.case_id, CaseTerm.term, CaseTerm.members).where(
            CaseTerm.case_id.in_(case_ids), CaseTerm.term.in_(list(weights))
        )
    ).all()
    ranked: dict[int, list[tuple[float, str]]] = {}
    for case_id, term, members in rows:
        ranked.setdefault(case_id, []).append((weights[term] * members / sizes[case_id], term))
    return {
        case_id: [t for _, t in sorted(items, key=lambda i: (-i[0], i[1]))[:KEY_TERMS_SHOWN]]
        for case_id, items in ranked.items()
    }


def similar_complaints_query(
    complaint: Complaint, weights: dict[str, float]
) -> CompoundSelect | Select[tuple[int]]:
    """Ids of other people's complaints against the same company, in no case, that share the
    category or enough informative terms."""
    not_in_case = ~exists().where(Membership.complaint_id == Complaint.id)
    base = and_(
        Complaint.company_id == complaint.company_id,
        Complaint.owner_id != complaint.owner_id,
        not_in_case,
    )
    same_category = select(Complaint.id).where(base, Complaint.category_id == complaint.category_id)
    if not weights:
        return same_category
    threshold = SIMILAR_TEXT_THRESHOLD * sum(weights.values())
    similar_text = (
        select(ComplaintTerm.complaint_id)
        .join(Complaint, Complaint.id == ComplaintTerm.complaint_id)
        .where(ComplaintTerm.term.in_(list(weights)), base)
        .group_by(ComplaintTerm.complaint_id)
        .having(func.sum(_weight_expression(ComplaintTerm.term, weights)) >= threshold)
    )
    return same_category.union(similar_text)


def similar_without_case(
    session: Session, complaint: Complaint, weights: dict[str, float] | None = None
) -> int:
    if weights is None:
        weights = weighted_terms(session, complaint_terms(session, complaint.id))
    query = similar_complaints_query(complaint, weights).subquery()
    return session.scalar(select(func.count()).select_from(query)) or 0
