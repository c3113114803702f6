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
    taken = set(session.scalars(select(Membership.pseudonym).where(Membership.case_id == case_id)))
    while True:
        code = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
        if code not in taken:
            return code
