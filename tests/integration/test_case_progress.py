"""The stages a submitted case shows: passed, current, ahead; a rejection ends the row after
the furthest stage the authority recorded."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from extensions import db
from models import CaseEvent, CaseEventKind, Submission, SubmissionStatus
from services.submissions.progress import STAGES, progress_of


def test_stages_follow_the_latest_status_and_a_rejection_ends_them(
    app: Flask,  # noqa: ARG001 - needed for its side effect
    demo: None,  # noqa: ARG001 - needed for its side effect
) -> None:
    submission = db.session.scalars(select(Submission).order_by(Submission.id)).first()
    assert submission is not None
    case = submission.case
    submission.status = SubmissionStatus.FORWARDED
    db.session.flush()
    states = [(s.status, s.state) for s in progress_of(db.session, case)[0].stages]
    assert [status for status, _state in states] == list(STAGES)
    assert [state for _status, state in states] == ["passed"] * 3 + ["current"] + ["ahead"] * 2

    submission.status = SubmissionStatus.REJECTED
    db.session.add(
        CaseEvent(
            case_id=case.id, kind=CaseEventKind.STATUS_CHANGED, data={"status": "under_review"}
        )
    )
    db.session.flush()
    rejected = [(s.status, s.state) for s in progress_of(db.session, case)[0].stages]
    assert rejected[-1] == (SubmissionStatus.REJECTED, "current")
    assert rejected[:-1] == [(status, "passed") for status in STAGES[:3]]
