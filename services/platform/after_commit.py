"""Work that waits for the commit of the data it follows: jobs handed to a runner, e-mails sent,
stored files deleted.

Such work cannot be taken back, so it waits for the *outermost* commit. SQLAlchemy fires
``after_commit`` also when a SAVEPOINT is released, and ``after_rollback`` when one is rolled
back. A hook on those events alone hands a runner a job whose row no other connection can see
yet (on SQLite the runner then waits out the busy timeout behind the still open transaction),
sends mail about data that is rolled back a moment later, deletes a file a row still names once
the outer transaction fails, and forgets the outer transaction's work because one inner savepoint
failed. Each action deferred here remembers the transaction it was deferred in: a savepoint
rolled back drops its own actions and those of the savepoints inside it, and the outermost
commit runs every action that is left, in order.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction, scoped_session

from models.base import DbSession

log = logging.getLogger(__name__)

_DEFERRED = "chorus.after_commit"


@dataclass(frozen=True)
class _Deferred:
    transaction: SessionTransaction | None
    action: Callable[[], None]
    what: str


def after_commit(session: DbSession, action: Callable[[], None], *, what: str) -> None:
    """Run ``action`` once the outermost transaction of ``session`` commits; never if that
    transaction, or the savepoint ``action`` was deferred in, rolls back. ``action`` runs in the
    committing thread's application context; if it raises, the failure is logged as ``what``
    and the other actions still run."""
    current = session() if isinstance(session, scoped_session) else session
    transaction = current.get_nested_transaction() or current.get_transaction()
    current.info.setdefault(_DEFERRED, []).append(_Deferred(transaction, action, what))


def _within(transaction: SessionTransaction | None, ended: SessionTransaction) -> bool:
    while transaction is not None:
        if transaction is ended:
            return True
        transaction = transaction.parent
    return False


@event.listens_for(Session, "after_commit")
def _run_deferred(session: Session) -> None:
    if session.in_nested_transaction():  # a savepoint released: the outer one may still fail
        return
    for deferred in session.info.pop(_DEFERRED, []):
        try:
            deferred.action()
        except Exception:
            log.exception("could not %s after the commit", deferred.what)


@event.listens_for(Session, "after_soft_rollback")
def _drop_rolled_back(session: Session, previous_transaction: SessionTransaction) -> None:
    if previous_transaction.parent is None:
        session.info.pop(_DEFERRED, None)
        return
    kept = [
        deferred
        for deferred in session.info.get(_DEFERRED, [])
        if not _within(deferred.transaction, previous_transaction)
    ]
    session.info[_DEFERRED] = kept
