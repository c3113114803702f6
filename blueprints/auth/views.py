"""Register, log in, log out, and the account page (password, language)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar, cast

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import refresh
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from blueprints.auth import throttle
from blueprints.auth.forms import (
    ChangePasswordForm,
    ConfirmPasswordForm,
    LoginForm,
    PreferencesForm,
    TwoFactorLoginForm,
)
from blueprints.forms import EmptyForm, commit_or_show_error, invalid_status, safe_next
from extensions import db, limiter
from models import LoginSession, User
from services import audit
from services.accounts import login_sessions, recovery, registration, two_factor
from services.accounts import users as accounts
from services.platform.i18n import LOCALE_SESSION_KEY, current_language

bp = Blueprint("auth", __name__)
View = TypeVar("View", bound=Callable[..., Any])

#: the session key holding who passed the password step, and how long that is good for
SECOND_STEP_KEY = "two_step_pending"
SECOND_STEP_SECONDS = 300


def home_for(user: object) -> str:
    if getattr(user, "is_admin", False):
        return url_for("admin.audit_events")
    if getattr(user, "is_regulator", False):
        return url_for("regulator.inbox")
    if getattr(user, "is_respondent", False):
        return url_for("respondent.index")
    return url_for("me.dashboard")


#: where Flask-Login keeps the id its cookies carry; here it names one login (login_sessions)
LOGIN_ID_KEY = "_user_id"


def start_session(user: User, remember: bool) -> None:
    """A fresh session on login: nothing from before the login carries over but the language.
    The cookies name a new server-side login, which logging out revokes."""
    _keep_only_language()
    _begin_login(user, remember)


def _begin_login(user: User, remember: bool) -> None:
    """A new server-side login for this browser, named by its cookies."""
    login_id = login_sessions.start(db.session, user, remember=remember)
    db.session.commit()
    login_user(user, remember=remember)
    session[LOGIN_ID_KEY] = login_id  # what the session and the remember cookie carry


def refuse_while_logged_in() -> Response | None:
    """A mailed link acts for whoever is logged out: someone logged in (perhaps as another
    account) is asked to log out first, and nothing changes."""
    if not current_user.is_authenticated:
        return None
    flash(_("You are logged in already. Log out first to use this link."), "error")
    return uncounted_redirect(url_for("main.home"))  # no guess: the link's limit is untouched


def current_login() -> LoginSession | None:
    """The server-side record of this browser's login."""
    return login_sessions.current(db.session, str(session.get(LOGIN_ID_KEY, "")))


def end_session() -> None:
    """Forget everything but the language, then let Flask-Login mark the remember cookie for
    deletion (clearing the session after it would drop that mark)."""
    _keep_only_language()
    logout_user()


def _keep_only_language() -> None:
    locale = session.get(LOCALE_SESSION_KEY)
    session.clear()
    if locale:
        session[LOCALE_SESSION_KEY] = locale


def _login_account_key() -> str:
    """Failed logins of one account from one client: a guesser elsewhere locks nobody out."""
    address = accounts.normalize_email(request.form.get("email", ""))[:254]
    return f"login-account:{address}|{get_remote_address()}"


def uncounted_redirect(location: str) -> Response:
    """A redirect from a login view that the rate limits do not count as a failed attempt: on to
    the second step, the page asked for or home, or back to the login when a half-way sign-in
    expired."""
    g.login_attempt_uncounted = True
    return redirect(location)


def _failed_login(_response: Response) -> bool:
    """Every other answer to a login POST counts: a wrong password or code, a refused form, a CSRF
    failure, a throttled or failed request. Decided on what the view did, not on the status, so
    that no redirect code (302 today, perhaps 303 from a later Flask) can lock people out."""
    return not g.get("login_attempt_uncounted", False)


def throttled_like_login(account_key: Callable[[], str]) -> Callable[[View], View]:
    """Failed attempts count against the address (LOGIN_RATE_LIMIT) and against the account
    ``account_key`` names (LOGIN_RATE_LIMIT_PER_ACCOUNT); successful ones count against neither."""

    def decorate(view: View) -> View:
        per_account = limiter.limit(
            lambda: current_app.config["LOGIN_RATE_LIMIT_PER_ACCOUNT"],
            methods=["POST"],
            key_func=account_key,
            deduct_when=_failed_login,
        )
        per_address = limiter.limit(
            lambda: current_app.config["LOGIN_RATE_LIMIT"],
            methods=["POST"],
            deduct_when=_failed_login,
        )
        # the limiter wraps the view as it is; its types only say "some callable"
        return cast(View, per_address(per_account(view)))

    return decorate


@bp.route("/login", methods=["GET", "POST"])
@throttled_like_login(_login_account_key)
def login() -> str | Response | tuple[str, int]:
    """Log in. Wrong e-mail and wrong password get the same message, on purpose."""
    form = LoginForm(next=request.args.get("next", ""))
    if current_user.is_authenticated:
        return uncounted_redirect(safe_next(form.next.data, home_for(current_user)))
    if form.validate_on_submit():
        if throttle.under_attack(form.email.data):
            return _login_by_mailed_link(form)
        user = accounts.authenticate(db.session, form.email.data, form.password.data)
        if user is None:
            throttle.count_failure(form.email.data)
        if user is not None and user.email_verified_at is None:
            registration.send_confirmation(db.session, user)
            db.session.commit()
            form.form_errors.append(
                _("Please confirm your e-mail address first: we have sent you a new link.")
            )
            return render_template("auth/login.html", form=form), 403
        db.session.commit()
        if user is not None and user.two_factor_enabled:
            begin_second_step(user, remember=form.remember.data, next_url=form.next.data)
            return uncounted_redirect(url_for("auth.two_step"))
        if user is not None:
            start_session(user, remember=form.remember.data)
            return uncounted_redirect(safe_next(form.next.data, home_for(user)))
        form.form_errors.append(_("The e-mail address or the password is not correct."))
        return render_template("auth/login.html", form=form), 401
    return render_template("auth/login.html", form=form), invalid_status(form)


def _login_by_mailed_link(form: LoginForm) -> tuple[str, int]:
    """The account is under attack (blueprints.auth.throttle): the right password earns a
    mailed link, not a login, and every attempt gets this same answer."""
    user = accounts.authenticate(db.session, form.email.data, form.password.data, finishing=False)
    if user is None:
        throttle.count_failure(form.email.data)
    elif user.email_verified_at is None:
        registration.send_confirmation(db.session, user)
    else:
        recovery.send_login_link(db.session, user)
    db.session.commit()
    return render_template("auth/login_link_sent.html"), 200


def begin_second_step(user: User, *, remember: bool, next_url: str | None) -> None:
    """The password was right: remember who is half-way in, but log no one in yet."""
    _keep_only_language()
    session[SECOND_STEP_KEY] = {
        "user": user.id,
        "remember": bool(remember),
        "next": next_url or "",
        "since": int(time.time()),
    }


def _half_way_user() -> tuple[User | None, dict[str, object]]:
    """Whoever passed the password step on this browser in the last few minutes, if anyone."""
    pending = session.get(SECOND_STEP_KEY)
    if not isinstance(pending, dict) or time.time() - pending.get("since", 0) > SECOND_STEP_SECONDS:
        return None, {}
    user_id = pending.get("user")
    if not isinstance(user_id, int):
        return None, {}
    return accounts.load_user(db.session, user_id), pending


def _second_step_key() -> str:
    pending = session.get(SECOND_STEP_KEY)
    return "two-step:" + (str(pending.get("user", "")) if isinstance(pending, dict) else "")


@bp.route("/two-step", methods=["GET", "POST"])
@throttled_like_login(_second_step_key)
def two_step() -> str | Response | tuple[str, int]:
    """The second step of logging in: a code from the authenticator app or a recovery code."""
    if current_user.is_authenticated:
        return uncounted_redirect(home_for(current_user))
    user, pending = _half_way_user()
    if user is None:
        session.pop(SECOND_STEP_KEY, None)
        flash(_("Please log in again: the sign-in took too long or was not started."), "info")
        return uncounted_redirect(url_for("auth.login"))
    form = TwoFactorLoginForm()
    if form.validate_on_submit():
        result = two_factor.verify(db.session, user, form.code.data)
        if result.ok:
            accounts.record_login(
                db.session,
                user,
                second_step="recovery_code" if result.used_recovery_code else "app",
            )
        db.session.commit()
        if result.ok:
            start_session(user, remember=bool(pending.get("remember")))
            if result.used_recovery_code:
                flash(
                    _(
                        "You used a recovery code; %(left)d are left. Each works only once: "
                        "make new ones in your account if you are running out.",
                        left=result.recovery_codes_left,
                    ),
                    "info",
                )
            return uncounted_redirect(safe_next(str(pending.get("next", "")), home_for(user)))
        form.code.errors = [_("That code is not right. Try the newest code from the app.")]
        return render_template("auth/two_step.html", form=form), 401
    return render_template("auth/two_step.html", form=form), invalid_status(form)


@bp.route("/logout", methods=["POST"])
def logout() -> Response:
    """Log out (a POST with a CSRF token, so no other site can log anyone out)."""
    form = EmptyForm()
    if form.validate_on_submit() and current_user.is_authenticated:
        audit.record(db.session, "logout", current_user.id, "user", current_user.id)
        login_sessions.end(db.session, str(session.get(LOGIN_ID_KEY, "")))
        db.session.commit()
        end_session()
        flash(_("You are logged out."), "info")
    return redirect(url_for("main.home"))


@bp.route("/sessions/end", methods=["POST"])
@login_required
def end_every_session() -> Response:
    """Log out on every device at once."""
    form = EmptyForm()
    if not form.validate_on_submit():  # only CSRF can fail, and CSRFProtect answers that first
        return redirect(url_for("auth.account"))
    accounts.end_every_session(db.session, current_user)
    db.session.commit()
    end_session()
    flash(_("You are logged out on every device."), "info")
    return redirect(url_for("main.home"))


@bp.route("/", methods=["GET"])
@login_required
def account() -> str:
    """The account page: language preference, password and two-step verification."""
    return account_page()


def account_page(**forms: FlaskForm) -> str:
    """The account page with its forms; a refused one is passed in to show its messages."""
    forms.setdefault("password_form", ChangePasswordForm(formdata=None))
    forms.setdefault(
        "preferences_form",
        PreferencesForm(
            formdata=None,
            # an account that never chose keeps the language it is reading now
            locale=current_user.locale or current_language(),
            time_zone=current_user.time_zone or "",
        ),
    )
    forms.setdefault("two_factor_form", ConfirmPasswordForm(formdata=None))
    return render_template(
        "auth/account.html",
        required_two_factor=two_factor.required_for(current_user),
        recovery_codes_left=two_factor.recovery_codes_left(current_user),
        **forms,
    )


@bp.route("/password", methods=["POST"])
@login_required
def change_password() -> Response | tuple[str, int]:
    """Change the password; every other session of this account is logged out."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        with commit_or_show_error(form) as outcome:
            accounts.change_password(
                db.session, current_user, form.current_password.data, form.new_password.data
            )
        if outcome.done:
            # every login ended; this browser gets a new one (the object, not the proxy)
            _begin_login(current_user._get_current_object(), remember=False)
            flash(_("Your password was changed. Other devices have been logged out."), "success")
            return redirect(url_for("auth.account"))
    return account_page(password_form=form), 422


@bp.route("/preferences", methods=["POST"])
@login_required
def preferences() -> Response | tuple[str, int]:
    """Save the interface language and the time zone on the account."""
    form = PreferencesForm()
    if form.validate_on_submit():
        current_user.locale = form.locale.data
        current_user.time_zone = form.time_zone.data or None
        session[LOCALE_SESSION_KEY] = form.locale.data
        db.session.commit()
        refresh()  # the confirmation below in the newly chosen language
        flash(_("Your preferences were saved."), "success")
        return redirect(url_for("auth.account"))
    return account_page(preferences_form=form), 422
