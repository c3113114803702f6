"""The routing questions: what was affected, where the member lives, the company asked first."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, SelectChoice, StringField
from wtforms.validators import InputRequired, Length, Optional

from blueprints.complaints.forms import LocalDateField
from blueprints.forms import AppForm
from services.routing.answers import REFERENCE_MAX
from services.routing.rules import AFFECTED_LABELS, RESIDENCES


class RoutingForm(AppForm):
    affected = RadioField(
        _l("What was affected?"),
        choices=[],
        validators=[InputRequired(message=_l("Choose what was affected."))],
        validate_choice=False,
    )
    residence = RadioField(
        _l("Where do you live?"),
        choices=[],
        validators=[InputRequired(message=_l("Choose where you live."))],
        validate_choice=False,
    )
    complained_first = RadioField(
        _l("Did you complain to the company first?"),
        choices=[],
        validators=[Optional()],
        validate_choice=False,
    )
    complained_on = LocalDateField(_l("On which day?"), validators=[Optional()])
    company_reference = StringField(
        _l("The company's reference number for it"),
        validators=[Optional(), Length(max=REFERENCE_MAX)],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # labels in the reader's language, made per request
        self.affected.choices = [SelectChoice(k, str(v)) for k, v in AFFECTED_LABELS.items()]
        self.residence.choices = [SelectChoice(k, str(v)) for k, v in RESIDENCES.items()]
        self.complained_first.choices = [
            SelectChoice("yes", str(_l("Yes"))),
            SelectChoice("no", str(_l("No"))),
        ]

    def complained(self) -> bool | None:
        return {"yes": True, "no": False}.get(self.complained_first.data or "")
