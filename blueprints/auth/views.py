"""Register, log in, log out, and the account page (password, language)."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import refresh
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from blueprints.auth.forms import ChangePasswordForm, LoginForm, PreferencesForm, RegisterForm
from blueprints.forms import EmptyForm, invalid_status, reported, safe_next
from extensions import db, limiter
from services import accounts, audit
from services.i18n import LOCALE_SESSION_KEY

bp = Blueprint("auth", __name__)


def _home_for(user: object) -> str:
    if getattr(user, "is_regulator", False):
        return url_for("regulator.inbox")
    return url_for("me.dashboard")


def _start_session(user: accounts.User, remember: bool) -> None:
    """A fresh session on login: nothing from before the login carries over but the language."""
    locale = session.get(LOCALE_SESSION_KEY)
    session.clear()
    if locale:
        session[LOCALE_SESSION_KEY] = locale
    login_user(user, remember=remember)


def _login_account_key() -> str:
    return "login-account:" + accounts.normalize_email(request.form.get("email", ""))[:254]


def _failed_login(response: Response) -> bool:
    return response.status_code != 302


@bp.route("/register", methods=["GET", "POST"])
def register() -> str | Response | tuple[str, int]:
    """Create a member account and log it in."""
    if current_user.is_authenticated:
        return redirect(_home_for(current_user))
    form = RegisterForm()
    if form.validate_on_submit():
        with reported(form) as outcome:
            user = accounts.create_user(
                db.session,
                email=form.email.data,
                display_name=form.display_name.data,
                password=form.password.data,
                locale=form.locale.data,
            )
        if outcome.done:
            _start_session(user, remember=False)
            session[LOCALE_SESSION_KEY] = user.locale
            refresh()
            flash(
                _("Welcome to Chorus. File your complaint to find others with the same issue."),
                "success",
            )
            return redirect(url_for("me.dashboard"))
    return render_template("auth/register.html", form=form), invalid_status(form)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"], deduct_when=_failed_login
)
@limiter.limit(
    lambda: current_app.config["LOGIN_RATE_LIMIT_PER_ACCOUNT"],
    methods=["POST"],
    key_func=_login_account_key,
    deduct_when=_failed_login,
)
def login() -> str | Response | tuple[str, int]:
    """Log in. Wrong e-mail and wrong password get the same message, on purpose."""
    form = LoginForm(next=request.args.get("next", ""))
    if current_user.is_authenticated:
        return redirect(safe_next(form.next.data, _home_for(current_user)))
    if form.validate_on_submit():
        user = accounts.authenticate(db.session, form.email.data, form.password.data)
        db.session.commit()
        if user is not None:
            _start_session(user, remember=form.remember.data)
            return redirect(safe_next(form.next.data, _home_for(user)))
        form.form_errors.append(_("The e-mail address or the password is not correct."))
        return render_template("auth/login.html", form=form), 401
    return render_template("auth/login.html", form=form), invalid_status(form)


@bp.route("/logout", methods=["POST"])
def logout() -> Response:
    """Log out (a POST with a CSRF token, so no other site can log anyone out)."""
    form = EmptyForm()
    if form.validate_on_submit() and current_user.is_authenticated:
        audit.record(db.session, "logout", current_user.id, "user", current_user.id)
        db.session.commit()
        logout_user()
        locale = session.get(LOCALE_SESSION_KEY)
        session.clear()
        if locale:
            session[LOCALE_SESSION_KEY] = locale
        flash(_("You are logged out."), "info")
    return redirect(url_for("main.home"))


@bp.route("/", methods=["GET"])
@login_required
def account() -> str:
    """The account page: language preference and password."""
    return render_template(
        "auth/account.html",
        password_form=ChangePasswordForm(),
        preferences_form=PreferencesForm(locale=current_user.locale or "zh"),
    )


@bp.route("/password", methods=["POST"])
@login_required
def change_password() -> Response | tuple[str, int]:
    """Change the password; every other session of this account is logged out."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        with reported(form) as outcome:
            accounts.change_password(
                db.session, current_user, form.current_password.data, form.new_password.data
            )
        if outcome.done:
            # re-issue this session's cookie with the new nonce (the object, not the proxy)
            login_user(current_user._get_current_object(), remember=False)
            flash(_("Your password was changed. Other devices have been logged out."), "success")
            return redirect(url_for("auth.account"))
    preferences = PreferencesForm(formdata=None, locale=current_user.locale or "zh")
    return render_template(
        "auth/account.html", password_form=form, preferences_form=preferences
    ), 422


@bp.route("/preferences", methods=["POST"])
@login_required
def preferences() -> Response | tuple[str, int]:
    """Save the interface language on the account."""
    form = PreferencesForm()
    if form.validate_on_submit():
        current_user.locale = form.locale.data
        session[LOCALE_SESSION_KEY] = form.locale.data
        db.session.commit()
        refresh()  # the confirmation below in the newly chosen language
        flash(_("Your preferences were saved."), "success")
        return redirect(url_for("auth.account"))
    return render_template(
        "auth/account.html",
        password_form=ChangePasswordForm(formdata=None),
        preferences_form=form,
    ), 422
