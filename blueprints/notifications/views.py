"""The notifications page behind the bell."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from blueprints.forms import EmptyForm
from extensions import db
from services.notifications import inbox as notifications

bp = Blueprint("notifications", __name__)


@bp.route("/")
@login_required
def index() -> str:
    """List recent notifications; opening the page marks them read."""
    items = notifications.recent(db.session, current_user)
    unread = {item.notification.id for item in items if item.notification.read_at is None}
    notifications.mark_all_read(db.session, current_user)
    db.session.commit()
    return render_template("notifications/index.html", items=items, unread=unread)


@bp.route("/<int:notification_id>/dismiss", methods=["POST"])
@login_required
def dismiss(notification_id: int) -> Response:
    """Remove one notification; 400 without a valid form, 404 for someone else's."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    notifications.dismiss(db.session, current_user, notification_id)
    db.session.commit()
    flash(_("Notification removed."), "success")
    return redirect(url_for("notifications.index"))
