"""The regulator's inbox: cases submitted to their authority, and only those."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Blueprint, abort, render_template, request
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from extensions import db
from models import GroupCase, Submission, SubmissionStatus

bp = Blueprint("regulator", __name__)


def regulator_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """403 for anyone who is not a regulator attached to an authority."""

    @wraps(view)
    @login_required
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_regulator or current_user.authority_id is None:
            abort(403)
        return view(*args, **kwargs)

    return wrapper


@bp.route("/")
@regulator_required
def inbox() -> str:
    """Submissions to the regulator's authority, newest first, optionally by status."""
    stmt = (
        select(Submission)
        .join(GroupCase, GroupCase.id == Submission.case_id)
        .where(Submission.authority_id == current_user.authority_id)
        .options(
            joinedload(Submission.case).joinedload(GroupCase.company),
            joinedload(Submission.case).joinedload(GroupCase.category),
        )
        .order_by(Submission.submitted_at.desc())
    )
    status = request.args.get("status", "")
    if status in SubmissionStatus._value2member_map_:
        stmt = stmt.where(Submission.status == SubmissionStatus(status))
    submissions = db.session.scalars(stmt).all()
    return render_template(
        "regulator/inbox.html",
        submissions=submissions,
        authority=current_user.authority,
        statuses=list(SubmissionStatus),
        selected_status=status,
    )
