"""The regulator's status report on a submitted case."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired

from models import SubmissionStatus
from services.platform.labels import OUTCOME, SUBMISSION_STATUS
from services.submissions.lifecycle import NOTE_MAX, OUTCOMES

#: every status but the first, which only submitting sets
REPORTABLE = [s for s in SubmissionStatus if s is not SubmissionStatus.SUBMITTED]


class StatusForm(FlaskForm):
    status = SelectField(
        _l("New status"),
        choices=[SelectChoice(s.value, SUBMISSION_STATUS[s]) for s in REPORTABLE],
        validators=[DataRequired()],
    )
    outcome = SelectField(
        _l("Outcome (when resolved)"),
        choices=[SelectChoice("", _l("—")), *[SelectChoice(o, OUTCOME[o]) for o in OUTCOMES]],
        default="",
    )
    note = TextAreaField(
        _l("Note for the members"),
        description=_l(
            "Required for the company's answer (paste it here) and for a rejection (the reason). "
            "Members read it on the case timeline."
        ),
        render_kw={"maxlength": NOTE_MAX, "rows": 6},
    )


class TokenForm(FlaskForm):
    name = StringField(
        _l("Name"),
        description=_l("What will use it, e.g. “case management system”."),
        validators=[DataRequired(message=_l("Give the token a name."))],
        render_kw={"maxlength": 80},
    )
