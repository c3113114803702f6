"""A forgotten password and the pages mailed links lead to: setting a new password, finishing
a login while the account is under attack."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from blueprints.auth import throttle
from blueprints.auth.forms import ForgotPasswordForm, ResetPasswordForm
from blueprints.auth.views import (
    begin_second_step,
    bp,
    home_for,
    refuse_while_logged_in,
    start_session,
    throttled_like_login,
    uncounted_redirect,
)
from blueprints.forms import EmptyForm, commit_or_show_error, invalid_status
from extensions import db
from services.accounts import recovery


@bp.route("/password/forgot", methods=["GET", "POST"])
@throttle.limited_per_client_and_address(
    "RESET_RATE_LIMIT", "RESET_RATE_LIMIT_PER_ADDRESS", throttle.typed_email_key("reset:")
)
def forgot_password() -> str | Response | tuple[str, int]:
    """Ask for a link to set a new password; the same answer for every address."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        with throttle.steady_answer("RESET_ANSWER_SECONDS"):
            recovery.request_reset(db.session, form.email.data)
            db.session.commit()
        flash(
            _(
                "If an account uses this address, we have sent it a link to set a new "
                "password. The link works once, for one hour."
            ),
            "info",
        )
        return redirect(url_for("auth.forgot_password"))
    return render_template("auth/forgot_password.html", form=form), invalid_status(form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@throttled_like_login(throttle.link_key("reset:"))
def reset_password(token: str) -> str | Response | tuple[str, int]:
    """Set a new password with the mailed link (and the second step, where the account has
    one); every login of the account ends, and this browser is logged in afresh."""
    user = recovery.account_for(db.session, token)  # Conflict: used or expired
    form = ResetPasswordForm()
    if form.validate_on_submit():
        if (refused := refuse_while_logged_in()) is not None:
            return refused
        with commit_or_show_error(form) as outcome:
            user = recovery.reset_password(
                db.session, token, form.new_password.data, form.code.data
            )
        if outcome.done:
            start_session(user, remember=False)
            flash(_("Your password was changed. Other devices have been logged out."), "success")
            return uncounted_redirect(home_for(user))
        return _page(form, user.two_factor_enabled), 422
    return _page(form, user.two_factor_enabled), invalid_status(form)


def _page(form: ResetPasswordForm, asks_code: bool) -> str:
    return render_template("auth/reset_password.html", form=form, asks_code=asks_code)


@bp.route("/login/link/<token>", methods=["GET", "POST"])
def login_link(token: str) -> str | Response | tuple[str, int]:
    """Finish a login with the mailed link (a button, so that a mail scanner opening the link
    spends nothing); accounts with a second step go on to it."""
    recovery.login_link_account(db.session, token)  # Conflict: used or expired
    form = EmptyForm()
    if not form.validate_on_submit():
        return render_template("auth/login_link.html", form=form)
    if (refused := refuse_while_logged_in()) is not None:
        return refused
    user = recovery.use_login_link(db.session, token)
    db.session.commit()
    if user.two_factor_enabled:
        begin_second_step(user, remember=False, next_url=None)
        return redirect(url_for("auth.two_step"))
    start_session(user, remember=False)
    return redirect(url_for("me.dashboard"))
