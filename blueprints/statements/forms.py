"""Forms of the wallet statement pages. The file is checked by the service, by its content."""

from __future__ import annotations

from datetime import timedelta

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, SelectMultipleField, StringField
from wtforms.validators import InputRequired, Length, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from blueprints.forms import AppForm

#: the longest window a table may cover: a year and a day
MAX_WINDOW = timedelta(days=366)


class StatementForm(AppForm):
    statement = FileField(
        _l("Statement file"),
        description=_l(
            "The file your wallet exported, unchanged: Alipay CSV, WeChat Pay CSV or xlsx, or "
            "PayPal activity CSV."
        ),
    )
    window_start = DateField(
        _l("Payments from"),
        validators=[InputRequired(message=_l("Please enter the date as YYYY-MM-DD."))],
    )
    window_end = DateField(
        _l("Payments until"),
        validators=[InputRequired(message=_l("Please enter the date as YYYY-MM-DD."))],
    )
    counterparty = StringField(
        _l("Paid to"),
        description=_l("The company's names as the statement may spell them, separated by commas."),
        validators=[
            InputRequired(message=_l("Name the company or person you paid.")),
            Length(max=200),
        ],
    )

    def validate_window_end(self, field: DateField) -> None:
        start = self.window_start.data
        if start is None or field.data is None:
            return
        if field.data < start:
            raise ValidationError(_l("The end of the period cannot be before its start."))
        if field.data - start > MAX_WINDOW:
            raise ValidationError(_l("Choose a period of at most a year."))


class ConfirmForm(AppForm):
    """The rows the member keeps, by their place in the table, and for a statement that names
    no holder, her word that it is of her own account."""

    own_account = BooleanField(_l("This is a statement of my own account."))

    keep = SelectMultipleField(
        _l("Keep"),
        coerce=int,
        validate_choice=False,
        option_widget=CheckboxInput(),
        widget=ListWidget(prefix_label=False),
    )
