"""A case's title in both of the interface's languages.

Matching finds cases across Chinese and English by meaning, so a member who writes English is
shown cases started in Chinese. The organizers can give the title in the other language; every
page then shows the reader's language first and the title as written beside it.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from models import GroupCase, Membership
from models.base import DbSession
from models.case import title_language
from services import audit
from services.errors import DomainError, NotAllowed

TITLE_MAX = 200


def checked_title_other(title: str, text: str | None) -> str | None:
    """``text`` stripped, or None when empty; DomainError when it is in the title's own
    language (it would hide the title from no one and replace nothing) or too long."""
    text = (text or "").strip()
    if not text:
        return None
    if len(text) > TITLE_MAX:
        raise DomainError(_l("The title must be at most 200 characters."), field="title_other")
    if title_language(text) == title_language(title):
        message = (
            _l("Write this title in English: the case's title is in Chinese.")
            if title_language(title) == "zh"
            else _l("Write this title in Chinese: the case's title is in English.")
        )
        raise DomainError(message, field="title_other")
    return text


def set_title_other(session: DbSession, membership: Membership, text: str | None) -> GroupCase:
    """Give (or, with an empty text, remove) the case's title in the other language; only its
    organizers may, as they chose the title."""
    if not membership.organizes:
        raise NotAllowed(_l("Only the organizers of a case can change its title."))
    case = membership.case
    case.title_other = checked_title_other(case.title, text)
    audit.record(
        session,
        "case.title_translated",
        membership.user_id,
        "case",
        case.public_id,
        language=title_language(case.title_other) if case.title_other else None,
    )
    return case
