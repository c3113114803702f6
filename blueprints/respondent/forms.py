"""Forms of the respondent's pages: the company's answer and an offer to one member."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from blueprints.forms import AppForm
from services.respondents.answers import ANSWER_MAX, ANSWER_MIN
from services.respondents.offers import MESSAGE_MAX


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


class AnswerForm(AppForm):
    body = TextAreaField(
        _l("The company's answer"),
        description=_l(
            "Every member of the case and the authority read it. It cannot be changed once posted."
        ),
        filters=[_strip],
        validators=[
            DataRequired(message=_l("Please write the company's answer.")),
            Length(
                min=ANSWER_MIN,
                max=ANSWER_MAX,
                message=_l("Please write between %(min)d and %(max)d characters."),
            ),
        ],
        render_kw={"rows": 8, "maxlength": ANSWER_MAX},
    )


class OfferForm(AppForm):
    """A refund for one member, picked by pseudonym. The amount is read by the service, which
    knows the member's currency and says what is wrong in the user's language."""

    pseudonym = HiddenField(validators=[DataRequired(message=_l("Choose a member."))])
    amount = StringField(
        _l("Refund offered"),
        filters=[_strip],
        validators=[DataRequired(message=_l("Please enter the amount, e.g. 199.00."))],
        render_kw={"inputmode": "decimal", "autocomplete": "off"},
    )
    message = TextAreaField(
        _l("Message to the member"),
        filters=[_strip],
        validators=[
            Length(max=MESSAGE_MAX, message=_l("Please keep this under %(max)d characters."))
        ],
        render_kw={"rows": 3, "maxlength": MESSAGE_MAX},
    )
