"""The company's side of a group case: respondent accounts, which cases they may see, the
company's answer and its private offers to members.

- :mod:`.accounts`: respondent accounts bound to one company, made and verified by an admin;
- :mod:`.access`: which cases a respondent sees (forwarded by the authority, or opened to the
  company by the organizer) and what of them (pseudonyms, the joint complaint, pooled evidence);
- :mod:`.answers`: the company's answer, which moves the submission to "company answered";
- :mod:`.offers`: a refund offered to one member, accepted or declined by that member only.
"""

from .access import (
    VISIBLE_STATUSES,
    CaseView,
    case_for_respondent,
    case_view,
    is_open_to_company,
    open_to_company,
    pooled_item,
    respondent_of,
    visible_cases,
)
from .accounts import create_respondent, list_respondents, verify_respondent
from .answers import answer_of, post_answer
from .offers import (
    decide_offer,
    make_offer,
    offer_for_member,
    offers_of_case,
    own_offer,
    parse_amount,
)

__all__ = [
    "VISIBLE_STATUSES",
    "CaseView",
    "answer_of",
    "case_for_respondent",
    "case_view",
    "create_respondent",
    "decide_offer",
    "is_open_to_company",
    "list_respondents",
    "make_offer",
    "offer_for_member",
    "offers_of_case",
    "open_to_company",
    "own_offer",
    "parse_amount",
    "pooled_item",
    "post_answer",
    "respondent_of",
    "verify_respondent",
    "visible_cases",
]
