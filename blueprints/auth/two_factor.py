"""Turning two-step verification on and off, recovery codes, and keeping regulators and admins
from using the site until they have it."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup
from werkzeug.wrappers import Response

from blueprints.auth.forms import ConfirmPasswordForm, TwoFactorSetupForm
from blueprints.auth.views import account_page, bp, current_login, home_for
from blueprints.forms import commit_or_show_error, invalid_status
from extensions import db
from services.accounts import two_factor

#: what an account that must enrol first can still reach
OPEN_BEFORE_ENROLMENT = frozenset(
    {"auth.two_factor_setup", "auth.logout", "main.set_language", "main.livez", "main.healthz"}
)


@bp.before_app_request
def require_enrolment() -> Response | None:
    """Regulators and admins enrol before anything else: their password alone opens too much."""
    if (
        not current_user.is_authenticated
        or current_user.two_factor_enabled
        or not two_factor.required_for(current_user)
        or request.endpoint in OPEN_BEFORE_ENROLMENT
        or request.blueprint == "api"
        or request.endpoint == "static"
    ):
        return None
    return redirect(url_for("auth.two_factor_setup"))


def _render_setup(form: TwoFactorSetupForm, secret: str) -> str:
    uri = two_factor.provisioning_uri(current_user, secret)
    return render_template(
        "auth/two_factor_setup.html",
        form=form,
        qr=Markup(two_factor.qr_svg(uri)),  # noqa: S704 - segno's own SVG of our own URI
        secret=two_factor.grouped(secret),
        required=two_factor.required_for(current_user),
    )


@bp.route("/two-step/setup", methods=["GET", "POST"])
@login_required
def two_factor_setup() -> str | Response | tuple[str, int]:
    """Show the QR code, then confirm with one code that the app has the secret."""
    login = current_login()
    if current_user.two_factor_enabled or login is None:
        return redirect(url_for("auth.account"))
    # kept on the server, never in the cookie; made when the page is shown, not by a POST
    secret = two_factor.pending_secret(login, create=request.method == "GET")
    db.session.commit()
    form = TwoFactorSetupForm()
    if secret is None:  # a code for a key this login was never shown (CSRF checked first)
        flash(_("Please scan the code on this page, then type the code the app shows."), "error")
        return redirect(url_for("auth.two_factor_setup"))
    if form.validate_on_submit():
        with commit_or_show_error(form) as outcome:
            codes = two_factor.enable(db.session, current_user, secret, form.code.data, login=login)
        if outcome.done:
            flash(_("Two-step verification is on."), "success")
            # a role that had to enrol first goes on to its work (a regulator: the inbox)
            onward = home_for(current_user) if two_factor.required_for(current_user) else None
            return render_template("auth/recovery_codes.html", codes=codes, onward=onward)
    return _render_setup(form, secret), invalid_status(form)


@bp.route("/two-step/recovery-codes", methods=["POST"])
@login_required
def renew_recovery_codes() -> str | tuple[str, int]:
    """New recovery codes; the old ones stop working."""
    form = ConfirmPasswordForm()
    if form.validate_on_submit():
        with commit_or_show_error(form) as outcome:
            codes = two_factor.regenerate_recovery_codes(
                db.session, current_user, form.password.data
            )
        if outcome.done:
            return render_template("auth/recovery_codes.html", codes=codes)
    return account_page(two_factor_form=form), 422


@bp.route("/two-step/disable", methods=["POST"])
@login_required
def disable_two_factor() -> Response | tuple[str, int]:
    form = ConfirmPasswordForm()
    if form.validate_on_submit():
        with commit_or_show_error(form) as outcome:
            two_factor.disable(db.session, current_user, form.password.data)
        if outcome.done:
            flash(_("Two-step verification is off."), "success")
            return redirect(url_for("auth.account"))
    return account_page(two_factor_form=form), 422
