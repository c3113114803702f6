"""SQLite writers queue at a file lock instead of polling the database's lock.

SQLite lets one transaction write at a time, and a writer that finds the database locked
polls it: it sleeps 1, 2, 5, 10... up to 100 ms between tries (the busy timeout). Twenty
gunicorn threads signing one case at once spend most of their time asleep while the lock sits
free between their tries: measured through gunicorn, 3,000 members signing ran at 125
signatures/s with a p99 of one second. A transaction that is about to write takes an
exclusive ``flock`` on a file beside the database first, and keeps it until it ends: a writer
that has to wait sleeps in the kernel's queue and wakes the moment the lock is let go, and
finds the database's own lock free. The file lock is released by the kernel if the process
dies. PostgreSQL needs none of this (its row locks queue writers): there it does nothing.

Writers that do not take the gate (background jobs, the command line) still work: a gated
writer that meets one polls as before.
"""

from __future__ import annotations

import fcntl
import os

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from models.base import DbSession

_HELD = "chorus.write_gate"


def take_write_gate(session: DbSession) -> bool:
    """Wait for the SQLite writers' gate and hold it until the session's outermost transaction
    ends (commit or rollback). Call it before the transaction's first write. True when the
    gate is held (SQLite on a file), False where there is none (PostgreSQL, memory)."""
    if _HELD in session.info:
        return True
    bind = session.get_bind()
    if bind.dialect.name != "sqlite":
        return False
    path = bind.engine.url.database
    if not path or path == ":memory:":
        return False
    session.connection()  # begins the transaction whose end lets the gate go
    descriptor = os.open(f"{path}-writers.lock", os.O_CREAT | os.O_RDWR, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
    except BaseException:
        os.close(descriptor)
        raise
    session.info[_HELD] = descriptor
    return True


@event.listens_for(Session, "after_transaction_end")
def _let_go(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is not None or _HELD not in session.info:
        return  # a savepoint or a nested transaction ended: the outer one goes on writing
    descriptor = session.info.pop(_HELD)
    fcntl.flock(descriptor, fcntl.LOCK_UN)
    os.close(descriptor)
