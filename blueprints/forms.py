"""Forms shared across blueprints, and the helpers every form view uses."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask_wtf import FlaskForm
from wtforms import Field, HiddenField

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
    return target if is_safe_next(target) else fallback


def attach_error(form: FlaskForm, error: DomainError) -> None:
    """Show a refused operation's message next to its field, or at the top of the form."""
    field: Field | None = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)


def invalid_status(form: FlaskForm) -> int:
    """400 when the request was malformed (CSRF is handled apart), 422 for values refused."""
    return 422 if form.is_submitted() else 200
