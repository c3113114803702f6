"""Forms of the evidence pages. Files are checked by the service, not by name or extension."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, MultipleFileField, TextAreaField

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
