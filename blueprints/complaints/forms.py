"""The complaint form. Limits mirror the model and the service, which checks them again."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    HiddenField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from blueprints.forms import AppForm, CheckboxesField
from models import CURRENCIES, ZERO_DECIMAL_CURRENCIES, Demand
from models.complaint import NARRATIVE_MAX, NARRATIVE_MIN
from services.complaints.filing import ComplaintInput
from services.platform.labels import DEMAND


class LocalDateField(DateField):
    """A date field whose parse error says which format to use, in the user's language."""

    def process_formdata(self, valuelist: list[str]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError(str(_l("Please enter the date as YYYY-MM-DD."))) from error


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


def _category_id(value: object) -> int | None:
    """The chosen category's id; None for the empty "choose" option."""
    return None if value in ("", None) else int(str(value))


class ComplaintForm(AppForm):
    company = StringField(
        _l("Company"),
        description=_l("Type its name in Chinese or English, e.g. 支付宝 or Alipay."),
        filters=[_strip],
        validators=[
            DataRequired(message=_l("Please name the company.")),
            Length(max=200, message=_l("The company name is too long.")),
        ],
        render_kw={"list": "company-names", "autocomplete": "off"},
    )
    propose_company = BooleanField(_l("It is not in the list: propose it as a new company"))
    #: starts at "choose": a category picked for the member would be filed unread
    category = SelectField(
        _l("What happened"),
        coerce=_category_id,
        validators=[InputRequired(message=_l("Please choose a category."))],
    )
    incident_date = LocalDateField(
        _l("When did it happen?"),
        validators=[InputRequired(message=_l("Please enter the date as YYYY-MM-DD."))],
    )
    amount = DecimalField(
        _l("Amount lost"),
        places=2,
        validators=[
            InputRequired(message=_l("Please enter the amount, e.g. 199.00.")),
            NumberRange(
                min=Decimal("0.01"),
                max=Decimal("100000000"),
                message=_l("Enter an amount more than 0 and at most 100,000,000."),
            ),
        ],
        render_kw={"inputmode": "decimal"},
    )
    currency = SelectField(
        _l("Currency"), choices=[SelectChoice(c, c) for c in CURRENCIES], default="CNY"
    )
    narrative = TextAreaField(
        _l("What happened, in your own words"),
        description=_l(
            "Dates, amounts, what customer service said. Other members never see this; "
            "group cases show them only totals. If you sign a case's complaint, the "
            "authority it goes to receives this text with personal details removed."
        ),
        filters=[_strip],
        validators=[
            DataRequired(message=_l("Please describe what happened.")),
            Length(
                min=NARRATIVE_MIN,
                max=NARRATIVE_MAX,
                message=_l(
                    "Please write between %(min)d and %(max)d characters.",
                    min=NARRATIVE_MIN,
                    max=NARRATIVE_MAX,
                ),
            ),
        ],
        render_kw={
            "rows": 8,
            "maxlength": NARRATIVE_MAX,
            # static/js/app.js: a live count, and a question before a paste is cut short
            "data-counter": _l("{count} of {max} characters"),
            "data-paste-too-long": _l(
                "The pasted text is {over} characters longer than the {max} that fit. "
                "Paste only its first part?"
            ),
        },
    )
    demands = CheckboxesField(
        _l("What do you want?"),
        choices=[SelectChoice(d.value, DEMAND[d]) for d in Demand],
        validators=[Optional()],
    )
    demands_other = StringField(
        _l("Other demand"),
        filters=[_strip],
        validators=[Length(max=300, message=_l("Please keep this under 300 characters."))],
    )
    #: "yes" once the member saw their nearly identical earlier complaint and files anyway
    file_anyway = HiddenField()

    def validate_demands_other(self, field: StringField) -> None:
        if "other" in (self.demands.data or []) and not field.data:
            field.errors.append(_l("You ticked “other”: please say what you want."))

    def to_input(self) -> ComplaintInput:
        amount = self.amount.data or Decimal(0)
        factor = 1 if self.currency.data in ZERO_DECIMAL_CURRENCIES else 100
        return ComplaintInput(
            company_text=self.company.data or "",
            propose_company=bool(self.propose_company.data),
            category_id=self.category.data,
            incident_date=self.incident_date.data or date.min,
            amount_minor=int(amount * factor),
            currency=self.currency.data,
            narrative=self.narrative.data or "",
            demands=list(self.demands.data or []),
            demands_other=self.demands_other.data or None,
        )


class StartCaseForm(AppForm):
    title = StringField(
        _l("Case title"),
        description=_l(
            "Say what happened and who did it, e.g. “Alipay refunds refused after "
            "flight cancellations”. Do not put names or numbers that identify you."
        ),
        filters=[_strip],
        validators=[
            DataRequired(message=_l("Please give the case a title.")),
            Length(max=200, message=_l("The title must be at most 200 characters.")),
        ],
    )
    title_other = StringField(
        _l("The title in the other language (optional)"),
        description=_l(
            "Members who write the other language find the case by it: English for a "
            "Chinese title, Chinese for an English one."
        ),
        filters=[_strip],
        validators=[Length(max=200, message=_l("The title must be at most 200 characters."))],
    )
    summary = TextAreaField(
        _l("Summary for people who find the case"),
        filters=[_strip],
        validators=[
            Length(max=2000, message=_l("Please keep the summary under 2,000 characters."))
        ],
        render_kw={"rows": 4},
    )
    invite_similar = BooleanField(
        _l("Invite people with similar complaints (they are not told who you are)"), default=True
    )


class JoinCaseForm(AppForm):
    complaint = SelectField(
        _l("Join with your complaint"),
        validators=[DataRequired(message=_l("Please choose a complaint."))],
    )
