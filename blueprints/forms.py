"""Forms shared across blueprints, and the helpers every form view uses."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlsplit

from flask import flash, request
from flask_wtf import FlaskForm
from wtforms import Field, HiddenField

from extensions import db
from services.errors import DomainError


class EmptyForm(FlaskForm):
    """A button that changes state: only the CSRF token, and where to go back to."""

    next = HiddenField()


def is_safe_next(target: str | None) -> bool:
    """Follow ``next`` only to a path on this site: no scheme, no host, no ``//``, no ``\\``."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def safe_next(target: str | None, fallback: str) -> str:
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


def positive_int_arg(name: str) -> int | None:
    """A positive whole number from the query string, or None for anything else: filters read
    leniently, an unreadable value means "no filter", never an error page."""
    value = request.args.get(name, type=int)
    return value if value is not None and 0 < value <= QUERY_INT_MAX else None


def page_arg() -> int:
    return positive_int_arg("page") or 1


def date_arg(name: str) -> date | None:
    """A date (YYYY-MM-DD) from the query string, or None when it does not parse."""
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None
