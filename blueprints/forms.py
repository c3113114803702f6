"""Forms shared across blueprints, and the helpers every form view uses."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from urllib.parse import unquote, urlsplit

from babel import support
from flask import flash, request
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    Field,
    Form,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    ValidationError,
)
from wtforms.i18n import messages_path
from wtforms.widgets import CheckboxInput, ListWidget

from extensions import db
from services.errors import DomainError


@lru_cache(maxsize=8)
def _wtforms_catalog(locale: str) -> support.NullTranslations:
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


class _WTFormsMessages:
    """WTForms' own messages ("Not a valid choice") in the request's language, from a catalog
    read once per process and language. Flask-WTF reads the catalog from disk again for every
    request that builds a form: a tenth of a signature's time (bench/signing_profile.py)."""

    def gettext(self, string: str) -> str:
        return _wtforms_catalog(str(get_locale())).ugettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return _wtforms_catalog(str(get_locale())).ungettext(singular, plural, n)


_MESSAGES = _WTFormsMessages()


class AppForm(FlaskForm):
    """Every form of the app: Flask-WTF's (CSRF protection, request data), with WTForms'
    messages from a catalog kept per language."""

    class Meta(FlaskForm.Meta):
        def get_translations(self, form: Form) -> _WTFormsMessages:  # noqa: ARG002 - WTForms' signature
            return _MESSAGES


class CheckboxesField(SelectMultipleField):
    """Several choices as a list of checkboxes (the field macro renders it as a fieldset)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class EmptyForm(AppForm):
    """A button that changes state: only the CSRF token, and where to go back to."""

    next = HiddenField()


#: percent-encoding wrapped more often than this is no link this site makes
NEXT_DECODINGS = 3
#: control, format, surrogate, private-use and unassigned characters, and line separators
UNSEEN = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def _plain_path(target: str) -> bool:
    """A path on this site: one leading ``/``, no ``\\`` (browsers read it as ``/``), no
    scheme, no host, no ``//`` in the path (``/..//host``), and no control or invisible
    character (browsers drop tabs and line breaks, which can join ``/`` and ``/`` into
    ``//host``; a header cannot carry a line break at all)."""
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return False
    if any(unicodedata.category(ch) in UNSEEN for ch in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc and "//" not in parts.path


def is_safe_next(target: str | None) -> bool:
    """Follow ``next`` only to a path on this site: as written (with no whitespace either) and
    after each round of percent-decoding, up to :data:`NEXT_DECODINGS` rounds, so that
    ``/%2F%2Fhost`` or ``/%5Chost`` is refused like ``//host`` and ``/\\host``: whatever decodes
    it later must not leave the site either."""
    if not target or any(ch.isspace() for ch in target):
        return False
    layer = target
    for _ in range(NEXT_DECODINGS + 1):
        if not _plain_path(layer):
            return False
        decoded = unquote(layer)
        if decoded == layer:
            return True
        layer = decoded
    return False


def safe_next(target: str | None, fallback: str) -> str:
    """``target`` when :func:`is_safe_next` admits it, else ``fallback``: a bad ``next`` is
    never an error, the user just lands on the usual page."""
    return target if target is not None and is_safe_next(target) else fallback


def attach_error(form: FlaskForm, error: DomainError) -> None:
    """Show a refused operation's message next to its field, or at the top of the form."""
    field: Field | None = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)


def flash_errors(form: FlaskForm) -> None:
    """For small forms posted from a page they do not re-render (sign, comment)."""
    for messages in form.errors.values():
        for message in messages:
            flash(str(message), "error")


def invalid_status(form: FlaskForm) -> int:
    """400 when the request was malformed (CSRF is handled apart), 422 for values refused."""
    return 422 if form.is_submitted() else 200


@dataclass
class Outcome:
    refused: bool = False

    @property
    def done(self) -> bool:
        return not self.refused


@contextmanager
def commit_or_show_error(form: FlaskForm | None = None) -> Iterator[Outcome]:
    """Commit the service calls in the block, or show why they were refused.

    A refused operation (:class:`DomainError`, :class:`NotFound` included) is rolled back and
    its message shown next to its field of ``form``, or flashed when there is no form; it does
    not reach the error handlers (:mod:`blueprints.errors`), for the view answers with its own
    page. ``outcome.refused`` then tells the view, and nothing was saved."""
    outcome = Outcome()
    try:
        yield outcome
    except DomainError as error:
        db.session.rollback()
        outcome.refused = True
        if form is not None:
            attach_error(form, error)
        else:
            flash(str(error.message), "error")
        return
    db.session.commit()


#: larger numbers in a query string are nonsense (and overflow SQLite's integers)
QUERY_INT_MAX = 10**9
#: dates outside this range are typing mistakes (and the day after 9999-12-31 does not exist)
EARLIEST, LATEST = date(2000, 1, 1), date(2999, 12, 31)


def one_of_the_choices(_form: Form, field: SelectField) -> None:
    """Checks a select against its choices, with a message in the user's language (WTForms' own
    check speaks English only, hence ``validate_choice=False`` on the fields using this)."""
    if field.data and field.data not in {choice.value for choice in field.iter_choices()}:
        raise ValidationError(_l("Choose a value from the list."))


def date_in_range(_form: Form, field: DateField) -> None:
    """Checks a date that parsed; one that did not already has its own message."""
    if field.data is not None and not EARLIEST <= field.data <= LATEST:
        raise ValidationError(_l("Enter a date between 2000-01-01 and 2999-12-31."))


def positive(message: str) -> Callable[[Form, IntegerField], None]:
    """Checks a number that parsed (one that did not already has its own message): from 1 to
    :data:`QUERY_INT_MAX`, else ``message``."""

    def check(_form: Form, field: IntegerField) -> None:
        if field.data is not None and not 0 < field.data <= QUERY_INT_MAX:
            raise ValidationError(message)

    return check


def positive_int_arg(name: str) -> int | None:
    """A positive whole number from the query string, or None for anything else: filters read
    leniently, an unreadable value means "no filter", never an error page."""
    value = request.args.get(name, type=int)
    return value if value is not None and 0 < value <= QUERY_INT_MAX else None


def page_arg() -> int:
    return positive_int_arg("page") or 1
