"""The audit log, for admins only.

Anyone else, members, organizers and regulators alike, gets the same 404 as an address that does
not exist: the admin area is not advertised to those who cannot use it.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Blueprint, Response, abort, render_template, request, stream_with_context
from flask_login import current_user, login_required

from blueprints.admin.forms import AuditFilterForm
from extensions import db
from services.audit import reading as audit_log

bp = Blueprint("admin", __name__)


def admin_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """The login page for visitors, 404 for every account that is not an admin."""

    @wraps(view)
    @login_required
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_admin:
            abort(404)
        return view(*args, **kwargs)

    return wrapper


def _filter_form() -> AuditFilterForm:
    form = AuditFilterForm(request.args)
    form.set_choices(audit_log.known_actions(db.session), audit_log.known_target_types(db.session))
    return form


@bp.route("/audit")
@admin_required
def audit_events() -> str | tuple[str, int]:
    """Newest events first, 50 a page, filtered; 400 with the reasons when a filter is bad."""
    form = _filter_form()
    if not form.validate():
        return render_template("admin/audit.html", form=form, log=None), 400
    log = audit_log.page(db.session, form.filters())
    return render_template(
        "admin/audit.html", form=form, log=log, args=form.query_args(), first=form.before.data
    )


@bp.route("/audit.csv")
@admin_required
def audit_csv() -> Response:
    """The filtered log as CSV (all pages); the export itself is audited. 400 on a bad filter."""
    form = _filter_form()
    if not form.validate():
        reasons = [str(m) for messages in form.errors.values() for m in messages]
        return Response("\n".join(reasons) + "\n", status=400, mimetype="text/plain")
    filters = audit_log.start_export(db.session, current_user.id, form.filters())
    db.session.commit()
    return Response(
        stream_with_context(audit_log.export_csv(db.session, filters)),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="chorus-audit-log.csv"'},
    )
