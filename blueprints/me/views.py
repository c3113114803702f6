"""A member's own pages: their complaints and cases, and their data (export, deletion)."""

from __future__ import annotations

import json

from flask import Blueprint, flash, redirect, render_template, session, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from werkzeug.wrappers import Response

from blueprints.forms import commit_or_show_error
from blueprints.me.forms import DeleteAccountForm
from extensions import db
from models import Complaint, GroupCase, Membership, UserRole, utcnow
from services import audit, clocks
from services.accounts import personal_data as account_data
from services.platform.i18n import LOCALE_SESSION_KEY, select_locale

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
        deadlines=clocks.clocks_of_cases(db.session, [m.case_id for m in memberships]),
        complaints=complaints,
        memberships=memberships,
        case_by_complaint=case_by_complaint,
    )


@bp.route("/data")
@login_required
def data() -> str:
    """What the platform holds about the member, the download, and deleting the account."""
    return _data_page(DeleteAccountForm(formdata=None))


def _data_page(form: DeleteAccountForm) -> str:
    held = account_data.export(db.session, current_user)
    open_cases, submitted_cases = account_data.cases_of(db.session, current_user)
    return render_template(
        "me/data.html",
        form=form,
        counts={key: len(value) for key, value in held.items() if isinstance(value, list)},
        open_cases=open_cases,
        submitted_cases=submitted_cases,
        can_delete=current_user.role is UserRole.MEMBER,
    )


@bp.route("/data/export.json")
@login_required
def export_data() -> Response:
    """Everything about the member as a JSON file (format ``chorus-account-export/1``)."""
    document = account_data.export(db.session, current_user)
    audit.record(db.session, "account.exported", current_user.id, "user", current_user.id)
    db.session.commit()
    response = Response(
        json.dumps(document, ensure_ascii=False, indent=2), mimetype="application/json"
    )
    name = f"chorus-my-data-{utcnow().date().isoformat()}.json"
    response.headers["Content-Disposition"] = f"attachment; filename={name}"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/data/delete", methods=["POST"])
@login_required
def delete_account() -> Response | tuple[str, int]:
    """Delete the account after the password is given again; logs out everywhere. 403 for
    regulators and administrators, 422 (nothing changed) for a wrong password."""
    account_data.check_deletable(current_user)
    form = DeleteAccountForm()
    language = select_locale()  # the account's own setting is about to go
    if form.validate_on_submit():
        with commit_or_show_error(form) as outcome:
            account_data.delete_account(db.session, current_user, form.password.data)
        if outcome.done:
            logout_user()
            session.clear()
            session[LOCALE_SESSION_KEY] = language
            with force_locale(language):
                flash(_("Your account was deleted. Thank you for having taken part."), "info")
            return redirect(url_for("main.home"))
    return _data_page(form), 422
