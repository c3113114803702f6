"""Forms of the evidence pages. Files are checked by the service, not by name or extension."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, IntegerField, MultipleFileField, StringField, TextAreaField
from wtforms.validators import AnyOf, InputRequired, NumberRange

from blueprints.forms import AppForm

WORDS_HINT = _l(
    "Your name is always removed. Add other words to remove, one per line: a relative's "
    "name, an address, a nickname."
)


class UploadForm(AppForm):
    files = MultipleFileField(_l("Files"))
    words = TextAreaField(_l("Words to remove"), description=WORDS_HINT)


class WordsForm(AppForm):
    words = TextAreaField(_l("Words to remove"), description=WORDS_HINT)


class BoxesForm(AppForm):
    boxes = HiddenField()


class NameDecisionForm(AppForm):
    """Hide (``accept``) or keep (``reject``) one proposed name, by its place in the list; the
    button pressed carries the decision."""

    index = IntegerField(validators=[InputRequired(), NumberRange(min=0, max=10_000)])
    decision = StringField(validators=[InputRequired(), AnyOf(["accept", "reject"])])
