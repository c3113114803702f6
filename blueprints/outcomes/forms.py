"""Forms of a member's outcome page."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from blueprints.forms import AppForm, one_of_the_choices
from models import OutcomeRating, OutcomeState
from services.outcomes.records import DISPUTE_MAX, DISPUTE_MIN
from services.platform.labels import OUTCOME_RATING, OUTCOME_STATE


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


class OutcomeForm(AppForm):
    state = RadioField(
        _l("What did you get back?"),
        choices=[SelectChoice(s.value, OUTCOME_STATE[s.value]) for s in OutcomeState],
        validate_choice=False,
        validators=[InputRequired(message=_l("Choose what you got back.")), one_of_the_choices],
    )
    amount = StringField(
        _l("Amount refunded (for a partial refund)"),
        filters=[_strip],
        render_kw={"inputmode": "decimal", "autocomplete": "off"},
    )
    rating = RadioField(
        _l("How do you rate the outcome?"),
        choices=[SelectChoice(r.value, OUTCOME_RATING[r.value]) for r in OutcomeRating],
        validate_choice=False,
        validators=[Optional(), one_of_the_choices],
    )

    def validate_amount(self, field: StringField) -> None:
        if self.state.data == OutcomeState.PARTLY_REFUNDED.value and not field.data:
            field.errors.append(_l("Please enter the amount refunded, e.g. 199.00."))


class OfferDecisionForm(AppForm):
    decision = RadioField(
        choices=[SelectChoice("accept", _l("Accept")), SelectChoice("decline", _l("Decline"))],
        validate_choice=False,
        validators=[InputRequired(message=_l("Choose to accept or decline.")), one_of_the_choices],
    )


class DisputeForm(AppForm):
    reason = TextAreaField(
        _l("Why do you dispute the outcome?"),
        description=_l("Only the authority reads this, with your pseudonym."),
        filters=[_strip],
        validators=[
            DataRequired(message=_l("Please say why you dispute the outcome.")),
            Length(
                min=DISPUTE_MIN,
                max=DISPUTE_MAX,
                message=_l("Please write between %(min)d and %(max)d characters."),
            ),
        ],
        render_kw={"rows": 4, "maxlength": DISPUTE_MAX},
    )
