"""Names found in an item, proposed to its contributor for black-out: accepted ones are hidden
like any word they chose, rejected ones stay, and nothing is hidden without acceptance.

Why proposals and not automatic removal: a recogniser guesses (``services.anonymize.names``
states its recall and precision), and a name in evidence is sometimes the point of it (the
company's agent, the merchant). The contributor decides, name by name.

Where they live: ``Evidence.options["names"]``, a list of ``{"name": ..., "state": ...}``
(``proposed``, ``accepted`` or ``rejected``), written by the anonymization job and changed by
the contributor. They are personal data: they are dropped when the item is pooled, with the
original and the other working files (:func:`services.evidence.contributions.confirm`), and
nobody but the contributor ever sees them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any, Literal

from flask_babel import lazy_gettext as _l

from models import Evidence, EvidenceKind, User
from models.base import DbSession
from services.errors import DomainError
from services.evidence import contributions

OPTION = "names"
State = Literal["proposed", "accepted", "rejected"]


def suggestions_of(evidence: Evidence) -> list[dict[str, str]]:
    """The names proposed for this item with the contributor's decision on each, in the order
    found (most frequent first)."""
    stored = evidence.options.get(OPTION) or []
    return [
        {"name": str(entry["name"]), "state": str(entry["state"])}
        for entry in stored
        if isinstance(entry, dict) and entry.get("state") in ("proposed", "accepted", "rejected")
    ]


def accepted_names(evidence: Evidence) -> list[str]:
    """The names the contributor asked to hide: words the job removes with their own."""
    return [entry["name"] for entry in suggestions_of(evidence) if entry["state"] == "accepted"]


def merged(
    evidence: Evidence, found: Sequence[str], removed_anyway: Iterable[str]
) -> list[dict[str, str]]:
    """The stored suggestions after a run found ``found``: each name keeps its decision; a new
    name is proposed; an accepted name stays listed (and hidden) even when no longer found; a
    name that is already removed as the contributor's own word (``removed_anyway``) is not
    proposed."""
    removed = {_key(word) for word in removed_anyway}
    current = suggestions_of(evidence)
    known = {_key(entry["name"]) for entry in current}
    result = [e for e in current if e["state"] == "accepted" or _key(e["name"]) not in removed]
    for name in found:
        key = _key(name)
        if key not in known and key not in removed:
            known.add(key)
            result.append({"name": name, "state": "proposed"})
    return result


def decide(session: DbSession, user: User, evidence: Evidence, index: int, accept: bool) -> bool:
    """Record the contributor's decision on the ``index``-th name. Accepting a name, or
    rejecting one that was accepted, anonymizes the item again with the names now accepted
    (returns True); rejecting a proposal changes no pixel or word (returns False). Raises
    :class:`DomainError` for an item that can no longer change or a name that is not there."""
    contributions.ensure_editable(evidence, user)
    entries = suggestions_of(evidence)
    if not 0 <= index < len(entries):
        raise DomainError(_l("This name is no longer proposed. Reload the page and try again."))
    was_accepted = entries[index]["state"] == "accepted"
    entries[index] = {**entries[index], "state": "accepted" if accept else "rejected"}
    evidence.options = {**evidence.options, OPTION: entries}
    if accept or was_accepted:
        contributions.restart(session, user, evidence)
        return True
    return False


def proposes_boxes(evidence: Evidence) -> bool:
    """Whether accepting a name re-draws black-out boxes (pictures and PDFs) rather than
    replacing words (text and tables): the page says which will happen."""
    return evidence.kind in (EvidenceKind.IMAGE, EvidenceKind.PDF)


def _key(name: str) -> str:
    return re.sub(r"[\s.·・]+", "", name).casefold()


def without_suggestions(options: dict[str, Any]) -> dict[str, Any]:
    """``options`` as kept once the item is pooled: no proposed names."""
    return {key: value for key, value in options.items() if key != OPTION}
