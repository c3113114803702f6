"""Account forms. Length limits mirror the columns, so nothing is cut off silently."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
)
from wtforms.validators import DataRequired, Email, EqualTo, Length

from blueprints.forms import AppForm
from services.accounts.users import PASSWORD_MAX, PASSWORD_MIN
from services.platform.time_zones import zone_choices

#: each language named in itself, marked up in its own language for screen readers
LANGUAGE_CHOICES = [
    SelectChoice("zh", "中文", render_kw={"lang": "zh-CN"}),
    SelectChoice("en", "English", render_kw={"lang": "en"}),
]


def _strip(value: str | None) -> str | None:
    """Pasted addresses and names often carry spaces; browsers trim e-mail inputs too."""
    return value.strip() if isinstance(value, str) else value


def _password_field(label: object) -> PasswordField:
    return PasswordField(
        label,
        validators=[
            DataRequired(message=_l("Please enter a password.")),
            Length(
                min=PASSWORD_MIN,
                max=PASSWORD_MAX,
                message=_l(
                    "The password must be %(min)d to %(max)d characters long.",
                    min=PASSWORD_MIN,
                    max=PASSWORD_MAX,
                ),
            ),
        ],
        render_kw={"autocomplete": "new-password"},
    )


def _current_password_field(label: object) -> PasswordField:
    return PasswordField(
        label,
        validators=[
            DataRequired(message=_l("Please enter your password.")),
            Length(max=PASSWORD_MAX, message=_l("The password is too long.")),
        ],
        render_kw={"autocomplete": "current-password"},
    )


def _email_field() -> EmailField:
    return EmailField(
        _l("E-mail"),
        filters=[_strip],
        validators=[
            DataRequired(message=_l("Please enter your e-mail address.")),
            Length(max=254, message=_l("The e-mail address is too long.")),
            Email(
                message=_l("This does not look like an e-mail address."), check_deliverability=False
            ),
        ],
        render_kw={"autocomplete": "email"},
    )


class RegisterForm(AppForm):
    email = _email_field()
    display_name = StringField(
        _l("Your name"),
        filters=[_strip],
        description=_l("Never shown to other members; an authority sees it only if you agree."),
        validators=[
            DataRequired(message=_l("Please enter your name.")),
            Length(max=80, message=_l("The name must be at most 80 characters long.")),
        ],
        render_kw={"autocomplete": "name"},
    )
    password = _password_field(_l("Password"))
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[EqualTo("password", message=_l("The two passwords do not match."))],
        render_kw={"autocomplete": "new-password"},
    )
    #: the view starts it from the page's language (the browser's preference or the switch)
    locale = RadioField(_l("Language"), choices=LANGUAGE_CHOICES, default="zh")


class LoginForm(AppForm):
    email = EmailField(
        _l("E-mail"),
        filters=[_strip],
        validators=[
            DataRequired(message=_l("Please enter your e-mail address.")),
            Length(max=254, message=_l("The e-mail address is too long.")),
        ],
        render_kw={"autocomplete": "username"},
    )
    password = _current_password_field(_l("Password"))
    remember = BooleanField(_l("Keep me logged in on this device"))
    next = HiddenField()


class ChangePasswordForm(AppForm):
    current_password = PasswordField(
        _l("Current password"),
        validators=[DataRequired(message=_l("Please enter your current password."))],
        render_kw={"autocomplete": "current-password"},
    )
    new_password = _password_field(_l("New password"))
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[EqualTo("new_password", message=_l("The two passwords do not match."))],
        render_kw={"autocomplete": "new-password"},
    )


class PreferencesForm(AppForm):
    locale = RadioField(_l("Language"), choices=LANGUAGE_CHOICES)
    #: "" follows the browser, whose script reports its zone (services.platform.time_zones)
    time_zone = SelectField(
        _l("Time zone"),
        description=_l("Every time on the site is shown in this zone."),
        default="",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.time_zone.choices = [("", _l("The one this device is set to")), *zone_choices()]


def _code_field(label: object) -> StringField:
    return StringField(
        label,
        filters=[_strip],
        validators=[
            DataRequired(message=_l("Please enter the code.")),
            Length(max=40, message=_l("The code is too long.")),
        ],
        render_kw={"autocomplete": "one-time-code", "autocapitalize": "off", "spellcheck": "false"},
    )


class TwoFactorLoginForm(AppForm):
    code = _code_field(_l("Code from your authenticator app, or a recovery code"))


class TwoFactorSetupForm(AppForm):
    code = _code_field(_l("The 6-digit code the app shows now"))


class ConfirmPasswordForm(AppForm):
    """For the changes that weaken or replace a second step: a stolen open session is not enough."""

    password = _current_password_field(_l("Your password"))


class ConfirmEmailForm(AppForm):
    """The link proves the mailbox; the password proves this is who registered."""

    password = _current_password_field(_l("The password you chose when registering"))


class ForgotPasswordForm(AppForm):
    email = _email_field()


class ResetPasswordForm(AppForm):
    new_password = _password_field(_l("New password"))
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[EqualTo("new_password", message=_l("The two passwords do not match."))],
        render_kw={"autocomplete": "new-password"},
    )
    #: asked only of accounts with two-step verification (the page shows it then)
    code = StringField(
        _l("Code from your authenticator app, or a recovery code"),
        filters=[_strip],
        validators=[Length(max=40, message=_l("The code is too long."))],
        render_kw={"autocomplete": "one-time-code", "autocapitalize": "off", "spellcheck": "false"},
    )
