"""Domain errors: what services raise when they refuse an operation.

Views let them through; :mod:`blueprints.errors` turns each type into its HTTP answer (after
rolling back), :func:`blueprints.forms.commit_or_show_error` into a message on a form, and
:func:`cli.errors.exit_on_refusal` into a command's error.
"""

from __future__ import annotations


class DomainError(Exception):
    """A refused operation (HTTP 422). ``field`` names the form field the message belongs next
    to."""

    def __init__(self, message: str, field: str | None = None) -> None:
        # A lazy string is rendered by Jinja as trusted HTML (Flask-Babel's LazyString has
        # __html__), so one that interpolates what a user typed would be an injection: the
        # message becomes plain text here, in the language of the request, and is escaped.
        message = str(message)
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(DomainError):
    """No such thing, or none the user may know of (HTTP 404, the same answer for both)."""


class Conflict(DomainError):
    """The thing's state forbids the operation: already done, closed (HTTP 409)."""


class NotAllowed(DomainError):
    """The user may not do this here (HTTP 403): not a member, not an organizer."""
