"""Each company's case profiles, kept in memory per process and brought up to date by number.

Finding the cases closest in meaning compares a complaint with every case profile of its
company: for the largest company at a million complaints, 2,800 rows of 2 KB, which cost more
to read on every request (40 ms on SQLite, more on PostgreSQL) than all the rest of matching.
Profiles change only when a member's vector joins or leaves a case, and each change raises the
company's ``meaning_versions.seq`` (:func:`record_change`). A process keeps the company's unit
profiles as one matrix with the number it has seen; a request reads that one number, and when
it moved, only the rows changed since (one indexed range read), so a busy day's changes cost
in proportion to themselves, not to the company's cases.

The matrix holds every case of the company that ever had a profile, whatever its status:
callers pick the joinable ones from the closest few (:func:`CompanyProfiles.closest`).
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import Engine, event, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, SessionTransaction

from models import CaseVector, MeaningVersion
from models.base import DbSession

#: ``session.info`` key: companies whose profiles this transaction changed (not yet committed,
#: so not to be cached: a rollback would leave the cache ahead of the database)
_CHANGED = "chorus_changed_profiles"

Vector = NDArray[np.float32]


@dataclass(frozen=True)
class CompanyProfiles:
    """A company's unit-length case profiles as of change ``seq``; never modified (an update
    builds a new one), so threads may read it while another brings it up to date."""

    seq: int
    case_ids: NDArray[np.int64]
    matrix: NDArray[np.float32]  #: one unit row per case (zero for a case with no vector now)
    row_of: dict[int, int]

    def closest(self, query: Vector, count: int) -> list[int]:
        """The ``count`` case ids closest in meaning to ``query``, closest first."""
        if not len(self.case_ids):
            return []
        scores = self.matrix @ query
        if count < len(scores):
            best = np.argpartition(-scores, count)[:count]
            best = best[np.argsort(-scores[best], kind="stable")]
        else:
            best = np.argsort(-scores, kind="stable")
        return [int(self.case_ids[i]) for i in best]

    def vectors(self, case_ids: list[int]) -> dict[int, Vector]:
        """The unit profiles of those of ``case_ids`` that have one."""
        found = {}
        for case_id in case_ids:
            row = self.row_of.get(case_id)
            if row is not None and self.matrix[row].any():
                found[case_id] = self.matrix[row]
        return found


_EMPTY = CompanyProfiles(0, np.zeros(0, dtype=np.int64), np.zeros((0, 0), dtype=np.float32), {})
#: per database (an app's engine), per company
_caches: weakref.WeakKeyDictionary[Engine, dict[int, CompanyProfiles]] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def _cache_of(session: DbSession) -> dict[int, CompanyProfiles]:
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    with _lock:
        return _caches.setdefault(engine, {})


def record_change(session: DbSession, company_id: int) -> int:
    """Raise the company's change number and return it, for the profile row being changed.
    The counter row stays locked until the transaction ends (on PostgreSQL a row lock, on
    SQLite the database's write lock), so numbers commit in order."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(MeaningVersion)
        .values(company_id=company_id, seq=1)
        .on_conflict_do_update(
            index_elements=["company_id"], set_={"seq": MeaningVersion.__table__.c.seq + 1}
        )
        .returning(MeaningVersion.seq)
    )
    seq = int(session.execute(statement).scalar_one())
    session.info.setdefault(_CHANGED, set()).add(company_id)
    return seq


def company_profiles(session: DbSession, company_id: int) -> CompanyProfiles:
    """The company's profiles as this session sees them: from memory when nothing changed, else
    brought up to date with the changed rows only."""
    seq = session.scalar(select(MeaningVersion.seq).where(MeaningVersion.company_id == company_id))
    seq = int(seq or 0)
    cache = _cache_of(session)
    cached = cache.get(company_id)
    uncommitted = company_id in session.info.get(_CHANGED, ())
    if cached is not None and cached.seq == seq and not uncommitted:
        return cached
    if cached is None or seq < cached.seq or uncommitted:
        # first use, the numbers restarted (a restored backup), or this transaction's own
        # changes: read every row
        cached, since = _EMPTY, -1
    else:
        since = cached.seq
    rows = session.execute(
        select(CaseVector.case_id, CaseVector.total, CaseVector.seq).where(
            CaseVector.company_id == company_id, CaseVector.seq > since
        )
    ).all()
    updated = _apply(cached, rows, seq)
    if not uncommitted:
        with _lock:
            current = cache.get(company_id)
            if current is None or current.seq <= updated.seq:
                cache[company_id] = updated
    return updated


def _apply(
    base: CompanyProfiles, rows: Sequence[tuple[int, bytes, int]], seq: int
) -> CompanyProfiles:
    """``base`` with ``rows`` (case id, summed vector, change number) written over it."""
    if not rows:
        return CompanyProfiles(seq, base.case_ids, base.matrix, base.row_of)
    totals = np.stack([np.frombuffer(total, dtype=np.float32) for _, total, _ in rows])
    norms = np.linalg.norm(totals, axis=1, keepdims=True)
    units = np.divide(totals, norms, out=np.zeros_like(totals), where=norms > 0)
    row_of = dict(base.row_of)
    new_ids = [case_id for case_id, _, _ in rows if case_id not in row_of]
    for case_id in new_ids:
        row_of[case_id] = len(row_of)
    matrix = np.zeros((len(row_of), units.shape[1]), dtype=np.float32)
    if base.row_of:
        matrix[: len(base.row_of)] = base.matrix
    for unit, (case_id, _, _) in zip(units, rows, strict=True):
        matrix[row_of[case_id]] = unit
    case_ids = np.concatenate([base.case_ids, np.asarray(new_ids, dtype=np.int64)])
    newest = max(row_seq for _, _, row_seq in rows)
    return CompanyProfiles(max(seq, newest), case_ids, matrix, row_of)


@event.listens_for(Session, "after_transaction_end")
def _transaction_ended(session: Session, transaction: SessionTransaction) -> None:
    """Once the outermost transaction commits or rolls back, its changes are no longer this
    session's own."""
    if transaction.parent is None:
        session.info.pop(_CHANGED, None)
