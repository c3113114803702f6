"""Retrying a short transaction that lost a race with another writer.

SQLite lets one writer at a time: a transaction whose snapshot went stale while another process
committed gets "database is locked" at once, and two signers can compute the same next position
in a chain; PostgreSQL reports the latter as a unique violation. Both are safe to retry from
the start: the work is small and nothing was committed.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import IntegrityError, OperationalError

from models.base import DbSession

T = TypeVar("T")
ATTEMPTS = 30


def is_retryable(error: Exception) -> bool:
    if isinstance(error, IntegrityError):
        return True
    message = str(getattr(error, "orig", error)).lower()
    return isinstance(error, OperationalError) and (
        "locked" in message
        or "busy" in message
        or "deadlock" in message
        or "could not serialize" in message
    )


def run_with_retries(session: DbSession, work: Callable[[], T], attempts: int = ATTEMPTS) -> T:
    """Run ``work`` and commit; on a lost race roll back and run it again (with jitter).
    Other errors, and the last failure, propagate after a rollback."""
    for attempt in range(1, attempts + 1):
        try:
            result = work()
            session.commit()
            return result
        except (IntegrityError, OperationalError) as error:
            session.rollback()
            if attempt == attempts or not is_retryable(error):
                raise
            time.sleep(random.uniform(0.002, 0.02) * min(attempt, 10))
    raise AssertionError("unreachable")
