"""The routing page of a member's own complaint."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from blueprints.forms import commit_or_show_error
from blueprints.routing.forms import RoutingForm
from extensions import db
from services.complaints import filing as complaint_service
from services.routing import answers

bp = Blueprint("routing", __name__)


@bp.route("/complaints/<public_id>/authority", methods=["GET", "POST"])
@login_required
def authority(public_id: str) -> str | Response | tuple[str, int]:
    """Answer the routing questions and see the authority they lead to, with the reason; 404
    for a complaint that is not the user's, 422 with the reason for bad answers."""
    complaint = complaint_service.owned_complaint(db.session, current_user, public_id)
    routing = answers.routing_of(db.session, complaint)
    form = RoutingForm(obj=None)
    if not form.is_submitted() and routing is not None:
        form.affected.data, form.residence.data = routing.affected, routing.residence
        if routing.complained_first is not None:
            form.complained_first.data = "yes" if routing.complained_first else "no"
        form.complained_on.data = routing.complained_on
        form.company_reference.data = routing.company_reference
    if form.validate_on_submit():
        with commit_or_show_error(form) as outcome:
            answers.save_answers(
                db.session,
                current_user,
                complaint,
                affected=form.affected.data or "",
                residence=form.residence.data or "",
                complained_first=form.complained(),
                complained_on=form.complained_on.data,
                company_reference=form.company_reference.data or "",
            )
        if not outcome.refused:
            flash(_("Your answers were saved."), "success")
            return redirect(url_for("routing.authority", public_id=public_id))
    page = render_template(
        "routing/authority.html",
        complaint=complaint,
        form=form,
        proposal=answers.proposal_for(db.session, complaint, routing),
        windows=answers.windows(complaint, routing),
    )
    return (page, 422) if form.is_submitted() else page
