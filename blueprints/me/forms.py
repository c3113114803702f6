"""The member's own-data forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField
from wtforms.validators import DataRequired, Length

from services.accounts import PASSWORD_MAX


class DeleteAccountForm(FlaskForm):
    """The password again: a session left open on a shared computer must not be enough."""

    password = PasswordField(
        _l("Your password"),
        validators=[
            DataRequired(message=_l("Please enter your password.")),
            Length(max=PASSWORD_MAX, message=_l("The password is too long.")),
        ],
        render_kw={"autocomplete": "current-password"},
    )
