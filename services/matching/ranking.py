"""Ranking the group cases a complaint belongs with, and counting similar complaints with no case.

Candidates are the joinable cases against the same company (a group case targets one company;
aliases are resolved before we get here). Each is scored from four signals:

* **meaning**: the cosine between the complaint's sentence embedding and the case's profile
  (the direction of its members' summed embeddings, :mod:`.meaning`), which holds across
  languages and across different wording of one problem;

* **category**: the case's category is the one the member chose;
* **text**: the share of the complaint's informative terms (weighted by inverse document
  frequency) that the case's members also used, each weighted by the square root of the share
  of members who used it; only terms some candidate case uses count, so words nobody else used
  do not dilute every score alike;
* **time**: the incident falls inside the case's incident period, or close to it.

The weights were fitted on both labelled sets (``bench/matching_fit.py``, results in
``bench/results/matching_fit.json``). Candidates are found and first ranked in the database
(the company's case profiles for the most informative terms, the most recently active cases of
the same category, and the cases closest in meaning, whatever their category), then scored in
full. Every number comes
from indexed lookups (``case_terms``, ``term_stats``, counters on ``group_cases``): no
complaint text is read but the member's own.
"""

from __future__ import annotations

import math
from calendar import monthrange
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from models import Complaint, GroupCase
from models.base import DbSession
from services.matching import meaning, profile_cache
from services.matching.statements import (
    QUERY_TERMS,
    SIMILAR_TERMS,
    MatchingStatements,
    statements,
    weight_parameters,
)
from services.matching.text_terms import surface_forms


@dataclass(frozen=True)
class SignalWeights:
    """How much each signal counts; they add up to 1 so a score reads as a share. Fitted on
    both labelled sets (``bench/results/matching_fit.json``): meaning and shared terms decide,
    the category only breaks near ties (people often pick a neighbouring one), and the period
    earned no weight (same-period cases differ in what happened, not when)."""

    category: float = 0.10
    text: float = 0.35
    time: float = 0.0
    meaning: float = 0.55


DEFAULT_WEIGHTS = SignalWeights()
#: a complaint with no case counts as similar above this share of shared informative terms
SIMILAR_TEXT_THRESHOLD = 0.25
#: days around a case's incident period that still count as the same period
TIME_SLACK_DAYS = 21
MAX_RESULTS = 10
#: same-category cases considered even when they share no term (most recently active first)
CATEGORY_CANDIDATES = 50
#: the rarest terms used to find candidate cases, and how many of those are scored in full
RETRIEVAL_TERMS = 8
TEXT_CANDIDATES = 100
#: see :func:`weighted_terms`
COMMON_TERMS_FROM = 1000
COMMON_TERM_SHARE = 0.2
#: in a large index, only terms in at most this share of complaints look up postings
#: (finding candidates, similar complaints): a rarer word is a sharper and cheaper signal
RARE_TERM_SHARE = 0.01
#: the rarest terms used when none is rare enough
FALLBACK_TERMS = 3
#: similar complaints are counted up to this many (and as many invited at most)
SIMILAR_CAP = 100
#: the most recent complaints sharing enough terms, checked for being free of any case
SIMILAR_SCAN = 1000
KEY_TERMS_SHOWN = 5
#: the cases closest in meaning considered whatever their terms and category, picked among
#: the MEANING_SCAN closest profiles of the company (closed cases and the member's own drop out)
MEANING_CANDIDATES = 50
MEANING_SCAN = 200
#: at or above this cosine a match is explained as "similar meaning"
SIMILAR_MEANING = 0.5
#: a case's term is shown as "shared" only when at least this many of its members used it:
#: a word a single member wrote would let anyone confirm a guess (a name, an account number)
#: about that member's private complaint by filing one with the guessed word
KEY_TERM_MIN_MEMBERS = 3


@dataclass(frozen=True)
class CaseMatch:
    case: GroupCase
    members: int
    score: float
    same_category: bool
    text_score: float
    in_period: bool
    key_terms: list[str] = field(default_factory=list)
    #: cosine of the complaint's and the case's meaning (0 while the vector is being computed)
    meaning: float = 0.0

    @property
    def similar_meaning(self) -> bool:
        return self.meaning >= SIMILAR_MEANING


@dataclass(frozen=True)
class MatchReport:
    matches: list[CaseMatch]
    similar_without_case: int  #: counted up to SIMILAR_CAP + 1

    @property
    def similar_beyond_count(self) -> bool:
        return self.similar_without_case > SIMILAR_CAP


def weighted_terms(session: DbSession, complaint_id: int) -> dict[str, float]:
    """The complaint's most informative terms with their idf, ``log(1 + N / df)``."""
    return _weights(*_term_statistics(session, complaint_id))


def _statements(session: DbSession) -> MatchingStatements:
    return statements(session.get_bind().dialect.name)


def _term_statistics(session: DbSession, complaint_id: int) -> tuple[dict[str, int], int]:
    """(df of each of the complaint's terms, N). N is the number of indexed complaints, kept in
    ``term_stats`` (counting every row would cost a scan per query)."""
    rows = session.execute(
        _statements(session).term_statistics, {"complaint_id": complaint_id}
    ).all()
    frequency = {term: used for term, used, _total in rows}
    return frequency, (rows[0][2] if rows else None) or 1


def _lookup_terms(
    weights: dict[str, float], frequency: dict[str, int], total: int
) -> dict[str, float]:
    """The weighted terms worth a postings lookup: all of them in a small index; in a large one
    the rare ones (or the few rarest, when none is rare)."""
    if total < COMMON_TERMS_FROM:
        return weights
    rare = {t: w for t, w in weights.items() if frequency[t] <= RARE_TERM_SHARE * total}
    return rare or dict(list(weights.items())[:FALLBACK_TERMS])


def _weights(frequency: dict[str, int], total: int) -> dict[str, float]:
    """Past :data:`COMMON_TERMS_FROM` complaints, terms used by more than
    :data:`COMMON_TERM_SHARE` of them are dropped: they cost the most index rows and tell cases
    apart the least. Most informative first."""
    terms = list(frequency)
    if total >= COMMON_TERMS_FROM:
        terms = [t for t in terms if frequency[t] <= COMMON_TERM_SHARE * total]
    idf = {t: math.log(1 + total / max(frequency[t], 1)) for t in terms}
    best = sorted(idf, key=lambda t: (-idf[t], t))[:QUERY_TERMS]
    return {t: idf[t] for t in best}


@dataclass(frozen=True)
class _Candidate:
    case_id: int
    members: int
    period: tuple[date | None, date | None]


def find_matches(
    session: DbSession,
    complaint: Complaint,
    limit: int = MAX_RESULTS,
    signals: SignalWeights = DEFAULT_WEIGHTS,
) -> MatchReport:
    """Ranked joinable cases for ``complaint`` and the count of similar complaints with no case.
    ``signals`` exists for the benchmark's ablations; the app uses the defaults."""
    frequency, total = _term_statistics(session, complaint.id)
    weights = _weights(frequency, total)
    lookup = _lookup_terms(weights, frequency, total)
    built = _statements(session)
    asker: dict[str, Any] = {"company_id": complaint.company_id, "owner_id": complaint.owner_id}
    candidates: dict[int, _Candidate] = {}
    if weights:
        # retrieval: the company's cases sharing the most informative terms (in a large index
        # only the first RETRIEVAL_TERMS), ranked in the database by a first score and cut to
        # TEXT_CANDIDATES, so a company with thousands of cases sends back a hundred rows
        retrieval = list(weights)[:RETRIEVAL_TERMS] if total >= COMMON_TERMS_FROM else list(weights)
        for case_id, members, first, last in session.execute(
            built.retrieval,
            {
                **asker,
                **weight_parameters("q", weights, QUERY_TERMS),
                "retrieval": retrieval,
                "limit": TEXT_CANDIDATES,
            },
        ):
            candidates[case_id] = _Candidate(case_id, members, (first, last))
    query_vector = meaning.complaint_vector(session, complaint.id)
    profiles = (
        profile_cache.company_profiles(session, complaint.company_id)
        if query_vector is not None
        else None
    )
    if profiles is not None and query_vector is not None:
        # the closest profiles whatever the case's state, then the joinable among them
        closest = profiles.closest(query_vector, MEANING_SCAN)
        rows = session.execute(built.joinable_of, {**asker, "case_ids": closest}).all()
        rank = {case_id: position for position, case_id in enumerate(closest)}
        for case_id, members, first, last in sorted(rows, key=lambda row: rank[row[0]])[
            :MEANING_CANDIDATES
        ]:
            candidates[case_id] = _Candidate(case_id, members, (first, last))
    same_category = set()
    for case_id, members, first, last in session.execute(
        built.same_category,
        {**asker, "category_id": complaint.category_id, "limit": CATEGORY_CANDIDATES},
    ):
        candidates[case_id] = _Candidate(case_id, members, (first, last))
        same_category.add(case_id)
    shared: dict[int, dict[str, int]] = {}
    if weights and candidates:  # scoring: every weighted term, for the candidates only
        for case_id, term, users in session.execute(
            built.shared_terms, {"case_ids": list(candidates), "terms": list(weights)}
        ):
            shared.setdefault(case_id, {})[term] = users
    similar = len(similar_complaint_ids(session, complaint, lookup))
    # only terms some candidate uses can tell cases apart; the rest would dilute every score
    known_terms = {term for terms in shared.values() for term in terms}
    known_weight = sum(weights[term] for term in known_terms)
    case_vectors = profiles.vectors(list(candidates)) if profiles is not None else {}
    if query_vector is None:  # not computed yet: the other signals share its weight
        share = 1 - signals.meaning
        signals = SignalWeights(
            signals.category / share, signals.text / share, signals.time / share, 0.0
        )
    scored = []
    for candidate in candidates.values():
        terms = {
            # a term most members used says more about a case than one a single member used
            term: weights[term] * math.sqrt(users / max(candidate.members, 1))
            for term, users in shared.get(candidate.case_id, {}).items()
        }
        text = min(sum(terms.values()) / known_weight, 1.0) if known_weight else 0.0
        in_period = _in_period(complaint.incident_date, candidate.period)
        is_same_category = candidate.case_id in same_category
        profile = case_vectors.get(candidate.case_id)
        similarity = (
            max(float(profile @ query_vector), 0.0)
            if profile is not None and query_vector is not None
            else 0.0
        )
        score = (
            signals.category * is_same_category
            + signals.text * text
            + signals.time * in_period
            + signals.meaning * similarity
        )
        used_by = shared.get(candidate.case_id, {})
        key_terms = [
            term
            for term, _ in sorted(terms.items(), key=lambda i: (-i[1], i[0]))
            if used_by[term] >= KEY_TERM_MIN_MEMBERS
        ]
        scored.append(
            (
                round(score, 4),
                candidate,
                round(text, 4),
                is_same_category,
                in_period,
                key_terms[:KEY_TERMS_SHOWN],
                round(similarity, 4),
            )
        )
    scored.sort(key=lambda row: (-row[0], -row[1].members, row[1].case_id))
    top = scored[:limit]
    readable = surface_forms(complaint.narrative)  # the member's own words, not stems
    cases: dict[int, GroupCase] = {
        c.id: c
        for c in session.scalars(built.shown_cases, {"case_ids": [row[1].case_id for row in top]})
    }
    matches = [
        CaseMatch(
            case=cases[candidate.case_id],
            members=candidate.members,
            score=score,
            same_category=is_same_category,
            text_score=text,
            in_period=in_period,
            key_terms=[readable.get(term, term) for term in key_terms],
            meaning=similarity,
        )
        for score, candidate, text, is_same_category, in_period, key_terms, similarity in top
    ]
    return MatchReport(matches, similar)


def _in_period(day: date, period: tuple[date | None, date | None]) -> bool:
    """Whether ``day`` falls in the case's period, taken in whole months (plus the slack).

    Whole months, as the case page shows them: compared to the exact first and last day, a
    member could try dates until "same period" flips, and learn the exact incident date of
    whoever joined last with an earlier or later one."""
    first, last = period
    if first is None or last is None:
        return False
    first = first.replace(day=1)
    last = last.replace(day=monthrange(last.year, last.month)[1])
    return (first - day).days <= TIME_SLACK_DAYS and (day - last).days <= TIME_SLACK_DAYS


def similar_complaint_ids(
    session: DbSession, complaint: Complaint, weights: dict[str, float] | None = None
) -> list[int]:
    """Other people's complaints against the same company, in no case, that share the category
    or enough informative terms: at most :data:`SIMILAR_CAP` + 1 of them, so the cost stays
    bounded for a company with a hundred thousand complaints ("more than 100" is all a page
    needs to say, and all the invitations a new case sends). The most similar come first (those
    sharing the most informative terms, then the most recent of the same category), so the
    cap and the invitations keep them rather than merely the newest."""
    if weights is None:
        frequency, total = _term_statistics(session, complaint.id)
        weights = _lookup_terms(_weights(frequency, total), frequency, total)
    built = _statements(session)
    asker: dict[str, Any] = {"company_id": complaint.company_id, "owner_id": complaint.owner_id}
    recent = list(
        session.scalars(
            built.recent_free,
            {**asker, "category_id": complaint.category_id, "limit": SIMILAR_CAP + 1},
        )
    )
    ids: list[int] = []
    if weights:
        weights = dict(list(weights.items())[:SIMILAR_TERMS])  # most informative first
        sharing = session.scalars(
            built.sharing,
            {
                **asker,
                **weight_parameters("s", weights, SIMILAR_TERMS),
                "terms": list(weights),
                "threshold": SIMILAR_TEXT_THRESHOLD * sum(weights.values()),
                "limit": SIMILAR_SCAN,
            },
        ).all()
        if sharing:
            kept = set(session.scalars(built.still_free, {**asker, "complaint_ids": sharing}))
            ids = [i for i in sharing if i in kept]
    seen = set(ids)
    ids += [i for i in recent if i not in seen]
    return ids[: SIMILAR_CAP + 1]


def similar_without_case(session: DbSession, complaint: Complaint) -> int:
    """How many similar complaints have no case; above :data:`SIMILAR_CAP` means "more"."""
    return len(similar_complaint_ids(session, complaint))
