"""Claiming a complaint an association imported for its maker, with the link it sent them."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from blueprints.complaints.views import bp
from blueprints.errors import refuse
from blueprints.forms import EmptyForm, commit_or_show_error
from extensions import db
from services.complaints import claims
from services.errors import NotFound


def _offer(token: str) -> claims.ClaimOffer:
    """The link's offer; an unknown or used link is a 404 that says what to do (every such
    link answers the same, so the page reveals nothing)."""
    try:
        return claims.claim_offer(db.session, token)
    except NotFound as error:
        refuse(404, str(error.message))


@bp.route("/claim/<token>")
def claim(token: str) -> str:
    """What the link hands over, and how to take it: logged out, log in or register first
    (the link comes back); logged in, one button."""
    return render_template("complaints/claim.html", offer=_offer(token), token=token)


@bp.route("/claim/<token>", methods=["POST"])
@login_required
def take(token: str) -> Response | str | tuple[str, int]:
    form = EmptyForm()
    if not form.validate_on_submit():
        return render_template("complaints/claim.html", offer=_offer(token), token=token), 400
    with commit_or_show_error() as outcome:
        taken = claims.claim(db.session, token, current_user)
    if outcome.refused:  # the reason is flashed; the link may still work for its maker
        return render_template("complaints/claim.html", offer=_offer(token), token=token), 409
    flash(_("The complaint is now in your account."), "success")
    return redirect(url_for("complaints.detail", public_id=taken[0].public_id))
