"""A member's own complaints: file, see matching cases, edit, delete."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from blueprints.complaints.forms import ComplaintForm, StartCaseForm
from blueprints.forms import commit_or_show_error, invalid_status
from extensions import db
from models import Category, Company, CompanyStatus, Complaint
from services.cases import membership as group_cases
from services.complaints import duplicates
from services.complaints import filing as complaint_service
from services.matching.ranking import find_matches
from services.platform.i18n import localized
from services.routing import answers as routing_answers

bp = Blueprint("complaints", __name__)


def _form(obj: Complaint | None = None) -> ComplaintForm:
    form = ComplaintForm(obj=None)
    form.category.choices = [
        SelectChoice("", _("Choose what happened")),
        *(
            SelectChoice(str(c.id), localized(c, "label"))
            for c in db.session.scalars(select(Category).order_by(Category.position))
        ),
    ]
    if obj is not None and not form.is_submitted():
        form.company.data = obj.company.name_zh or obj.company.name_en
        form.category.data = obj.category_id
        form.incident_date.data = obj.incident_date
        form.amount.data = obj.amount
        form.currency.data = obj.currency
        form.narrative.data = obj.narrative
        form.demands.data = obj.demands
        form.demands_other.data = obj.demands_other
    return form


def _company_names() -> list[str]:
    """Names offered as the company field's suggestions (a datalist: no script needed)."""
    rows = db.session.execute(
        select(Company.name_zh, Company.name_en).where(Company.status == CompanyStatus.APPROVED)
    ).all()
    return sorted({name for pair in rows for name in pair if name})


def _own(public_id: str) -> Complaint:
    """The user's own complaint; NotFound (the 404 page) for anyone else's."""
    return complaint_service.owned_complaint(db.session, current_user, public_id)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new() -> str | Response | tuple[str, int]:
    """File a complaint, then see who else had the same problem. One that nearly repeats the
    member's own earlier complaint (the back button) is asked about first, answered 409."""
    form = _form()
    valid = form.validate_on_submit()
    earlier = None
    if valid and form.file_anyway.data != "yes":
        earlier = duplicates.nearly_identical(db.session, current_user, form.narrative.data)
        form.file_anyway.data = "yes" if earlier else ""  # asked once: the next press files
    if valid and earlier is None:
        with commit_or_show_error(form) as outcome:
            complaint = complaint_service.file_complaint(
                db.session, current_user, form.to_input(), date.today()
            )
            filed = complaint.public_id  # read before the commit expires it: no reload
        if outcome.done:
            flash(_("Your complaint is saved. Here are people with the same issue."), "success")
            return redirect(url_for("complaints.detail", public_id=filed))
    return render_template(
        "complaints/form.html",
        form=form,
        complaint=None,
        earlier=earlier,
        company_names=_company_names(),
    ), 409 if earlier else invalid_status(form)


@bp.route("/<public_id>")
@login_required
def detail(public_id: str) -> str:
    """The owner's view of a complaint: its case, or the ranked cases it could join."""
    complaint = _own(public_id)
    membership = complaint_service.membership_of(db.session, complaint)
    report = None if membership else find_matches(db.session, complaint)
    routing = routing_answers.routing_of(db.session, complaint)
    return render_template(
        "complaints/detail.html",
        complaint=complaint,
        membership=membership,
        report=report,
        start_form=StartCaseForm(formdata=None),
        proposal=routing_answers.proposal_for(db.session, complaint, routing),
        windows=routing_answers.windows(complaint, routing),
    )


@bp.route("/<public_id>/edit", methods=["GET", "POST"])
@login_required
def edit(public_id: str) -> str | Response | tuple[str, int]:
    """Edit until the complaint's case is submitted."""
    complaint = _own(public_id)
    form = _form(complaint)
    if form.validate_on_submit():
        with commit_or_show_error(form) as outcome:
            complaint_service.update_complaint(db.session, complaint, form.to_input(), date.today())
        if outcome.done:
            flash(_("Your changes are saved."), "success")
            return redirect(url_for("complaints.detail", public_id=complaint.public_id))
    in_case = complaint_service.membership_of(db.session, complaint) is not None
    return render_template(
        "complaints/form.html",
        form=form,
        complaint=complaint,
        company_locked=in_case,
        company_names=_company_names(),
    ), invalid_status(form)


@bp.route("/<public_id>/delete", methods=["POST"])
@login_required
def delete(public_id: str) -> Response:
    """Delete a complaint (leaving its case first). Refused after submission."""
    complaint = _own(public_id)
    with commit_or_show_error() as outcome:
        complaint_service.delete_complaint(db.session, complaint)
    if outcome.refused:
        return redirect(url_for("complaints.detail", public_id=public_id))
    flash(_("Your complaint was deleted."), "success")
    return redirect(url_for("me.dashboard"))


@bp.route("/<public_id>/start-case", methods=["POST"])
@login_required
def start_case(public_id: str) -> str | Response | tuple[str, int]:
    """Start a group case from this complaint; its owner becomes the organizer."""
    complaint = _own(public_id)
    form = StartCaseForm()
    if form.validate_on_submit():
        with commit_or_show_error(form) as outcome:
            case = group_cases.start_case(
                db.session,
                current_user,
                complaint,
                title=form.title.data,
                title_other=form.title_other.data,
                summary=form.summary.data or "",
                invite_similar=form.invite_similar.data,
            )
        if outcome.done:
            flash(
                _("Your group case is open. Share it with people who had the same problem."),
                "success",
            )
            return redirect(url_for("cases.detail", public_id=case.public_id))
    membership = complaint_service.membership_of(db.session, complaint)
    report = None if membership else find_matches(db.session, complaint)
    return render_template(
        "complaints/detail.html",
        complaint=complaint,
        membership=membership,
        report=report,
        start_form=form,
    ), 422
