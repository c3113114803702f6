"""Registering: the same answer for every address, then the mailed link to confirm it."""

from __future__ import annotations

from flask import flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_babel import refresh
from flask_login import current_user
from werkzeug.wrappers import Response

from blueprints.auth import throttle
from blueprints.auth.forms import ConfirmEmailForm, RegisterForm
from blueprints.auth.views import (
    bp,
    home_for,
    refuse_while_logged_in,
    start_session,
    throttled_like_login,
    uncounted_redirect,
)
from blueprints.forms import commit_or_show_error, invalid_status
from extensions import db
from services.accounts import registration
from services.platform.i18n import LOCALE_SESSION_KEY, current_language
from services.platform.time_zones import browser_zone


@bp.route("/register", methods=["GET", "POST"])
@throttle.limited_per_client_and_address(
    "REGISTER_RATE_LIMIT", "REGISTER_RATE_LIMIT_PER_ADDRESS", throttle.typed_email_key("register:")
)
def register() -> str | Response | tuple[str, int]:
    """Register: the same answer for every address (see services.accounts.registration); the
    account opens once its owner follows the mailed link."""
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    # the language starts as the one this page is shown in: the browser's, unless switched
    form = RegisterForm(locale=current_language())
    if form.validate_on_submit():
        with throttle.steady_answer("REGISTER_ANSWER_SECONDS"):
            registration.register(
                db.session,
                email=form.email.data,
                display_name=form.display_name.data,
                password=form.password.data,
                locale=form.locale.data,
                time_zone=browser_zone(),
            )
            db.session.commit()
        return redirect(url_for("auth.check_mail"))
    return render_template("auth/register.html", form=form), invalid_status(form)


@bp.route("/check-your-mail", methods=["GET"])
def check_mail() -> str:
    """What registering answers, whatever the address: look in the mailbox."""
    return render_template("auth/check_mail.html")


@bp.route("/confirm/<token>", methods=["GET", "POST"])
@throttled_like_login(throttle.link_key("confirm:"))
def confirm_email(token: str) -> str | Response | tuple[str, int]:
    """Confirm the address with the mailed link and the password chosen at registration; the
    account is then logged in on this browser."""
    registration.pending_confirmation(db.session, token)  # Conflict: used or expired
    form = ConfirmEmailForm()
    if form.validate_on_submit():
        if (refused := refuse_while_logged_in()) is not None:
            return refused
        with commit_or_show_error(form) as outcome:
            user = registration.confirm(db.session, token, form.password.data)
        if outcome.done:
            start_session(user, remember=False)
            session[LOCALE_SESSION_KEY] = user.locale
            refresh()
            flash(
                _("Welcome to Chorus. File your complaint to find others with the same issue."),
                "success",
            )
            return uncounted_redirect(url_for("me.dashboard"))
        return render_template("auth/confirm_email.html", form=form), 401  # as a wrong login
    return render_template("auth/confirm_email.html", form=form), invalid_status(form)
