"""Forms of the evidence pages. Files are checked by the service, not by name or extension."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, MultipleFileField, StringField, TextAreaField
from wtforms.validators import AnyOf, InputRequired, NumberRange

WORDS_HINT = _l(
    "Your name is always removed. Add other words to remove, one per line: a relative's "
    "name, an address, a nickname."
)


class UploadForm(FlaskForm):
    files = MultipleFileField(_l("Files"))
    words = TextAreaField(_l("Words to remove"), description=WORDS_HINT)


class WordsForm(FlaskForm):
    words = TextAreaField(_l("Words to remove"), description=WORDS_HINT)


class BoxesForm(FlaskForm):
    boxes = HiddenField()


class NameDecisionForm(FlaskForm):
    """Hide (``accept``) or keep (``reject``) one proposed name, by its place in the list; the
    button pressed carries the decision."""

    index = IntegerField(validators=[InputRequired(), NumberRange(min=0, max=10_000)])
    decision = StringField(validators=[InputRequired(), AnyOf(["accept", "reject"])])
