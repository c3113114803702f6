"""Ranking the group cases a complaint belongs with, and counting similar complaints with no case.

Candidates are the joinable cases against the same company (a group case targets one company;
aliases are resolved before we get here). Each is scored from three signals:

* **category**: the case's category is the one the member chose;
* **text**: the share of the complaint's informative terms (weighted by inverse document
  frequency) that the case's members also used, each weighted by the square root of the share
  of members who used it; only terms some candidate case uses count, so words nobody else used
  do not dilute every score alike;
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
#: same-category cases considered even when they share no term (most recently active first)
CATEGORY_CANDIDATES = 50
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


def _weight_expression(column: InstrumentedAttribute[str],
                       weights: dict[str, float]) -> ColumnElement[float]:
    """``CASE term WHEN 'a' THEN 1.7 ... END``: per-term weights inside one grouped query."""
    return case(weights, value=column, else_=0.0)


def find_matches(session: Session, complaint: Complaint,
                 limit: int = MAX_RESULTS) -> MatchReport:
    """Ranked joinable cases for ``complaint`` and the count of similar complaints with no case."""
    weights = weighted_terms(session, complaint_terms(session, complaint.id))
    joinable = and_(GroupCase.company_id == complaint.company_id,
                    GroupCase.status.in_(JOINABLE),
                    ~exists().where(Membership.case_id == GroupCase.id,
                                    Membership.user_id == complaint.owner_id))
    profile_rows = session.execute(
        select(CaseTerm.case_id, CaseTerm.term, CaseTerm.members)
        .join(GroupCase, GroupCase.id == CaseTerm.case_id)
        .where(CaseTerm.term.in_(list(weights)), joinable)).all() if weights else []
    same_category = set(session.scalars(
        select(GroupCase.id).where(joinable, GroupCase.category_id == complaint.category_id)
        .order_by(GroupCase.updated_at.desc()).limit(CATEGORY_CANDIDATES)))
    candidate_ids = {row.case_id for row in profile_rows} | same_category
    similar = similar_without_case(session, complaint, weights)
    if not candidate_ids:
        return MatchReport([], similar)
    sizes = dict(session.execute(
        select(Membership.case_id, func.count(Membership.id))
        .where(Membership.case_id.in_(candidate_ids)).group_by(Membership.case_id)).all())
    periods = {case_id: (first, last) for case_id, first, last in session.execute(
        select(Membership.case_id, func.min(Complaint.incident_date),
               func.max(Complaint.incident_date))
        .join(Complaint, Complaint.id == Membership.complaint_id)
        .where(Membership.case_id.in_(candidate_ids)).group_by(Membership.case_id)).all()}
    shared: dict[int, dict[str, float]] = {}
    for case_id, term, members in profile_rows:
        # a term most members used says more about the case than one a single member used
        prevalence = math.sqrt(members / max(sizes.get(case_id, 1), 1))
        shared.setdefault(case_id, {})[term] = weights[term] * prevalence
    # only terms some case uses can tell cases apart; the rest would only dilute every score
    known_weight = sum(weights[t] for t in {row.term for row in profile_rows}) or 1.0
    scored = []
    for case_id in candidate_ids:
        terms = shared.get(case_id, {})
        text = min(sum(terms.values()) / known_weight, 1.0)
        in_period = _in_period(complaint.incident_date, periods.get(case_id))
        is_same_category = case_id in same_category
        score = (WEIGHT_CATEGORY * is_same_category + WEIGHT_TEXT * text
                 + WEIGHT_TIME * in_period)
        key_terms = [t for t, _ in sorted(terms.items(), key=lambda i: (-i[1], i[0]))]
        scored.append((round(score, 4), case_id, round(text, 4), is_same_category, in_period,
                       key_terms[:KEY_TERMS_SHOWN]))
    scored.sort(key=lambda row: (-row[0], -sizes.get(row[1], 0), row[1]))
    top = scored[:limit]
    cases = {c.id: c for c in session.scalars(
        select(GroupCase).where(GroupCase.id.in_([row[1] for row in top]))
        .options(joinedload(GroupCase.company), joinedload(GroupCase.category)))}
    matches = [
        CaseMatch(case=cases[case_id], members=sizes.get(case_id, 0), score=score,
                  same_category=is_same_category, text_score=text, in_period=in_period,
                  key_terms=key_terms)
        for score, case_id, text, is_same_category, in_period, key_terms in top
    ]
    return MatchReport(matches, similar)


def _in_period(day: date, period: tuple[date, date] | None) -> bool:
    if period is None or period[0] is None:
        return False
    first, last = period
    return (first - day).days <= TIME_SLACK_DAYS and (day - last).days <= TIME_SLACK_DAYS


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
