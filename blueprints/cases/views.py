"""Case pages: the directory anyone can browse, each case's page, joining and leaving."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from blueprints.complaints.forms import JoinCaseForm
from blueprints.forms import page_arg, positive_int_arg, reported
from extensions import db
from models import CaseEvent, CaseStatus, GroupCase
from services import complaints, evidence, group_cases
from services.case_directory import CaseFilters, filter_choices, search_cases
from services.case_stats import case_figures
from services.errors import NotFound
from services.matching import JOINABLE

bp = Blueprint("cases", __name__)

TIMELINE_LIMIT = 50
SORTS = ("recent", "size")


def _filters_from_query() -> CaseFilters:
    """Read filters leniently: an unknown value means "no filter", never an error page."""
    args = request.args
    status = args.get("status", "")
    sort = args.get("sort", "")
    return CaseFilters(
        query=args.get("q", "")[:100],
        company_id=positive_int_arg("company"),
        category_id=positive_int_arg("category"),
        status=CaseStatus(status) if status in CaseStatus._value2member_map_ else None,
        sort=sort if sort in SORTS else "recent",
    )


def _case_or_404(public_id: str) -> GroupCase:
    try:
        return group_cases.case_by_public_id(db.session, public_id)
    except NotFound:
        abort(404)


@bp.route("/")
def index() -> str:
    """Search and browse every group case."""
    filters = _filters_from_query()
    result = search_cases(db.session, filters, page=page_arg())
    companies, categories = filter_choices(db.session)
    return render_template(
        "cases/index.html",
        page=result.pagination,
        rows=result.rows,
        filters=filters,
        companies=companies,
        categories=categories,
        statuses=list(CaseStatus),
    )


def _join_form(case: GroupCase) -> JoinCaseForm | None:
    """The join form for a logged-in non-member with a free complaint against the company."""
    if not current_user.is_authenticated or case.status not in JOINABLE:
        return None
    complaints = group_cases.free_complaints(db.session, current_user, case.company_id)
    if not complaints:
        return None
    form = JoinCaseForm()
    form.complaint.choices = [
        SelectChoice(c.public_id, f"{c.incident_date.isoformat()} · {c.narrative[:40]}…")
        for c in complaints
    ]
    return form


@bp.route("/<public_id>")
def detail(public_id: str) -> str:
    """A case's public page: figures (once big enough), joins chart and timeline."""
    case = _case_or_404(public_id)
    membership = None
    if current_user.is_authenticated:
        membership = group_cases.membership_in(db.session, current_user, case)
    timeline = db.session.scalars(
        select(CaseEvent)
        .where(CaseEvent.case_id == case.id)
        .order_by(CaseEvent.created_at.desc(), CaseEvent.id.desc())
        .limit(TIMELINE_LIMIT)
    ).all()
    return render_template(
        "cases/detail.html",
        case=case,
        figures=case_figures(db.session, case),
        membership=membership,
        timeline=timeline,
        join_form=None if membership else _join_form(case),
        joinable=case.status in JOINABLE,
        evidence_count=evidence.pooled_count(db.session, case),
    )


@bp.route("/<public_id>/join", methods=["POST"])
@login_required
def join(public_id: str) -> Response:
    """Join with one of the member's complaints against the same company."""
    case = _case_or_404(public_id)
    if case.status not in JOINABLE:
        flash(_("This case has been submitted and no longer takes new members."), "error")
        return redirect(url_for("cases.detail", public_id=public_id))
    if group_cases.membership_in(db.session, current_user, case) is not None:
        flash(_("You are already a member of this case."), "info")
        return redirect(url_for("cases.detail", public_id=public_id))
    form = _join_form(case)
    if form is None or not form.validate_on_submit():
        flash(_("Choose one of your complaints against this company to join."), "error")
        return redirect(url_for("cases.detail", public_id=public_id))
    with reported() as outcome:
        complaint = complaints.owned_complaint(db.session, current_user, form.complaint.data)
        group_cases.join_case(db.session, current_user, case, complaint)
    if outcome.done:
        flash(_("You joined the case. Other members see you only under your pseudonym."), "success")
    return redirect(url_for("cases.detail", public_id=public_id))


@bp.route("/<public_id>/leave", methods=["POST"])
@login_required
def leave(public_id: str) -> Response:
    """Leave before submission; the complaint stays the member's own."""
    case = _case_or_404(public_id)
    membership = group_cases.membership_in(db.session, current_user, case)
    if membership is None:
        abort(404)
    with reported() as outcome:
        remaining = group_cases.leave_case(db.session, membership)
    if outcome.refused:
        return redirect(url_for("cases.detail", public_id=public_id))
    flash(_("You left the case. Your complaint is still yours."), "success")
    if remaining is None:
        return redirect(url_for("me.dashboard"))
    return redirect(url_for("cases.detail", public_id=public_id))
