"""Finding the group case a complaint belongs with.

- :mod:`.ranking`: ranking a company's cases for a complaint and explaining each match;
- :mod:`.meaning`: each complaint's meaning vector (computed by a job) and each case's profile;
- :mod:`.term_index`: the term index kept in step with complaints and memberships;
- :mod:`.text_terms`: turning Chinese and English text into index terms.
"""

from .ranking import (
    CaseMatch,
    MatchReport,
    SignalWeights,
    find_matches,
    similar_complaint_ids,
    similar_without_case,
    weighted_terms,
)
from .term_index import (
    add_to_case,
    complaint_terms,
    index_complaint,
    rebuild_term_index,
    remove_from_case,
    unindex_complaint,
)
from .text_terms import extract_terms, normalize_text, surface_forms

__all__ = [
    "CaseMatch",
    "MatchReport",
    "SignalWeights",
    "add_to_case",
    "complaint_terms",
    "extract_terms",
    "find_matches",
    "index_complaint",
    "normalize_text",
    "rebuild_term_index",
    "remove_from_case",
    "similar_complaint_ids",
    "similar_without_case",
    "surface_forms",
    "unindex_complaint",
    "weighted_terms",
]
