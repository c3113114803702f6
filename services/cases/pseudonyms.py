"""Per-case pseudonyms: short codes, unique within a case, unrelated across cases."""

from __future__ import annotations

import secrets

from sqlalchemy import select

from models import Membership
from models.base import DbSession

#: letters and digits that survive being read aloud or handwritten
ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
LENGTH = 4


def new_pseudonym(session: DbSession, case_id: int) -> str:
    """A code not yet used in this case. 32^4 codes: collisions are rare and retried."""
    return new_pseudonyms(session, case_id, 1)[0]


def new_pseudonyms(session: DbSession, case_id: int, count: int) -> list[str]:
    """``count`` different codes not yet used in this case, reading its codes once (a merge
    brings a whole case's members at a time)."""
    taken = set(session.scalars(select(Membership.pseudonym).where(Membership.case_id == case_id)))
    codes: list[str] = []
    while len(codes) < count:
        code = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
        if code not in taken:
            taken.add(code)
            codes.append(code)
    return codes
