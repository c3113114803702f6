"""Public case pages: the directory anyone can browse and each case's aggregate figures."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_login import current_user
from sqlalchemy import select

from extensions import db
from models import CaseEvent, CaseStatus, GroupCase, Membership
from services.case_directory import CaseFilters, case_figures, filter_choices, search_cases

bp = Blueprint("cases", __name__)

TIMELINE_LIMIT = 50


def _filters_from_query() -> CaseFilters:
    """Read filters leniently: an unknown value means "no filter", never an error page."""
    args = request.args
    status = args.get("status", "")
    return CaseFilters(
        query=args.get("q", "")[:100],
        company_id=_positive_int("company"),
        category_id=_positive_int("category"),
        status=CaseStatus(status) if status in CaseStatus._value2member_map_ else None,
    )


def _positive_int(name: str) -> int | None:
    value = request.args.get(name, type=int)
    return value if value and value > 0 else None


@bp.route("/")
def index() -> str:
    """Search and browse every group case."""
    filters = _filters_from_query()
    result = search_cases(db.session, filters, page=max(request.args.get("page", 1, type=int), 1))
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


@bp.route("/<public_id>")
def detail(public_id: str) -> str:
    """A case's public page; members also see their pseudonym and the timeline. 404 if unknown."""
    case = db.session.scalar(select(GroupCase).where(GroupCase.public_id == public_id))
    if case is None:
        abort(404)
    membership = None
    if current_user.is_authenticated:
        membership = db.session.scalar(
            select(Membership).where(
                Membership.case_id == case.id, Membership.user_id == current_user.id
            )
        )
    timeline = []
    if membership is not None:
        timeline = list(
            db.session.scalars(
                select(CaseEvent)
                .where(CaseEvent.case_id == case.id)
                .order_by(CaseEvent.created_at.desc(), CaseEvent.id.desc())
                .limit(TIMELINE_LIMIT)
            )
        )
    return render_template(
        "cases/detail.html",
        case=case,
        figures=case_figures(db.session, case),
        membership=membership,
        timeline=timeline,
    )
