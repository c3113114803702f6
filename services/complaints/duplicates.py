"""A complaint filed twice by mistake: the back button after "Save and find others" shows the
form again, filled in, and saving it once more would make a second complaint that counts the
same loss twice in every case figure. Before that happens the member is asked, with a link to
the earlier one; a complaint that only resembles the earlier one is theirs to file.
"""

from __future__ import annotations

from difflib import SequenceMatcher

from sqlalchemy import select

from models import Complaint, User
from models.base import DbSession

#: share of the narrative two complaints have in common (difflib's ratio) from which they
#: count as nearly identical: a few words changed, not a second incident told alike
NEARLY_IDENTICAL = 0.9
#: how many of the member's latest complaints are compared (each comparison is quadratic)
LATEST = 20


def _plain(text: str) -> str:
    return " ".join(text.split()).casefold()


def nearly_identical(session: DbSession, owner: User, narrative: str) -> Complaint | None:
    """The owner's own latest complaint whose narrative ``narrative`` nearly repeats, if any."""
    wanted = _plain(narrative)
    latest = session.scalars(
        select(Complaint)
        .where(Complaint.owner_id == owner.id)
        .order_by(Complaint.id.desc())
        .limit(LATEST)
    )
    for earlier in latest:
        matcher = SequenceMatcher(None, _plain(earlier.narrative), wanted, autojunk=False)
        if matcher.quick_ratio() >= NEARLY_IDENTICAL and matcher.ratio() >= NEARLY_IDENTICAL:
            return earlier
    return None
