"""A member's own page: their complaints and the cases they belong to."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from extensions import db
from models import Complaint, GroupCase, Membership

bp = Blueprint("me", __name__)


@bp.route("/")
@login_required
def dashboard() -> str:
    """Everything the logged-in member owns, in two lists."""
    complaints = db.session.scalars(
        select(Complaint)
        .where(Complaint.owner_id == current_user.id)
        .options(joinedload(Complaint.company), joinedload(Complaint.category))
        .order_by(Complaint.created_at.desc())
    ).all()
    memberships = db.session.scalars(
        select(Membership)
        .where(Membership.user_id == current_user.id)
        .options(
            joinedload(Membership.case).joinedload(GroupCase.company),
            joinedload(Membership.complaint),
        )
        .order_by(Membership.joined_at.desc())
    ).all()
    case_by_complaint = {m.complaint_id: m.case for m in memberships if m.complaint_id}
    return render_template(
        "me/dashboard.html",
        complaints=complaints,
        memberships=memberships,
        case_by_complaint=case_by_complaint,
    )
