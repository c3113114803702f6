"""Where a submitted case stands at its authority, as the case page shows it: the stages in
their order, those passed, the current one, those ahead.

The authority may skip a stage (receive and review at once); every stage before the current
one is then shown as passed, as it has been left behind. A rejection ends the way early: the
stages up to the furthest one the authority recorded before it, then "rejected".
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from models import Authority, CaseEvent, CaseEventKind, GroupCase, Submission, SubmissionStatus
from models.base import DbSession

#: the way a submission goes when nothing goes wrong
STAGES = (
    SubmissionStatus.SUBMITTED,
    SubmissionStatus.RECEIVED,
    SubmissionStatus.UNDER_REVIEW,
    SubmissionStatus.FORWARDED,
    SubmissionStatus.COMPANY_ANSWERED,
    SubmissionStatus.RESOLVED,
)


@dataclass(frozen=True)
class Stage:
    status: SubmissionStatus
    state: str  #: "passed", "current" or "ahead"


@dataclass(frozen=True)
class AuthorityProgress:
    """One authority's copy of the case and its stages."""

    authority: Authority
    stages: list[Stage]


def progress_of(session: DbSession, case: GroupCase) -> list[AuthorityProgress]:
    """The stages of each of ``case``'s submissions (one per authority); empty before it is
    submitted."""
    return [
        AuthorityProgress(submission.authority, _stages(session, submission))
        for submission in case.submissions
    ]


def _stages(session: DbSession, submission: Submission) -> list[Stage]:
    status = submission.status
    if status is not SubmissionStatus.REJECTED:
        at = STAGES.index(status)
        return [
            Stage(stage, "passed" if n < at else "current" if n == at else "ahead")
            for n, stage in enumerate(STAGES)
        ]
    recorded = session.scalars(
        select(CaseEvent.data).where(
            CaseEvent.case_id == submission.case_id,
            CaseEvent.kind == CaseEventKind.STATUS_CHANGED,
        )
    )
    slug = submission.authority.slug
    reached = [
        STAGES.index(SubmissionStatus(d["status"]))
        for d in recorded
        if _staged(d) and d.get("authority", slug) == slug  # before: one authority per case
    ]
    furthest = max(reached, default=0)
    return [Stage(stage, "passed") for stage in STAGES[: furthest + 1]] + [
        Stage(SubmissionStatus.REJECTED, "current")
    ]


def _staged(data: object) -> bool:
    """Whether an event's data names a status on the way (not "rejected", not garbage)."""
    status = data.get("status") if isinstance(data, dict) else None
    return status in {stage.value for stage in STAGES}
